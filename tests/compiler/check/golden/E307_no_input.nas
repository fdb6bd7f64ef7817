import std
ARCH ::= Sequential(conv(16), relu)
