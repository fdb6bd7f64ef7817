import "cycle_a.nas"
BLOCK_B ::= relu
