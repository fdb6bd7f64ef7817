# A composite operation is one fixed sub-network: no nonterminals, no value choices,
# no recursion; its uses are checked like a primitive's.
import std

input [16, 8, 8]

op conv_bn(width, k=3) = Sequential(conv(width, kernel=k), batchnorm)
op chooses = Sequential(conv_bn(16), OP)
op picks(k=3) = conv(kernel=(3 | 5))
op loop = Sequential(relu, loop)

NET ::= Sequential(conv_bn(16), chooses, picks, loop, OP)
      | conv_bn(16, size=3) | conv_bn | conv_bn(16, 3, 1)
OP  ::= relu | sigmoid
