# The activation-function space of Schrodi et al.: one searched activation,
# composed of unary and binary elementwise operations, used at every activation
# position of a CIFAR ResNet-20 (He et al., 2016).
import std

input [3, 32, 32]
param classes = 10

NET    ::= Sequential(conv(16, kernel=3), batchnorm, ACT, STAGE, DSTAGE, DSTAGE,
                      global_avg_pool, linear(classes))
STAGE  ::= Sequential(BLOCK, BLOCK, BLOCK)
DSTAGE ::= Sequential(DOWN, BLOCK, BLOCK)

"Basic residual block: conv-bn-act-conv-bn plus identity, then the activation."
BLOCK  ::= Sequential(Residual(Sequential(conv3x3, batchnorm, ACT), id,
                               Sequential(conv3x3, batchnorm)), ACT)

"Residual block that halves the resolution and doubles the channels (projection shortcut)."
DOWN   ::= Sequential(Residual(Sequential(conv(channels=*2, stride=2), batchnorm, ACT),
                               Sequential(conv(channels=*2, kernel=1, stride=2), batchnorm),
                               Sequential(conv3x3, batchnorm)), ACT)

"The searched activation function."
ACT    ::= L2
L2     ::= Binary(BINOP, L1, L1) | Unary(L1)
L1     ::= Binary(BINOP, UNOP, UNOP) | Unary(UNOP)

UNOP   ::= id | neg | abs | square | cubic | square_root | mconst | aconst | log | exp
         | sin | cos | sinh | cosh | tanh | asinh | atanh | sinc | umax | umin
         | sigmoid | logexp | gaussian | erf | const
BINOP  ::= add | multi | sub | div | bmax | bmin | bsigmoid | bgaussian_sq | bgaussian_abs
         | wavg

shared ACT                       # one activation, the same at every position
