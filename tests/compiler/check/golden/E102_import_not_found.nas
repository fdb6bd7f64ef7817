import std
import "lib/missing.nas"
input [3, 32, 32]
ARCH ::= Sequential(conv(16), relu)
