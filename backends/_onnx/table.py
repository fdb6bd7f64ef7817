"""The ONNX backend's op table: one emitter per IR op.

An emitter gets the builder, the node's index and the node, the shapes and
tensor names of its inputs, and returns the name of the node's result. Tensors
keep nasc's channels-first layout ([N, C, ...], [N, L, D], [N, D]), which is
ONNX's own; padding (symmetric or TensorFlow's `same`) is written out as explicit pads.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np

from nasc.backends._onnx import elementwise as ew
from nasc.backends._onnx.builder import OnnxBuilder, onnx_pads
from nasc.compiler.graph import IROp, Node
from nasc.compiler.shapes import Shape

Emitter = Callable[[OnnxBuilder, int, Node, tuple[Shape, ...], list[str]], str]


def _conv(
    b: OnnxBuilder,
    x: str,
    weight: str,
    source: Shape,
    kernel: int,
    stride: int = 1,
    groups: int = 1,
    dilation: int = 1,
    bias: str | None = None,
    padding: str = "symmetric",
) -> str:
    return b.op(
        "Conv",
        [x, weight] + ([bias] if bias else []),
        kernel_shape=[kernel] * source.rank,
        strides=[stride] * source.rank,
        dilations=[dilation] * source.rank,
        pads=onnx_pads(source.extent, kernel, stride, dilation, padding),
        group=groups,
    )


def conv(b: OnnxBuilder, i: int, node: Node, shapes: tuple[Shape, ...], xs: list[str]) -> str:
    bias = b.weight(i, "bias") if node.attr("bias") is True else None
    return _conv(
        b,
        xs[0],
        b.weight(i, "weight"),
        shapes[0],
        node.int_attr("kernel"),
        node.int_attr("stride"),
        node.int_attr("groups"),
        node.int_attr("dilation"),
        bias,
        str(node.attr("padding")),
    )


def _dense(b: OnnxBuilder, x: str, i: int, prefix: str, bias: bool = True) -> str:
    """x @ weight.T (+ bias) on the last dimension; the weight stays [out, in]."""
    weight_t = b.op("Transpose", [b.weight(i, prefix + "weight")], perm=[1, 0])
    out = b.op("MatMul", [x, weight_t])
    return b.op("Add", [out, b.weight(i, prefix + "bias")]) if bias else out


def linear(b: OnnxBuilder, i: int, node: Node, shapes: tuple[Shape, ...], xs: list[str]) -> str:
    return _dense(b, xs[0], i, "", node.attr("bias") is True)


def _batchnorm(b: OnnxBuilder, x: str, i: int, prefix: str, eps: float, momentum: float) -> str:
    names = ("weight", "bias", "running_mean", "running_var")
    return b.op(
        "BatchNormalization",
        [x, *(b.weight(i, prefix + name) for name in names)],
        epsilon=eps,
        momentum=1 - momentum,  # ONNX keeps `momentum` of the old statistics
    )


def batchnorm(b: OnnxBuilder, i: int, node: Node, shapes: tuple[Shape, ...], xs: list[str]) -> str:
    return _batchnorm(b, xs[0], i, "", node.float_attr("eps"), node.float_attr("momentum"))


def _affine(i: int, b: OnnxBuilder) -> list[str]:
    return [b.weight(i, "weight"), b.weight(i, "bias")]


def instancenorm(
    b: OnnxBuilder, i: int, node: Node, shapes: tuple[Shape, ...], xs: list[str]
) -> str:
    return b.op("InstanceNormalization", [xs[0], *_affine(i, b)], epsilon=node.float_attr("eps"))


def groupnorm(b: OnnxBuilder, i: int, node: Node, shapes: tuple[Shape, ...], xs: list[str]) -> str:
    out = b.op(
        "GroupNormalization",
        [xs[0], *_affine(i, b)],
        epsilon=node.float_attr("eps"),
        num_groups=node.int_attr("groups"),
    )
    b.declare(out, node.shape.dims)
    return out


def layernorm(b: OnnxBuilder, i: int, node: Node, shapes: tuple[Shape, ...], xs: list[str]) -> str:
    """Over the features; for [N, C, ...] over the channels at every position; with
    ``over="all"`` over every dimension but the batch, the affine elementwise."""
    eps, x = node.float_attr("eps"), xs[0]
    if node.attr("over") == "all":
        return b.op("LayerNormalization", [x, *_affine(i, b)], axis=1, epsilon=eps)
    if shapes[0].layout != "channels":
        return b.op("LayerNormalization", [x, *_affine(i, b)], axis=-1, epsilon=eps)
    rank = shapes[0].rank
    last = b.op("Transpose", [x], perm=[0, *range(2, rank + 2), 1])
    normed = b.op("LayerNormalization", [last, *_affine(i, b)], axis=-1, epsilon=eps)
    return b.op("Transpose", [normed], perm=[0, rank + 1, *range(1, rank + 1)])


def pool(b: OnnxBuilder, i: int, node: Node, shapes: tuple[Shape, ...], xs: list[str]) -> str:
    kernel, stride, source = node.int_attr("kernel"), node.int_attr("stride"), shapes[0]
    kernels, strides = [kernel] * source.rank, [stride] * source.rank
    pads = onnx_pads(source.extent, kernel, stride, 1, str(node.attr("padding")))
    if node.op is IROp.MAX_POOL:
        return b.op("MaxPool", xs, kernel_shape=kernels, strides=strides, pads=pads)
    return b.op(
        "AveragePool", xs, kernel_shape=kernels, strides=strides, pads=pads, count_include_pad=0
    )


def global_avg_pool(
    b: OnnxBuilder, i: int, node: Node, shapes: tuple[Shape, ...], xs: list[str]
) -> str:
    source = shapes[0]
    axes = list(range(2, source.rank + 2)) if source.layout == "channels" else [1]
    return b.op("ReduceMean", [xs[0], b.const(axes)], keepdims=0)


def resnet_basic(
    b: OnnxBuilder, i: int, node: Node, shapes: tuple[Shape, ...], xs: list[str]
) -> str:
    source, stride, x = shapes[0], node.int_attr("stride"), xs[0]
    inner = Shape("channels", node.shape.features, node.shape.extent)
    y = _conv(b, x, b.weight(i, "conv_a.weight"), source, 3, stride)
    y = b.op("Relu", [_batchnorm(b, y, i, "bn_a.", 1e-5, 0.1)])
    y = _conv(b, y, b.weight(i, "conv_b.weight"), inner, 3)
    y = _batchnorm(b, y, i, "bn_b.", 1e-5, 0.1)
    skip = x
    if stride != 1 or source.features != node.shape.features:
        skip = _conv(b, x, b.weight(i, "shortcut.conv.weight"), source, 1, stride)
        skip = _batchnorm(b, skip, i, "shortcut.bn.", 1e-5, 0.1)
    return b.op("Relu", [b.op("Add", [y, skip])])


def nb201_basic(
    b: OnnxBuilder, i: int, node: Node, shapes: tuple[Shape, ...], xs: list[str]
) -> str:
    """NAS-Bench-201's block: relu-conv-bn twice, a pooled or projected shortcut, no relu."""
    source, stride, x = shapes[0], node.int_attr("stride"), xs[0]
    inner = Shape("channels", node.shape.features, node.shape.extent)
    y = _conv(b, b.op("Relu", [x]), b.weight(i, "conv_a.weight"), source, 3, stride)
    y = _batchnorm(b, y, i, "bn_a.", 1e-5, 0.1)
    y = _conv(b, b.op("Relu", [y]), b.weight(i, "conv_b.weight"), inner, 3)
    y = _batchnorm(b, y, i, "bn_b.", 1e-5, 0.1)
    skip = x
    if stride != 1:
        two = [2] * source.rank
        pooled = b.op("AveragePool", [x], kernel_shape=two, strides=two)
        pooled_shape = Shape("channels", source.features, node.shape.extent)
        skip = _conv(b, pooled, b.weight(i, "shortcut.conv.weight"), pooled_shape, 1)
    elif source.features != node.shape.features:
        skip = _conv(b, b.op("Relu", [x]), b.weight(i, "shortcut.conv.weight"), source, 1)
        skip = _batchnorm(b, skip, i, "shortcut.bn.", 1e-5, 0.1)
    return b.op("Add", [y, skip])


