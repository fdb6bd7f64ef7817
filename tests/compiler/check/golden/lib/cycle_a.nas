import "cycle_b.nas"
BLOCK_A ::= relu
