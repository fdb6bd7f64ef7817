# The NAS-Bench-101 search space (Ying, Klein, Real, Christiansen, Murphy and Hutter,
# "NAS-Bench-101: Towards Reproducible Neural Architecture Search", ICML 2019): a cell
# of 7 vertices (input, 5 intermediate, output) joined by at most 9 edges of a DAG,
# each intermediate vertex one of conv3x3-BN-ReLU, conv1x1-BN-ReLU and 3x3 max pooling;
# a 3x3 stem conv-BN-ReLU to 128 channels, then 3 stacks of 3 cells with a 2x2 max
# pooling between stacks (the channels double there: 128, 256, 512), global average
# pooling and a linear classifier. One cell for the whole network (`shared CELL()`).
#
# NAS-Bench-101 puts operations on vertices, nasc on edges, so each intermediate
# vertex v is split into an in-node (which sums what arrives, as NAS-Bench-101 sums a
# vertex's inputs) and an out-node, joined by an edge that carries v's operation. The
# 21 possible edges of the DAG are arguments that are `zero` or `id`; an edge from the
# input to vertex v (or to the output) runs through its own 1x1 projection of the input
# (conv1x1-BN-ReLU to the stack's channels), which the Graph drops when the edge is
# `zero`. The output concatenates its 6 incoming edges, `zero` ones as zeros, which
# the next cell's 1x1 projections ignore. `prune unreachable`: a vertex the input does
# not reach computes nothing, as NAS-Bench-101 prunes it. Deviation: NAS-Bench-101
# splits the output channels among the vertices feeding the output and adds the
# input's projection to their concatenation; nasc's channel counts do not depend on
# which edges are `zero`, so every vertex keeps the stack's channels and the input's
# projection is one more concatenated part. The choice structure, and so the count, is
# NAS-Bench-101's. `edges(NB) <= 20`: at most 9 DAG edges that are not `zero`, plus the
# 6 projections and the 5 operation edges, which never are; `constraint connected`:
# the output is reached from the input.
#
# Counts. Labelled derivations, as nasc counts them: the 3^5 = 243 operation labellings
# times the upper-triangular 7x7 adjacency matrices with at most 9 of their 21 edges
# and a path from the input to the output (573,494, by brute force in the tests):
# 243 * 573,494 = 139,359,042; the same for the whole network (one shared cell).
# NAS-Bench-101 publishes 423,624 unique graphs: it prunes vertices off every
# input-output path and identifies isomorphic graphs, which labelled derivations do not.

import std

input [3, 32, 32]
param classes = 10

NET ::= Sequential(conv(128, kernel=3), batchnorm, relu,
                   CELL(128), CELL(128), CELL(128), max_pool(kernel=2, stride=2),
                   CELL(256), CELL(256), CELL(256), max_pool(kernel=2, stride=2),
                   CELL(512), CELL(512), CELL(512),
                   global_avg_pool, linear(classes))

"A NAS-Bench-101 cell: input 0; the input's 1x1 projections for vertices 1-5 (nodes 1-5) and for the output (node 6); vertex v's in-node 5+2v and out-node 6+2v, joined by v's operation; the output 17."
topology NB(p1, p2, p3, p4, p5, po, i1, i2, i3, i4, i5, v1, v2, v3, v4, v5, a12, a13, a23, a14, a24,
            a34, a15, a25, a35, a45, o1, o2, o3, o4, o5, oi)
    edges (0,1) (0,2) (0,3) (0,4) (0,5) (0,6)
    (1,7) (2,9) (3,11) (4,13) (5,15)
    (7,8) (9,10) (11,12) (13,14) (15,16)
    (8,9) (8,11) (10,11) (8,13) (10,13) (12,13) (8,15) (10,15) (12,15) (14,15)
    (8,17) (10,17) (12,17) (14,17) (16,17) (6,17)
    merge sum merge 17 concat

"The cell of a stack with `c` channels."
CELL(c) ::= NB(PROJ(c), PROJ(c), PROJ(c), PROJ(c), PROJ(c), PROJ(c),
               ADJ, ADJ, ADJ, ADJ, ADJ,
               VERTEX, VERTEX, VERTEX, VERTEX, VERTEX,
               ADJ, ADJ, ADJ, ADJ, ADJ, ADJ, ADJ, ADJ, ADJ, ADJ,
               ADJ, ADJ, ADJ, ADJ, ADJ, ADJ)

"NAS-Bench-101's 1x1 projection of the cell input."
PROJ(c) ::= Sequential(conv(c, kernel=1), batchnorm, relu)

"An edge of the DAG: absent or present."
ADJ     ::= zero | id

"A vertex's operation."
VERTEX  ::= Sequential(conv(kernel=3), batchnorm, relu)
          | Sequential(conv(kernel=1), batchnorm, relu)
          | max_pool(kernel=3)

shared CELL()
constraint connected
constraint edges(NB) <= 20
prune unreachable
