import std
input [3, 8, 8]
NET ::= Sequential(B(8, "a", 1), B(16, "a", 2), global_avg_pool, linear(10))
B(c, kind, p) ::= Sequential(conv(c), OP(p))
OP(1) ::= relu | gelu
OP(2) ::= relu
shared B(kind)
