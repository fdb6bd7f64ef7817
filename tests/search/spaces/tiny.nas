# Four architectures: enough to use up.
import std

input [1, 8, 8]
param classes = 10

NET ::= Sequential(ACT, flatten, HEAD)
ACT ::= relu | gelu
HEAD ::= linear(classes) | Sequential(dropout(0.1), linear(classes))
