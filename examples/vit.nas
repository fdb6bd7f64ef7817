# A vision-transformer space (Dosovitskiy et al.): an image cut into patches, a class
# token, learned positions, 2 to 4 pre-norm blocks with heads and MLP ratio chosen per
# block, the class token read out.
#
# Count by hand: a block chooses heads (3) and an MLP ratio (2): 6 blocks; 2, 3 or 4 of
# them: 6^2 + 6^3 + 6^4 = 36 + 216 + 1,296 = 1,548; two patch sizes: 3,096.
import std

input [3, 32, 32]
param classes = 10
param width = 64                 # the token width D

NET    ::= Sequential(PATCH, cls_token, pos_embed, BLOCKS, layernorm, cls_pool, linear(classes))
"Patch embedding: a P x P convolution with stride P, then the positions as tokens."
PATCH  ::= Sequential(conv(width, kernel=P, stride=P, bias=true), tokens)
P      ::= 4 | 8
BLOCKS ::= Sequential(BLOCK, BLOCK) | Sequential(BLOCK, BLOCK, BLOCK)
         | Sequential(BLOCK, BLOCK, BLOCK, BLOCK)
"A pre-norm transformer block: x + attention(norm(x)), then x + mlp(norm(x))."
BLOCK  ::= Sequential(Residual(Sequential(layernorm, attention(heads=HEADS)), id, id),
                      Residual(Sequential(layernorm, mlp(ratio=RATIO)), id, id))
HEADS  ::= 2 | 4 | 8
RATIO  ::= 2 | 4
