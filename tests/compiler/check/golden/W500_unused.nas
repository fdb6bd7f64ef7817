import std
input [3, 32, 32]
ARCH ::= Sequential(conv(16), relu)
SPARE ::= gelu | silu
