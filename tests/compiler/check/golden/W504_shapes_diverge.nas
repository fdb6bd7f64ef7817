import std
input [3, 32, 32]
ARCH ::= Sequential(conv(16), GROW)
GROW ::= relu | Sequential(conv(channels=*2), GROW)
constraint depth(GROW) <= 400
