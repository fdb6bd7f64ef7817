import std
input [3, 32, 32]
ARCH ::= Sequential(STEM, BODDY, conv3x4)
STEM ::= Sequential(conv(16), batchnorm)
BODY ::= Residul(relu, id, relu)
