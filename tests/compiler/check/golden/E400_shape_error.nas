import std
input [3, 32, 32]
ARCH ::= Sequential(conv(16), HEAD)
HEAD ::= Sequential(batchnorm, relu, linear(10)) | Sequential(global_avg_pool, conv3x3)
