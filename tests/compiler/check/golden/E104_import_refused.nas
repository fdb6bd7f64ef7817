import std
import "../../../../../../etc/passwd"
import "../golden_outside.nas"
input [3, 32, 32]
ARCH ::= Sequential(conv(16), relu)