def attention(b: OnnxBuilder, i: int, node: Node, shapes: tuple[Shape, ...], xs: list[str]) -> str:
    """Multi-head self-attention as torch's nn.MultiheadAttention computes it."""
    width, heads = shapes[0].features, node.int_attr("heads")
    head = width // heads
    qkv = _dense(b, xs[0], i, "in_proj.")
    q, k, v = b.ops("Split", [qkv], 3, axis=-1, num_outputs=3)
    split_heads = b.const([0, 0, heads, head])  # 0: keep batch and length

    def heads_first(t: str, perm: Sequence[int]) -> str:
        return b.op("Transpose", [b.op("Reshape", [t, split_heads])], perm=list(perm))

    scores = b.op("MatMul", [heads_first(q, (0, 2, 1, 3)), heads_first(k, (0, 2, 3, 1))])
    scores = b.op("Mul", [scores, b.const(1 / math.sqrt(head))])
    mixed = b.op("MatMul", [b.op("Softmax", [scores], axis=-1), heads_first(v, (0, 2, 1, 3))])
    merged = b.op(
        "Reshape", [b.op("Transpose", [mixed], perm=[0, 2, 1, 3]), b.const([0, 0, width])]
    )
    return _dense(b, merged, i, "out_proj.")


def mlp(b: OnnxBuilder, i: int, node: Node, shapes: tuple[Shape, ...], xs: list[str]) -> str:
    hidden = _dense(b, xs[0], i, "up.")
    return _dense(b, b.op("Gelu", [hidden], approximate="none"), i, "down.")


