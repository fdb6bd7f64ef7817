# One primitive per alternative, on an odd-sized image so that `same_tf` padding is uneven;
# a 2x2 pool first makes the sizes even where symmetric padding must differ from `same_tf`.
import std

input [4, 5, 7]

topology Bin(op, a, b) edges (0,1) (0,1) merge op

NET ::= conv(6, kernel=3, stride=2, bias=true) | conv(8, kernel=3, groups=2, dilation=2)
      | conv(8, kernel=3, stride=2, dilation=2) | dconv3x3 | batchnorm | instancenorm
      | layernorm | layernorm(over="all") | groupnorm(groups=2) | avg_pool(kernel=3, stride=2)
      | max_pool(kernel=3, stride=2)
      | avg_pool(kernel=2, stride=1) | global_avg_pool | flatten | dropout(0.5)
      | resnet_basic(stride=2, channels=*2) | resnet_basic
      | nb201_basic | nb201_basic(channels=*2)
      | Sequential(avg_pool(kernel=2, stride=1), nb201_basic(stride=2, channels=*2))
      | conv(6, kernel=3, stride=2, padding="same_tf") | conv(6, kernel=4, padding="same_tf")
      | conv(8, kernel=3, stride=2, dilation=2, padding="same_tf")
      | avg_pool(kernel=3, stride=2, padding="same_tf") | max_pool(kernel=2, stride=1, padding="same_tf")
      | avg_pool(kernel=2, stride=1, padding="same_tf")
      | Sequential(avg_pool(kernel=2, stride=1), conv(6, kernel=3, stride=2))
      | Sequential(avg_pool(kernel=2, stride=1), avg_pool(kernel=3, stride=2))
      | Sequential(avg_pool(kernel=2, stride=1), max_pool(kernel=3, stride=2))
      | Sequential(avg_pool(kernel=2, stride=1), avg_pool(kernel=5, stride=3))
      | relu | gelu | silu | hardswish | mish
      | neg | abs | square | cubic | square_root | mconst | aconst | log | exp | sin | cos
      | sinh | cosh | tanh | asinh | atanh | sinc | umax | umin | sigmoid | logexp | gaussian
      | erf | const
      | Bin(add, neg, sin) | Bin(multi, neg, sin) | Bin(sub, neg, sin) | Bin(div, neg, sin)
      | Bin(bmax, neg, sin) | Bin(bmin, neg, sin) | Bin(bsigmoid, neg, sin)
      | Bin(bgaussian_sq, neg, sin) | Bin(bgaussian_abs, neg, sin) | Bin(wavg, neg, sin)
      | Concat(zero, conv1x1) | Residual(conv3x3, id, conv1x1)
      | relu6 | upsample | upsample(scale=3) | conv_transpose(6) | conv_transpose(3, kernel=4, bias=true)
      | conv_transpose(5, kernel=3, stride=1) | channel_shuffle | Sequential(conv(6), channel_shuffle(3))
      | Sequential(tokens, linear(4)) | Sequential(tokens, cls_token, pos_embed, cls_pool)
      | squeeze_excite | squeeze_excite(ratio=0.5)
      | Sequential(avg_pool(kernel=2, stride=1), factorized_reduce)
      | Sequential(avg_pool(kernel=2, stride=1), factorized_reduce(channels=*3))
      | Bin(multi, id, Sequential(global_avg_pool, linear(2), relu, linear(4), sigmoid))
      | Bin(sub, id, global_avg_pool) | Bin(div, global_avg_pool, id) | Bin(wavg, global_avg_pool, id)
