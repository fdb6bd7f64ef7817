import std
input [3, 32, 32]
start NETT
shared CEL
constraint depth(ARCHH) <= 3
ARCH ::= Sequential(conv(16), CELL)
CELL ::= relu | gelu
