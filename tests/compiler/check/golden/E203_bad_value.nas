import std
input [3, 32, 32]
ARCH ::= Sequential(conv(16, kernel=0), dropout(1.5), conv(channels="wide"), Residual(3, id, id))
