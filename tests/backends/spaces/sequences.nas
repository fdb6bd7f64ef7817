# Primitives on a token sequence and on a vector.
import std

input sequence [5, 8]

topology Bin(op, a, b) edges (0,1) (0,1) merge op

NET ::= attention(heads=2) | mlp(ratio=2) | linear(6) | linear(6, bias=false) | layernorm
      | layernorm(over="all") | Sequential(flatten, layernorm(over="all"))
      | global_avg_pool | flatten | Sequential(flatten, batchnorm) | Sequential(flatten, mlp(ratio=1.5))
      | Sequential(global_avg_pool, linear(3)) | Concat(mlp(ratio=1), zero) | gelu
      | cls_token | pos_embed | cls_pool | Sequential(cls_token, cls_pool) | relu6
      | Sequential(linear(4), to_image(rank=1)) | Sequential(cls_token, cls_token, cls_token, cls_token, to_image)
      | Bin(multi, id, global_avg_pool) | Bin(bgaussian_sq, global_avg_pool, id)
