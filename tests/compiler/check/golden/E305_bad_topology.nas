import std
input [3, 32, 32]
topology Backwards(a, b) edges (0,1) (2,1) (1,2)
ARCH ::= Sequential(conv(16), Backwards(relu, gelu))
