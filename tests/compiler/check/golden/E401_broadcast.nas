import std
input [3, 8, 8]
topology Par(a, b) edges (0,1) (0,1)
"A pooled path does not broadcast back over the positions of the other."
NET ::= Sequential(conv(16), Par(id, global_avg_pool), linear(10))
