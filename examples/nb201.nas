# Cell-based NAS-Bench-201: the fixed NB201 macro skeleton, one searched cell
# shared by all 15 cell positions (Dong & Yang, 2020).
import std

input [3, 32, 32]
param classes = 10

"Stem, three stages of five cells with NAS-Bench-201's reduction block between stages, then the head."
NET   ::= Sequential(STEM, STAGE, nb201_resblock, STAGE, nb201_resblock, STAGE, HEAD)
STEM  ::= Sequential(conv(16, kernel=3), batchnorm)
STAGE ::= Sequential(CELL, CELL, CELL, CELL, CELL)
HEAD  ::= Sequential(batchnorm, relu, global_avg_pool, linear(classes))

"The one cell of the network: six edges, each one of five operations."
CELL  ::= Cell(OP, OP, OP, OP, OP, OP)

"The NB201 operations: ReLU-conv-BN blocks, 3x3 average pooling, skip and none."
OP    ::= id | zero | Sequential(relu, conv3x3, batchnorm) | Sequential(relu, conv1x1, batchnorm)
        | avg_pool

shared CELL                      # every CELL takes the same sub-derivation
constraint connected             # no cell may have its input cut from its output
