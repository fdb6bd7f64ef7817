# NAS-Bench-101's cell as in nb101.nas, with its at most 9 edges: the 5 op edges are
# never zero, so `edges <= 14` leaves at most 9 of the 21 adjacency edges live.
import std

input [3, 32, 32]

topology NB101(op1, op2, op3, op4, op5, e0, e1, e2, e3, e4, e5, e6, e7, e8, e9, e10, e11, e12, e13, e14, e15, e16, e17, e18, e19, e20) edges (1,2) (3,4) (5,6) (7,8) (9,10) (0,1) (0,3) (2,3) (0,5) (2,5) (4,5) (0,7) (2,7) (4,7) (6,7) (0,9) (2,9) (4,9) (6,9) (8,9) (0,11) (2,11) (4,11) (6,11) (8,11) (10,11)
NET ::= NB101(OP, OP, OP, OP, OP, E, E, E, E, E, E, E, E, E, E, E, E, E, E, E, E, E, E, E, E, E)
OP ::= conv3x3 | conv1x1 | max_pool
E ::= id | zero
constraint connected
constraint edges(NB101) <= 14
