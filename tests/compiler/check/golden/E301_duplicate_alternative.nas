import std
input [3, 32, 32]
ARCH ::= Sequential(conv(16), OP, OP)
OP   ::= id | Sequential(relu, conv3x3, batchnorm) | avg_pool | Sequential(relu, conv3x3, batchnorm)
