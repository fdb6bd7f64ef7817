# A small transformer space over token sequences: depth, mixing and widths searched.
import std

input sequence [64, 128]         # 64 tokens of width 128
param classes = 10
param width = 128

"A residual sub-layer: x + f(x)."
topology Res(f, skip) edges (0,1) (0,1)

NET    ::= Sequential(linear(width), BLOCKS, layernorm, global_avg_pool, linear(classes))

"One or more blocks, by recursion with a bound on its depth."
BLOCKS ::= BLOCK | Sequential(BLOCK, BLOCKS)
BLOCK  ::= Sequential(Res(Sequential(layernorm, MIXER), id), Res(Sequential(layernorm, FFN), id))
MIXER  ::= 2: attention(heads=4) | attention(heads=8) | mlp(ratio=1)
FFN    ::= mlp(ratio=2) | 2: mlp(ratio=4) | Sequential(mlp(ratio=4), dropout(0.1))

constraint depth(BLOCKS) <= 6
