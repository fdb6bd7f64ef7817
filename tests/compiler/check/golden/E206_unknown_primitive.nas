import std
input [3, 32, 32]
"Not something nasc can build."
primitive convolve(kernel=3)
ARCH ::= Sequential(conv(16), relu)
