# A U-Net-style segmentation space (Ronneberger et al.): three resolutions, each an
# encoder block, a skip connection concatenated with the upsampled coarser level, and a
# decoder block; per-pixel class scores at the input's resolution.
#
# Count by hand: a conv block has one conv or two (kernel 3 or 5 each): 2 + 4 = 6
# variants; an up step is nearest upsampling + 1x1 conv or a transposed conv (2).
# LEVEL3 = 6; LEVEL2 = 6 * 6 * 2 * 6 = 432; LEVEL1 = 6 * 432 * 2 * 6 = 31,104.
import std

input [3, 32, 32]
param classes = 2

NET      ::= Sequential(LEVEL1, conv(classes, kernel=1, bias=true))
LEVEL1   ::= Sequential(BLOCK(16), Concat(id, Sequential(DOWN, LEVEL2, UP(16))), BLOCK(16))
LEVEL2   ::= Sequential(BLOCK(32), Concat(id, Sequential(DOWN, LEVEL3, UP(32))), BLOCK(32))
LEVEL3   ::= BLOCK(64)
DOWN     ::= max_pool(kernel=2, stride=2)
"Convolution, batch norm and relu, once or twice."
BLOCK(c) ::= Sequential(conv(c, kernel=K), batchnorm, relu)
           | Sequential(conv(c, kernel=K), batchnorm, relu, conv(c, kernel=K), batchnorm, relu)
"Back up one resolution, to c channels."
UP(c)    ::= Sequential(upsample, conv(c, kernel=1)) | conv_transpose(c)
K        ::= 3 | 5
