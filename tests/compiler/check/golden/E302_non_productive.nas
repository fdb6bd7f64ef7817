import std
input [3, 32, 32]
ARCH ::= Sequential(conv(16), BLOCK) | LOOP
BLOCK ::= Sequential(relu, LOOP)
LOOP ::= Sequential(conv3x3, LOOP)
constraint depth(LOOP) <= 4
