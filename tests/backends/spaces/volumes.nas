# Primitives on a 3-D volume.
import std

topology Bin(op, a, b) edges (0,1) (0,1) merge op

input [2, 3, 4, 5]

NET ::= conv(4, kernel=3, stride=2) | dconv3x3 | batchnorm | layernorm | layernorm(over="all")
      | instancenorm
      | avg_pool(kernel=3, stride=2) | max_pool(kernel=2, stride=2) | global_avg_pool | flatten
      | resnet_basic(stride=2, channels=*2) | upsample | conv_transpose(3) | squeeze_excite | channel_shuffle | tokens
      | nb201_basic(channels=*2)
      | avg_pool(kernel=3, stride=2, padding="same_tf")
      | Bin(multi, id, global_avg_pool)
