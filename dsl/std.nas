# The nasc standard library. `import std` brings these names into a space.
# Every primitive here is implemented by the op table of nasc.compiler.ops,
# which holds its shape rule; the declarations give names, defaults and docs.
#
# Shapes are channels-first: [C, L] for signals, [C, H, W] for images,
# [C, D, H, W] for volumes; `input sequence [L, D]` gives a sequence of L
# tokens of width D; `vector` shapes are flat feature vectors [D].
# A channels argument is absolute (`conv(64)`), relative (`channels=*2`),
# or inherited from the input (the default `*1`).

# ---- Layers -------------------------------------------------------------

"Convolution over 1, 2 or 3 spatial dimensions, chosen by the input's rank. Padding symmetric (the default) is PyTorch's: p = floor((kernel - 1) * dilation / 2) on each side, output floor((size + 2p - dilation * (kernel - 1) - 1) / stride) + 1, which keeps the size of odd kernels at stride 1; padding same_tf is TensorFlow's `same`: output ceil(size / stride), the odd pad at the end. `groups=0` means depthwise (one group per input channel). No bias: a normalisation usually follows."
primitive conv(channels=*1, kernel=3, stride=1, groups=1, dilation=1, bias=false, padding="symmetric")

"Fully connected layer on the features: vectors [D] become [channels]; sequences [L, D] become [L, channels]."
primitive linear(channels=*1, bias=true)

"Batch normalisation over the channels (or the features of a vector); eps 1e-5, momentum 0.1, learned affine."
primitive batchnorm(eps=0.00001, momentum=0.1)

"Instance normalisation: each channel of each sample normalised over its spatial positions, with a learned affine."
primitive instancenorm(eps=0.00001)

"Layer normalisation with a learned affine. By default (over channels) over the channels at every position (images and signals) or over the features (sequences and vectors), 2 * C parameters; with over all, over all of a sample's dimensions (C, H, W) with an elementwise affine of C * H * W scales and as many shifts, as PyTorch's nn.LayerNorm(x.shape[1:])."
primitive layernorm(eps=0.00001, over="channels")

"Group normalisation: channels split into `groups` groups, each normalised over its channels and positions."
primitive groupnorm(groups=8, eps=0.00001)

"Average pooling, padded as conv is (padding symmetric or same_tf); padded positions are not counted (count_include_pad false)."
primitive avg_pool(kernel=3, stride=1, padding="symmetric")

"Max pooling, padded as conv is (padding symmetric or same_tf); padded positions never win."
primitive max_pool(kernel=3, stride=1, padding="symmetric")

"Average over all positions: [C, ...] becomes the vector [C]; a sequence [L, D] becomes [D]."
primitive global_avg_pool

"Flattens everything but the batch into a vector."
primitive flatten

"Dropout with probability p during training; identity in evaluation."
primitive dropout(p=0.1)

"ResNet basic block: conv-bn-relu-conv-bn plus a shortcut (a 1x1 conv and batch norm when the stride or channels change), then relu."
primitive resnet_basic(channels=*1, stride=1)

"NAS-Bench-201's residual block (ResNetBasicblock): relu-conv3x3(stride)-bn, relu-conv3x3-bn, plus a shortcut; no final relu. With stride 2 the shortcut is a 2x2 average pool (stride 2) then a 1x1 conv without bias or norm, and the sizes must be even; with stride 1 it is relu-conv1x1-bn when the channels change, else the identity."
primitive nb201_basic(channels=*1, stride=1)

"Multi-head self-attention over a sequence [L, D] (D divisible by heads), with output projection."
primitive attention(heads=4, dropout=0.0)

"Position-wise MLP for sequences and vectors: linear to ratio*D, GELU, linear back to D."
primitive mlp(ratio=4, dropout=0.0)

# ---- Activations ----------------------------------------------------------

"max(x, 0)"
primitive relu
"x * Phi(x), the exact Gaussian error linear unit."
primitive gelu
"x * sigmoid(x)"
primitive silu
"x * relu6(x + 3) / 6"
primitive hardswish
"x * tanh(softplus(x))"
primitive mish

# ---- Elementwise operations of the activation-function space -------------
# Unary operations f(x). Where a learned scalar is named, it is one parameter
# per use, initialised as stated.

"The identity, x. In a topology an `id` edge is folded away."
primitive id
"The zero function. In a topology a `zero` edge is removed; `constraint connected` keeps zero edges from cutting a topology's input from its output. `zero(stride=2)` is zero at the strided resolution (DARTS' none on a reduction edge)."
primitive zero(stride=1)
"-x"
primitive neg
"|x|"
primitive abs
"x^2"
primitive square
"x^3"
primitive cubic
"sqrt(|x| + 1e-6): kept real and differentiable at 0."
primitive square_root
"b * x, b a learned scalar initialised to 1."
primitive mconst
"x + b, b a learned scalar initialised to 0."
primitive aconst
"log(|x| + 1e-6): defined for every input."
primitive log
"exp(min(x, 20)): clipped so that it cannot overflow in float32."
primitive exp
"sin(x)"
primitive sin
"cos(x)"
primitive cos
"sinh(clamp(x, -20, 20))"
primitive sinh
"cosh(clamp(x, -20, 20))"
primitive cosh
"tanh(x)"
primitive tanh
"asinh(x) = log(x + sqrt(x^2 + 1))"
primitive asinh
"atanh(clamp(x, -1 + 1e-6, 1 - 1e-6)): finite for every input."
primitive atanh
"sin(x) / x, and 1 at x = 0."
primitive sinc
"max(x, 0)"
primitive umax
"min(x, 0)"
primitive umin
"1 / (1 + exp(-x))"
primitive sigmoid
"log(1 + exp(x)), the softplus, computed stably."
primitive logexp
"exp(-x^2)"
primitive gaussian
"erf(x)"
primitive erf
"b, a learned constant initialised to 0, broadcast to the input's shape."
primitive const

