import std
input [3, 8, 8]
topology Two(a, b, c) inputs 2 edges (0,2) (1,2) (2,3)
NET  ::= Sequential(conv(8), CELL, global_avg_pool, linear(10))
CELL ::= Two(id, id, relu)