def zero(b: OnnxBuilder, i: int, node: Node, shapes: tuple[Shape, ...], xs: list[str]) -> str:
    """Zeros of the node's shape, the batch read from the model's input."""
    batch = b.op("Shape", [b.input_name], start=0, end=1)
    shape = b.op("Concat", [batch, b.const(list(node.shape.dims))], axis=0)
    return b.op("ConstantOfShape", [shape])


def concat(b: OnnxBuilder, i: int, node: Node, shapes: tuple[Shape, ...], xs: list[str]) -> str:
    return b.op("Concat", xs, axis=1 if node.shape.layout == "channels" else -1)


def upsample(b: OnnxBuilder, i: int, node: Node, shapes: tuple[Shape, ...], xs: list[str]) -> str:
    """Nearest neighbour: output position j reads input position floor(j / scale)."""
    scale = float(node.int_attr("scale"))
    scales = b.const(np.array([1.0, 1.0] + [scale] * shapes[0].rank, dtype=np.float32))
    return b.op(
        "Resize",
        [xs[0], "", scales],
        mode="nearest",
        coordinate_transformation_mode="asymmetric",
        nearest_mode="floor",
    )


def conv_transpose(
    b: OnnxBuilder, i: int, node: Node, shapes: tuple[Shape, ...], xs: list[str]
) -> str:
    source, kernel, stride = shapes[0], node.int_attr("kernel"), node.int_attr("stride")
    bias = [b.weight(i, "bias")] if node.attr("bias") is True else []
    pad = (kernel - stride) // 2
    return b.op(
        "ConvTranspose",
        [xs[0], b.weight(i, "weight"), *bias],
        kernel_shape=[kernel] * source.rank,
        strides=[stride] * source.rank,
        pads=[pad] * (2 * source.rank),
    )


