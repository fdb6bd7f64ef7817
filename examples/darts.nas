# The DARTS search space (Liu, Simonyan and Yang, "DARTS: Differentiable Architecture
# Search", ICLR 2019), as its code builds the 8-cell network it searches in: a 3x3 stem
# to 3C = 48 channels, 8 cells with C = 16 (doubled at the reduction cells 2 and 5),
# global average pooling and a linear classifier.
#
# A cell has two inputs, c_{k-2} and c_{k-1} (nodes 0 and 1), each preprocessed to C
# channels (nodes 2 and 3): ReLU-conv1x1-BN, or FactorizedReduce for c_{k-2} when the
# cell before was a reduction cell. Intermediate node i (nodes 4 to 7) chooses exactly
# 2 distinct predecessors among the 2 preprocessed inputs and the i earlier nodes: all
# of its incoming edges exist, `constraint inputs(DCell, 4, 5, 6, 7) == 2` keeps exactly
# two of them that are not `zero`, and each kept edge is one of the 7 operations of the
# DARTS genotypes. The output (node 8) concatenates the 4 intermediate nodes (4C
# channels): `merge 8 concat`, every other node sums. In a reduction cell the edges
# from the inputs have stride 2. `Cascade` wires cell k to c_{k-2} and c_{k-1} (the
# first cell reads the stem twice, as in DARTS). One normal and one reduction genotype:
# `shared CELL(stride)` ties every cell of one kind, whatever its channels and its
# preprocessing.
#
# Count, per cell kind: node i keeps 2 of its i + 2 edges, 7 operations on each kept
# edge: C(2,2) * C(3,2) * C(4,2) * C(5,2) * 7^8 = 1 * 3 * 6 * 10 * 5,764,801
# = 1,037,664,180. The space: normal x reduction = 1,037,664,180^2
# = 1,076,746,950,455,072,400 (the paper's "about 10^18").

import std

input [3, 32, 32]
param classes = 10

NET ::= Sequential(conv(48, kernel=3), batchnorm,
                   Cascade(CELL(16, 1, 1), CELL(16, 1, 1), CELL(32, 2, 1), CELL(32, 1, 2),
                           CELL(32, 1, 1), CELL(64, 2, 1), CELL(64, 1, 2), CELL(64, 1, 1)),
                   global_avg_pool, linear(classes))

"A DARTS cell: inputs c_{k-2} (node 0) and c_{k-1} (node 1), preprocessed to nodes 2 and 3; intermediate nodes 4 to 7, each summing its kept edges; output node 8, the concatenation of the intermediate nodes."
topology DCell(pre0, pre1, e24, e34, e25, e35, e45, e26, e36, e46, e56, e27, e37, e47, e57, e67, o4,
               o5, o6, o7) inputs 2
    edges (0,2) (1,3)
    (2,4) (3,4)
    (2,5) (3,5) (4,5)
    (2,6) (3,6) (4,6) (5,6)
    (2,7) (3,7) (4,7) (5,7) (6,7)
    (4,8) (5,8) (6,8) (7,8)
    merge sum merge 8 concat

"Cell k of the network: `c` channels, `stride` 1 (normal) or 2 (reduction), `prev` the stride of the cell before (2: c_{k-2} is at twice the resolution)."
CELL(c, stride, prev) ::= DCell(PRE0(c, prev), PRE1(c),
                                EDGE(stride), EDGE(stride),
                                EDGE(stride), EDGE(stride), EDGE(1),
                                EDGE(stride), EDGE(stride), EDGE(1), EDGE(1),
                                EDGE(stride), EDGE(stride), EDGE(1), EDGE(1), EDGE(1),
                                id, id, id, id)

"Preprocessing of c_{k-2}: ReLU-conv1x1-BN, or FactorizedReduce after a reduction cell."
PRE0(c, 1)            ::= Sequential(relu, conv(c, kernel=1), batchnorm)
PRE0(c, 2)            ::= factorized_reduce(c)

"Preprocessing of c_{k-1}."
PRE1(c)               ::= Sequential(relu, conv(c, kernel=1), batchnorm)

"An edge of a cell: not chosen (`zero`, at the edge's stride) or one of the 7 operations."
EDGE(s)               ::= zero(stride=s) | OP(s)

"The 7 operations of the DARTS genotypes (its `none` is only the relaxation's device)."
OP(s)                 ::= max_pool(kernel=3, stride=s)
                        | avg_pool(kernel=3, stride=s)
                        | SKIP(s)
                        | SEP(3, s)
                        | SEP(5, s)
                        | DIL(3, s)
                        | DIL(5, s)

"skip_connect: the identity, FactorizedReduce at stride 2."
SKIP(1)               ::= id
SKIP(2)               ::= factorized_reduce

"sep_conv_kxk: ReLU-dwconv(k, stride)-conv1x1-BN-ReLU-dwconv(k)-conv1x1-BN."
SEP(k, s)             ::= Sequential(relu, conv(kernel=k, stride=s, groups=0), conv(kernel=1),
                                     batchnorm,
                                     relu, conv(kernel=k, groups=0), conv(kernel=1), batchnorm)

"dil_conv_kxk: ReLU-dwconv(k, stride, dilation 2)-conv1x1-BN."
DIL(k, s)             ::= Sequential(relu, conv(kernel=k, stride=s, groups=0, dilation=2),
                                     conv(kernel=1),
                                     batchnorm)

shared CELL(stride)
constraint inputs(DCell, 4, 5, 6, 7) == 2