# Binary operations f(x1, x2): usable as the merge of a topology
# (`topology T(op, a, b) edges (0,1) (0,1) merge op`).

"x1 + x2"
primitive add
"x1 * x2"
primitive multi
"x1 - x2"
primitive sub
"x1 / (x2 + eps), eps = 1e-6 with the sign of x2 kept: finite for every input."
primitive div
"max(x1, x2)"
primitive bmax
"min(x1, x2)"
primitive bmin
"sigmoid(x1) * x2"
primitive bsigmoid
"exp(-b * (x1 - x2)^2), b a learned scalar initialised to 1."
primitive bgaussian_sq
"exp(-b * |x1 - x2|), b a learned scalar initialised to 1."
primitive bgaussian_abs
"w * x1 + (1 - w) * x2 with w = sigmoid(b), b a learned scalar initialised to 0."
primitive wavg

# ---- Aliases ----------------------------------------------------------------

"3x3 convolution keeping the channels."
op conv3x3 = conv(kernel=3)
"1x1 convolution keeping the channels."
op conv1x1 = conv(kernel=1)
"3x3 depthwise convolution."
op dconv3x3 = conv(kernel=3, groups=0)
"ResNet basic block that halves the resolution and doubles the channels."
op resblock = resnet_basic(stride=2, channels=*2)
"NAS-Bench-201's reduction block between stages: halves the resolution, doubles the channels."
op nb201_resblock = nb201_basic(stride=2, channels=*2)

# ---- Topologies -------------------------------------------------------------
# `Sequential(a, b, ...)` is built in: any number of arguments chained.

"a on one path, skip on the other: out = b(a(x)) + skip(x)."
topology Residual(a, skip, b) edges (0,1) (0,2) (1,2)

"Two operations in a row beside two in a row: out = b(a(x)) + c(skip(x))."
topology Residual3(a, b, skip, c) edges (0,1) (1,2) (0,3) (2,3)

"The NAS-Bench-201 cell: four nodes, every earlier node feeds every later one."
topology Cell(a, b, c, d, e, f) edges (0,1) (0,2) (1,2) (0,3) (1,3) (2,3)

"Two parallel paths merged by a sum."
topology Diamond(a, b, c, d) edges (0,1) (1,3) (0,2) (2,3)

"A dense DAG of five nodes: every earlier node feeds every later one (10 edges)."
topology Dense(a, b, c, d, e, f, g, h, i, j) edges (0,1) (0,2) (1,2) (0,3) (1,3) (2,3) (0,4) (1,4) (2,4) (3,4)

"Two paths concatenated along the channels."
topology Concat(a, b) edges (0,1) (0,1) merge concat

"f(x): a unary operation, as a topology of one edge."
topology Unary(f) edges (0,1)

"op(a(x), b(x)): two paths merged by the binary operation op."
topology Binary(op, a, b) edges (0,1) (0,1) merge op

# ---- Upsampling, shuffling, tokens ------------------------------------------

"min(max(x, 0), 6)"
primitive relu6

"Nearest-neighbour upsampling: every spatial size multiplied by `scale`."
primitive upsample(scale=2)

"Transposed convolution: every spatial size multiplied by `stride` (kernel >= stride, with an even difference; padding (kernel - stride) / 2 each side). No bias by default."
primitive conv_transpose(channels=*1, kernel=2, stride=2, bias=false)

"Channel shuffle (ShuffleNet): the channels split into `groups` groups and interleaved."
primitive channel_shuffle(groups=2)

"An image as a token sequence: [C, H, W] becomes [H*W, C], positions in row-major order. A patch embedding is `Sequential(conv(D, kernel=P, stride=P), tokens)`."
primitive tokens

"A token sequence as an image, the inverse of `tokens`: [L, D] becomes [D, s, s] for L = s*s tokens (`rank=1`: [D, L]; `rank=3`: [D, s, s, s])."
primitive to_image(rank=2)

"Prepends a learned class token to a sequence: [L, D] becomes [L + 1, D]; initialised to zeros."
primitive cls_token

"Adds a learned positional embedding, one vector per position, to a sequence [L, D]; initialised uniform in +-1/sqrt(D)."
primitive pos_embed

"The first token of a sequence (the class token): [L, D] becomes the vector [D]."
primitive cls_pool

"Squeeze-and-excitation: x times sigmoid(up(relu(down(mean of x over its positions)))), a gate per channel; the squeeze has ratio * C channels (rounded down, at least 1)."
primitive squeeze_excite(ratio=0.25)

"DARTS's FactorizedReduce: ReLU, then two 1x1 convolutions with stride 2 and no bias, each to channels / 2, the second on the input shifted by one position (x[:, :, 1:, 1:]), concatenated along the channels, then batch norm with a learned affine. Halves even sizes; channels must be even."
primitive factorized_reduce(channels=*1)
