# A MobileNetV2 / MnasNet-style space: inverted-bottleneck (MBConv) stages whose kernel,
# expansion, depth and squeeze-and-excitation are chosen per stage (the same in every
# layer of a stage, different across stages), relu6 activations, linear bottlenecks and
# residuals where shapes allow.
#
# Count by hand: a stage chooses a kernel (2) and an expansion (2) once, a depth of 1, 2
# or 3 layers (3), and SE or not (2; `shared SE` ties it within the stage's width):
# 2 * 2 * 3 * 2 = 24 per stage; four stages: 24^4 = 331,776.
import std

input [3, 32, 32]
param classes = 10

NET ::= Sequential(conv(16, stride=1), batchnorm, relu6, STAGE(24, 2, K, E), STAGE(40, 2, K, E),
                   STAGE(80, 2, K, E), STAGE(96, 1, K, E), conv(320, kernel=1), batchnorm, relu6,
                   global_avg_pool, linear(classes))
K   ::= 3 | 5                    # depthwise kernel
E   ::= *3 | *6                  # expansion ratio (relative channels)
shared SE                        # one choice per stage width

"A stage: its first layer changes width and resolution, the repeats keep them."
STAGE(width, stride, k, e) ::= MB(width, stride, k, e)
                             | Sequential(MB(width, stride, k, e), REPEAT(width, k, e))
                             | Sequential(MB(width, stride, k, e), REPEAT(width, k, e),
                                          REPEAT(width, k, e))
"MBConv: 1x1 expansion, k x k depthwise (strided), optional SE, 1x1 linear projection."
MB(width, stride, k, e)    ::= Sequential(conv(channels=e, kernel=1), batchnorm, relu6,
                                          conv(kernel=k, stride=stride, groups=0), batchnorm,
                                          relu6, SE(width), conv(width, kernel=1), batchnorm)
"A repeated layer, with the identity shortcut."
REPEAT(width, k, e)        ::= Residual(MB(width, 1, k, e), id, id)
SE(width)                  ::= id | squeeze_excite(ratio=0.25)