def channel_shuffle(
    b: OnnxBuilder, i: int, node: Node, shapes: tuple[Shape, ...], xs: list[str]
) -> str:
    source, groups = shapes[0], node.int_attr("groups")
    extent = list(source.extent)
    split = b.op("Reshape", [xs[0], b.const([0, groups, source.features // groups, *extent])])
    perm = [0, 2, 1, *range(3, source.rank + 3)]
    swapped = b.op("Transpose", [split], perm=perm)
    return b.op("Reshape", [swapped, b.const([0, source.features, *extent])])


def tokens(b: OnnxBuilder, i: int, node: Node, shapes: tuple[Shape, ...], xs: list[str]) -> str:
    flat = b.op("Reshape", [xs[0], b.const([0, shapes[0].features, -1])])
    return b.op("Transpose", [flat], perm=[0, 2, 1])


def to_image(b: OnnxBuilder, i: int, node: Node, shapes: tuple[Shape, ...], xs: list[str]) -> str:
    swapped = b.op("Transpose", [xs[0]], perm=[0, 2, 1])
    return b.op("Reshape", [swapped, b.const([0, *node.shape.dims])])


def cls_token(b: OnnxBuilder, i: int, node: Node, shapes: tuple[Shape, ...], xs: list[str]) -> str:
    width = shapes[0].features
    token = b.op("Reshape", [b.weight(i, "token"), b.const([1, 1, width])])
    batch = b.op("Shape", [xs[0]], start=0, end=1)
    tiled = b.op("Expand", [token, b.op("Concat", [batch, b.const([1, width])], axis=0)])
    return b.op("Concat", [tiled, xs[0]], axis=1)


def squeeze_excite(
    b: OnnxBuilder, i: int, node: Node, shapes: tuple[Shape, ...], xs: list[str]
) -> str:
    rank = shapes[0].rank
    squeezed = b.op("ReduceMean", [xs[0], b.const(list(range(2, rank + 2)))], keepdims=0)
    hidden = b.op("Relu", [_dense(b, squeezed, i, "down.")])
    gate = b.op("Sigmoid", [_dense(b, hidden, i, "up.")])
    gate = b.op("Unsqueeze", [gate, b.const(list(range(2, rank + 2)))])
    return b.op("Mul", [xs[0], gate])


def factorized_reduce(
    b: OnnxBuilder, i: int, node: Node, shapes: tuple[Shape, ...], xs: list[str]
) -> str:
    """relu, two 1x1 stride-2 convs (the second on x[:, :, 1:, ...]), concat, batch norm."""
    source = shapes[0]
    rank = source.rank
    x = b.op("Relu", [xs[0]])
    axes = list(range(2, rank + 2))
    shifted = b.op("Slice", [x, b.const([1] * rank), b.const([2**62] * rank), b.const(axes)])
    shifted_shape = Shape("channels", source.features, tuple(n - 1 for n in source.extent))
    halves = [
        _conv(b, x, b.weight(i, "conv_1.weight"), source, 1, 2),
        _conv(b, shifted, b.weight(i, "conv_2.weight"), shifted_shape, 1, 2),
    ]
    return _batchnorm(b, b.op("Concat", halves, axis=1), i, "bn.", 1e-5, 0.1)


def _unary(name: str) -> Emitter:
    fn = ew.UNARY[name]
    return lambda b, i, node, shapes, xs: fn(b, xs[0])


def _lifted(b: OnnxBuilder, node: Node, shapes: tuple[Shape, ...], xs: list[str]) -> list[str]:
    """A binary operation's inputs, a vector [N, C] unsqueezed where the node's shape is
    [N, C, ...] (a 1 for every position) or [N, L, C] (a 1 for the tokens)."""
    out = node.shape
    axes = [1] if out.layout == "sequence" else list(range(2, out.rank + 2))
    return [
        x if shape == out else b.op("Unsqueeze", [x, b.const(axes)])
        for x, shape in zip(xs, shapes, strict=True)
    ]


def _binary(name: str) -> Emitter:
    fn = ew.BINARY[name]

    def emit(b: OnnxBuilder, i: int, node: Node, shapes: tuple[Shape, ...], xs: list[str]) -> str:
        x1, x2 = _lifted(b, node, shapes, xs)
        return fn(b, x1, x2)

    return emit


def _scaled_unary(name: str) -> Emitter:
    fn = ew.SCALED_UNARY[name]
    return lambda b, i, node, shapes, xs: fn(b, xs[0], b.weight(i, "b"))


def _scaled_binary(name: str) -> Emitter:
    fn = ew.SCALED_BINARY[name]

    def emit(b: OnnxBuilder, i: int, node: Node, shapes: tuple[Shape, ...], xs: list[str]) -> str:
        x1, x2 = _lifted(b, node, shapes, xs)
        return fn(b, x1, x2, b.weight(i, "b"))

    return emit


TABLE: dict[IROp, Emitter] = {
    IROp.ZERO: zero,
    IROp.SUM: lambda b, i, node, shapes, xs: b.op("Sum", xs),
    IROp.CONCAT: concat,
    IROp.CONV: conv,
    IROp.LINEAR: linear,
    IROp.BATCHNORM: batchnorm,
    IROp.INSTANCENORM: instancenorm,
    IROp.LAYERNORM: layernorm,
    IROp.GROUPNORM: groupnorm,
    IROp.AVG_POOL: pool,
    IROp.MAX_POOL: pool,
    IROp.GLOBAL_AVG_POOL: global_avg_pool,
    IROp.FLATTEN: lambda b, i, node, shapes, xs: b.op("Flatten", xs, axis=1),
    IROp.DROPOUT: lambda b, i, node, shapes, xs: b.op("Identity", xs),
    IROp.RESNET_BASIC: resnet_basic,
    IROp.NB201_BASIC: nb201_basic,
    IROp.ATTENTION: attention,
    IROp.MLP: mlp,
    IROp.RELU6: lambda b, i, node, shapes, xs: b.op("Clip", [xs[0], b.const(0.0), b.const(6.0)]),
    IROp.UPSAMPLE: upsample,
    IROp.CONV_TRANSPOSE: conv_transpose,
    IROp.CHANNEL_SHUFFLE: channel_shuffle,
    IROp.TOKENS: tokens,
    IROp.TO_IMAGE: to_image,
    IROp.CLS_TOKEN: cls_token,
    IROp.POS_EMBED: lambda b, i, node, shapes, xs: b.op("Add", [xs[0], b.weight(i, "embedding")]),
    IROp.SQUEEZE_EXCITE: squeeze_excite,
    IROp.FACTORIZED_REDUCE: factorized_reduce,
    IROp.CLS_POOL: lambda b, i, node, shapes, xs: b.op(
        "Gather", [xs[0], b.const(np.array(0))], axis=1
    ),
}
TABLE.update({IROp(name): _unary(name) for name in ew.UNARY})
TABLE.update({IROp(name): _binary(name) for name in ew.BINARY})
TABLE.update({IROp(name): _scaled_unary(name) for name in ew.SCALED_UNARY})
TABLE.update({IROp(name): _scaled_binary(name) for name in ew.SCALED_BINARY})
