# The MNIST-1D paper's CNN baseline (Greydanus 2020, `ConvBase` in its code), about 94%
# test accuracy there: three 1-D convolutions of 25 channels with bias -- kernel 5, then
# 3 and 3, each of stride 2 -- each followed by ReLU, then a linear classifier on the
# 125 flattened features. 5,210 parameters, as in the paper's network.
#
# The paper pads each convolution by 1 on both sides (lengths 40 -> 19 -> 10 -> 5);
# nasc pads so that a stride-2 convolution halves the length (40 -> 20 -> 10 -> 5).
# The layers, the parameter count and the classifier's 125 inputs are the same.
import std

input [1, 40]
param classes = 10

NET ::= Sequential(conv(25, kernel=5, stride=2, bias=true), relu,
                   conv(25, kernel=3, stride=2, bias=true), relu,
                   conv(25, kernel=3, stride=2, bias=true), relu,
                   flatten, linear(classes))
