# A small space for scikit-learn's 8x8 digits: one channel, 10 classes.
import std

input [1, 8, 8]
param classes = 10

NET   ::= Sequential(conv(8, kernel=3), batchnorm, ACT, BLOCK, BLOCK, HEAD)
BLOCK ::= Sequential(ACT, CONV, batchnorm) | id | Sequential(CONV, ACT)
CONV  ::= conv(kernel=3) | conv(kernel=1)
ACT   ::= relu | gelu | silu
HEAD  ::= Sequential(global_avg_pool, linear(classes)) | Sequential(flatten, linear(classes))
