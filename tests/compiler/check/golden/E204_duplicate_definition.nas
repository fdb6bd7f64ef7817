import std
input [3, 32, 32]
param classes = 10
param classes = 100
ARCH ::= Sequential(conv(16), relu)
ARCH ::= Sequential(conv(32), relu)
op conv3x3 = conv(kernel=5)
