import std
input [3, 32, 32]
topology Pair(op, a, b) edges (0,1) (0,1) merge op
topology Odd(a, b) edges (0,1) merge fuse
ARCH ::= Sequential(conv(16), Pair(relu, id, id), add, Odd(id, id))
