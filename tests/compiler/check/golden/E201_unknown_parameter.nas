import std
input [3, 32, 32]
ARCH ::= Sequential(conv(16, kernal=3), max_pool(size=2))
