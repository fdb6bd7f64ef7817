import std
input [3, 32, 32]
ARCH ::= café
