import std
import "lib/cycle_a.nas"
input [3, 32, 32]
ARCH ::= Sequential(conv(16), BLOCK_A)
