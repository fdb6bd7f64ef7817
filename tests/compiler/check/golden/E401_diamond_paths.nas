import std
input [3, 8, 8]
"Both paths end in id: the message tells them apart by edge and argument."
NET ::= Sequential(conv(16), Diamond(conv(64), id, conv(32), id))
