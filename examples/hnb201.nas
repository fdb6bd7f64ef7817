# Hierarchical NAS-Bench-201 (Schrodi et al.): cells, blocks and stages all searched.
import std                       # primitives and topologies, itself a .nas file

input [3, 32, 32]
param classes = 10               # overridable: --set classes=100

ARCH ::= Sequential(STEM, D2, HEAD)
STEM ::= Sequential(conv(16, kernel=3), batchnorm)
HEAD ::= Sequential(batchnorm, relu, global_avg_pool, linear(classes))
D2   ::= Sequential(D1, D1, D0) | Sequential(D0, D1, D1) | Sequential(D1, D1, D0, D0)
D1   ::= Sequential(C, C, DOWN) | Sequential(C, C, C, DOWN) | Residual3(C, C, DOWN, DOWN)
D0   ::= Sequential(C, C, CELL) | Sequential(C, C, C, CELL) | Residual3(C, C, CELL, CELL)
DOWN ::= Sequential(CELL, nb201_resblock) | Sequential(CELL, CELL, nb201_resblock)
       | Residual(CELL, nb201_resblock, nb201_resblock)
C    ::= Sequential(CELL, CELL) | Sequential(CELL, CELL, CELL) | Residual(CELL, CELL, CELL)
CELL ::= Cell(OP, OP, OP, OP, OP, OP)
OP   ::= id | zero | Sequential(ACT, CONV, NORM) | avg_pool
ACT  ::= relu | hardswish | mish
CONV ::= conv3x3 | conv1x1 | dconv3x3
NORM ::= batchnorm | instancenorm | layernorm(over="all")  # the paper's: over (C, H, W)

constraint connected             # zero edges never cut a cell's input from its output
prune unreachable                # ops fed only by zero edges are pruned, as in the paper
