# Hierarchical MNIST-1D: the hierarchy of hNB201 (stages, blocks, cells and ops, all
# searched) for signals of 40 samples, sized for a search on a laptop CPU.
import std

input [1, 40]
param classes = 10               # set from the data by `nasc search`

ARCH ::= Sequential(STEM, D2, HEAD)
STEM ::= Sequential(conv(12, kernel=5), batchnorm)
HEAD ::= Sequential(batchnorm, relu, global_avg_pool, linear(classes))

# D2 / D1 / D0: two, one or no halvings of the length left (40 -> 20 -> 10);
# a residual block puts a halving (`resblock`: stride 2, channels doubled) on both paths
D2   ::= Sequential(D1, D1) | Sequential(D1, D0, D1)
D1   ::= Sequential(CELL, resblock) | Sequential(CELL, CELL, resblock)
       | Residual3(CELL, CELL, resblock, resblock)
D0   ::= CELL | Residual(CELL, id, CELL)

# cells of ops
CELL ::= Cell(OP, OP, OP, OP, OP, OP)
OP   ::= id | zero | Sequential(ACT, CONV, NORM) | avg_pool
ACT  ::= relu | gelu | silu
CONV ::= conv(kernel=3) | conv(kernel=5) | conv(kernel=3, dilation=2) | conv(kernel=3, groups=0)
NORM ::= batchnorm | groupnorm(groups=4)

constraint connected             # zero edges never cut a cell's input from its output
