# dense26.nas with at most 9 edges that are not zero.
import std

input [3, 32, 32]

topology D(e0, e1, e2, e3, e4, e5, e6, e7, e8, e9, e10, e11, e12, e13, e14, e15, e16, e17, e18, e19, e20, e21, e22, e23, e24, e25) edges (0,1) (0,2) (1,2) (0,3) (1,3) (2,3) (0,4) (1,4) (2,4) (3,4) (0,5) (1,5) (2,5) (3,5) (4,5) (1,6) (2,6) (3,6) (4,6) (5,6) (1,7) (2,7) (3,7) (4,7) (5,7) (6,7)
NET ::= D(OP, OP, OP, OP, OP, OP, OP, OP, OP, OP, OP, OP, OP, OP, OP, OP, OP, OP, OP, OP, OP, OP, OP, OP, OP, OP)
OP ::= zero | conv3x3 | avg_pool
constraint connected
constraint edges(D) <= 9
