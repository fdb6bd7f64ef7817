import std
input [3, 32, 32]
topology Broken(a, b, c) edges (0,1) (0,2) (1,3)
ARCH ::= Sequential(conv(16), Broken(relu, gelu, silu))
