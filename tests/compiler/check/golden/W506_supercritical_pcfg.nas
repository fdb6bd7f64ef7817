import std
input [3, 32, 32]
B ::= conv3x3 | Sequential(B, B) | Residual(B, id, B)
