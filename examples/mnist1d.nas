# A 1-D convolutional space for MNIST-1D signals: 40 samples, one channel, 10 classes.
import std

input [1, 40]
param classes = 10

NET   ::= Sequential(conv(32, kernel=5), batchnorm, relu, STAGE, STAGE, HEAD)
STAGE ::= Sequential(BLOCK, DOWN) | Sequential(BLOCK, BLOCK, DOWN)
BLOCK ::= Sequential(ACT, CONV, NORM)
        | Residual(Sequential(ACT, CONV, NORM), id, Sequential(ACT, CONV, NORM))
DOWN  ::= max_pool(kernel=2, stride=2) | avg_pool(kernel=2, stride=2)
        | Sequential(conv(channels=*2, stride=2), batchnorm)
CONV  ::= conv(kernel=3) | conv(kernel=5) | conv(kernel=3, dilation=2) | dconv3x3
ACT   ::= relu | gelu | silu
NORM  ::= batchnorm | groupnorm(groups=8) | layernorm
HEAD  ::= Sequential(global_avg_pool, linear(classes))
        | Sequential(flatten, dropout(0.1), linear(classes))
