import std
import "blocks.nas"

input [3, 16, 16]
"Number of classes."
param classes = 10
param width = 8

"Wide 3x3 convolution."
op wide = conv(channels=32, kernel=3)

NET ::= Sequential(conv(width), BLOCK, wide, global_avg_pool, linear(classes))
shared BLOCK
