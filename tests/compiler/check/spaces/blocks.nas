import std
"A pre-activation conv block."
BLOCK ::= Sequential(relu, conv3x3(channels=*2), batchnorm) | 3: Sequential(relu, conv1x1)
