import std
input [3, 32, 32]
ARCH ::= Sequential(conv(16), BLOCKS)
BLOCKS ::= relu | Sequential(conv3x3, BLOCKS)
