import std
input [3, 8, 8]
topology Par(a, b) edges (0,1) (0,1)
"A zero edge beside a strided path: the advice is zero(stride=2), not more downsampling."
NET ::= Sequential(conv(16), Par(OP, OP), global_avg_pool, linear(10))
OP ::= zero | conv(16, stride=2)
