import std
input [3, 32, 32]
ARCH ::= Sequential(conv(16), BLOCK, global_avg_pool, linear(10))
"The skip path does not downsample, so it cannot meet the strided path."
BLOCK ::= Residual(conv3x3, id, resblock) | Concat(conv(8), max_pool(stride=2))
