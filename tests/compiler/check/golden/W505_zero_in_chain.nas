import std

input [3, 8, 8]

topology Par(a, b) edges (0,1) (0,1)

NET ::= Par(OP, OP)
OP  ::= max_pool(kernel=3, stride=2) | Sequential(max_pool(kernel=1, stride=2), zero)

constraint connected
