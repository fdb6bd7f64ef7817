# Primitives on a 1-D signal of odd length.
import std

topology Bin(op, a, b) edges (0,1) (0,1) merge op

input [4, 9]

NET ::= conv(6, kernel=5, stride=2) | conv(4, kernel=3, dilation=2) | dconv3x3 | batchnorm
      | instancenorm | layernorm | layernorm(over="all") | groupnorm(groups=2) | avg_pool(kernel=3, stride=2)
      | max_pool(kernel=2, stride=2) | global_avg_pool | flatten | resnet_basic(stride=2, channels=*2)
      | squeeze_excite | upsample | conv_transpose(3, kernel=4) | channel_shuffle | Sequential(tokens, to_image(rank=1))
      | nb201_basic(channels=*2) | Sequential(max_pool(kernel=2, stride=1), nb201_basic(stride=2))
      | conv(6, kernel=5, stride=2, padding="same_tf") | max_pool(kernel=2, stride=2, padding="same_tf")
      | Sequential(max_pool(kernel=2, stride=1), max_pool(kernel=3, stride=2))
      | Sequential(max_pool(kernel=2, stride=1), factorized_reduce(6))
      | Bin(multi, id, global_avg_pool)
