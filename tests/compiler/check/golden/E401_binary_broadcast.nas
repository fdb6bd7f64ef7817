# A binary operation broadcasts a vector [C] over a [C, H, W]; a sum merge does not,
# and a vector of another width never meets.
import std

input [16, 8, 8]

topology Residual2(a, b) edges (0,1) (0,1)

NET ::= Binary(multi, id, Sequential(global_avg_pool, linear(4), relu, linear(16), sigmoid))
      | Binary(multi, id, Sequential(global_avg_pool, linear(8)))
      | Residual2(id, global_avg_pool)
