"""The TensorFlow backend's op table: one emitter per IR op, building Keras layers.

Inside the model, tensors of the ``channels`` layout are channels-last
([N, *spatial, C], what TensorFlow's CPU kernels run); sequences [N, L, D] and
vectors [N, D] are as in nasc. Keras's `same` padding is TensorFlow's:
ceil(size / stride) outputs, the odd pad at the end, padded positions not
counted by average pooling. It serves where it equals the padding nasc asks
for (`nasc.compiler.ops.padding`); elsewhere the tensor is padded explicitly
(zeros for convolutions, -inf for max pools) and the window runs `valid`,
average pools then rescaled so that padded positions are not counted.
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from functools import partial
from typing import Any

import keras
import numpy as np
from keras import ops

from nasc.backends._tensorflow.builder import (
    AS_IS,
    KerasBuilder,
    conv_parts,
    dense_parts,
    norm_parts,
)
from nasc.backends._tensorflow.layers import (
    BINARY,
    SCALED,
    UNARY,
    ClsToken,
    Elementwise,
    PosEmbed,
    Scaled,
)
from nasc.backends.weights import SCALAR_INIT, Array
from nasc.compiler.graph import IROp, Node
from nasc.compiler.ops import padding as padding_of
from nasc.compiler.ops import se_hidden
from nasc.compiler.shapes import Shape

Tensor = Any
Emitter = Callable[[KerasBuilder, int, Node, tuple[Shape, ...], list[Tensor]], Tensor]

_CONV = {1: keras.layers.Conv1D, 2: keras.layers.Conv2D, 3: keras.layers.Conv3D}
_PAD = {1: keras.layers.ZeroPadding1D, 2: keras.layers.ZeroPadding2D, 3: keras.layers.ZeroPadding3D}
_AVG = {
    1: keras.layers.AveragePooling1D,
    2: keras.layers.AveragePooling2D,
    3: keras.layers.AveragePooling3D,
}
_MAX = {1: keras.layers.MaxPooling1D, 2: keras.layers.MaxPooling2D, 3: keras.layers.MaxPooling3D}
_UP = {1: keras.layers.UpSampling1D, 2: keras.layers.UpSampling2D, 3: keras.layers.UpSampling3D}
_CONV_T = {
    1: keras.layers.Conv1DTranspose,
    2: keras.layers.Conv2DTranspose,
    3: keras.layers.Conv3DTranspose,
}
_CROP = {1: keras.layers.Cropping1D, 2: keras.layers.Cropping2D, 3: keras.layers.Cropping3D}
_GAP = {
    1: keras.layers.GlobalAveragePooling1D,
    2: keras.layers.GlobalAveragePooling2D,
    3: keras.layers.GlobalAveragePooling3D,
}


Pads = tuple[tuple[int, int], ...]


def _pads(source: Shape, kernel: int, stride: int, dilation: int, mode: str) -> Pads:
    return tuple(padding_of(n, kernel, stride, dilation, mode) for n in source.extent)


def _keras_padding(
    source: Shape, kernel: int, stride: int, dilation: int, mode: str
) -> tuple[str, Pads]:
    """Keras's padding word for the window, and the explicit pads needed first (or none)."""
    pads = _pads(source, kernel, stride, dilation, mode)
    if pads == _pads(source, kernel, stride, dilation, "same_tf"):
        return "same", ()
    if all(before == after == 0 for before, after in pads):
        return "valid", ()
    return "valid", pads


def _zero_pad(b: KerasBuilder, i: int, part: str, x: Tensor, pads: Pads) -> Tensor:
    return b.layer(_PAD[len(pads)], i, part, padding=pads[0] if len(pads) == 1 else pads)(x)


def _conv(
    b: KerasBuilder,
    i: int,
    part: str,
    x: Tensor,
    source: Shape,
    out: Shape,
    kernel: int,
    stride: int = 1,
    groups: int = 1,
    dilation: int = 1,
    bias: bool = False,
    prefix: str = "",
    padding: str = "symmetric",
) -> Tensor:
    rank = source.rank
    config: dict[str, Any] = {"groups": groups, "use_bias": bias, "dilation_rate": dilation}
    if stride > 1 and dilation > 1:  # Keras cannot stride a dilated convolution
        pads = _pads(source, kernel, stride, dilation, padding)
        if any(before or after for before, after in pads):
            x = _zero_pad(b, i, part + "_pad", x, pads)
        conv = b.layer(_CONV[rank], i, part, filters=out.features, kernel_size=kernel, **config)
        # every stride-th position: a 1-wide max pool with that stride
        y = b.layer(_MAX[rank], i, part + "_stride", pool_size=1, strides=stride)(conv(x))
    else:
        word, pads = _keras_padding(source, kernel, stride, dilation, padding)
        if pads:
            x = _zero_pad(b, i, part + "_pad", x, pads)
        conv = b.layer(
            _CONV[rank],
            i,
            part,
            filters=out.features,
            kernel_size=kernel,
            strides=stride,
            padding=word,
            **config,
        )
        y = conv(x)
    b.load_parts(conv, i, conv_parts(prefix, bias))
    return y


def conv(
    b: KerasBuilder, i: int, node: Node, shapes: tuple[Shape, ...], xs: list[Tensor]
) -> Tensor:
    return _conv(
        b,
        i,
        "conv",
        xs[0],
        shapes[0],
        node.shape,
        node.int_attr("kernel"),
        node.int_attr("stride"),
        node.int_attr("groups"),
        node.int_attr("dilation"),
        node.attr("bias") is True,
        padding=str(node.attr("padding")),
    )


def _dense(
    b: KerasBuilder, i: int, part: str, x: Tensor, units: int, prefix: str, bias: bool = True
) -> Tensor:
    layer = b.layer(keras.layers.Dense, i, part, units=units, use_bias=bias)
    y = layer(x)
    b.load_parts(layer, i, dense_parts(prefix, bias))
    return y


def linear(
    b: KerasBuilder, i: int, node: Node, shapes: tuple[Shape, ...], xs: list[Tensor]
) -> Tensor:
    return _dense(b, i, "linear", xs[0], node.shape.features, "", node.attr("bias") is True)


def _batchnorm(
    b: KerasBuilder, i: int, part: str, x: Tensor, prefix: str, eps: float, momentum: float
) -> Tensor:
    layer = b.layer(
        keras.layers.BatchNormalization, i, part, axis=-1, epsilon=eps, momentum=1 - momentum
    )
    y = layer(x)
    b.load_parts(layer, i, norm_parts(prefix, stats=True))
    return y


def batchnorm(
    b: KerasBuilder, i: int, node: Node, shapes: tuple[Shape, ...], xs: list[Tensor]
) -> Tensor:
    return _batchnorm(b, i, "bn", xs[0], "", node.float_attr("eps"), node.float_attr("momentum"))


def _affine(b: KerasBuilder, i: int, layer: keras.layers.Layer, x: Tensor) -> Tensor:
    y = layer(x)
    b.load_parts(layer, i, norm_parts("", stats=False))
    return y


def instancenorm(
    b: KerasBuilder, i: int, node: Node, shapes: tuple[Shape, ...], xs: list[Tensor]
) -> Tensor:
    groups, eps = shapes[0].features, node.float_attr("eps")  # one group per channel
    return _affine(
        b, i, b.layer(keras.layers.GroupNormalization, i, "in", groups=groups, epsilon=eps), xs[0]
    )


def groupnorm(
    b: KerasBuilder, i: int, node: Node, shapes: tuple[Shape, ...], xs: list[Tensor]
) -> Tensor:
    groups, eps = node.int_attr("groups"), node.float_attr("eps")
    return _affine(
        b, i, b.layer(keras.layers.GroupNormalization, i, "gn", groups=groups, epsilon=eps), xs[0]
    )


def layernorm(
    b: KerasBuilder, i: int, node: Node, shapes: tuple[Shape, ...], xs: list[Tensor]
) -> Tensor:
    """Over the last axis: the features, or the channels at every position; with
    ``over="all"`` over every axis but the batch, the affine elementwise (its arrays
    channels-last inside Keras)."""
    eps, source = node.float_attr("eps"), shapes[0]
    if node.attr("over") != "all":
        layer = b.layer(keras.layers.LayerNormalization, i, "ln", axis=-1, epsilon=eps)
        return _affine(b, i, layer, xs[0])
    axes = list(range(1, len(source.dims) + 1))
    layer = b.layer(keras.layers.LayerNormalization, i, "ln", axis=axes, epsilon=eps)
    y = layer(xs[0])
    layout = AS_IS
    if source.layout == "channels":
        layout = (
            partial(np.moveaxis, source=0, destination=-1),
            partial(np.moveaxis, source=-1, destination=0),
        )
    b.load_parts(layer, i, [("weight", layout), ("bias", layout)])
    return y


def pool(
    b: KerasBuilder, i: int, node: Node, shapes: tuple[Shape, ...], xs: list[Tensor]
) -> Tensor:
    source, x = shapes[0], xs[0]
    kernel, stride = node.int_attr("kernel"), node.int_attr("stride")
    word, pads = _keras_padding(source, kernel, stride, 1, str(node.attr("padding")))
    kind = _MAX if node.op is IROp.MAX_POOL else _AVG
    layer = b.layer(kind[source.rank], i, "pool", pool_size=kernel, strides=stride, padding=word)
    if not pads:
        return layer(x)
    widths = [(0, 0), *pads, (0, 0)]
    if node.op is IROp.MAX_POOL:
        return layer(ops.pad(x, widths, constant_values=-np.inf))
    # an average over the padded tensor, rescaled by the window's share of real positions
    real = np.pad(np.ones(source.extent), pads)
    windows = np.lib.stride_tricks.sliding_window_view(real, (kernel,) * source.rank)
    steps = tuple(slice(None, None, stride) for _ in pads)
    counts = windows[steps].sum(axis=tuple(range(source.rank, 2 * source.rank)))
    counts = counts[tuple(slice(0, n) for n in node.shape.extent)]
    scale = (kernel**source.rank / counts)[None, ..., None].astype(b.dtype)
    return ops.multiply(layer(ops.pad(x, widths)), scale)


def global_avg_pool(
    b: KerasBuilder, i: int, node: Node, shapes: tuple[Shape, ...], xs: list[Tensor]
) -> Tensor:
    rank = shapes[0].rank if shapes[0].layout == "channels" else 1  # a sequence: over L
    return b.layer(_GAP[rank], i, "gap")(xs[0])


def flatten(
    b: KerasBuilder, i: int, node: Node, shapes: tuple[Shape, ...], xs: list[Tensor]
) -> Tensor:
    """Flattened in nasc's channels-first order, as torch and ONNX flatten."""
    x, source = xs[0], shapes[0]
    if source.layout == "channels":
        x = b.layer(keras.layers.Permute, i, "first", dims=channels_first(source.rank))(x)
    return b.layer(keras.layers.Flatten, i, "flatten")(x)


def channels_last(rank: int) -> tuple[int, ...]:
    """Permute dims [C, *spatial] -> [*spatial, C] (batch not counted)."""
    return (*range(2, rank + 2), 1)


def channels_first(rank: int) -> tuple[int, ...]:
    """Permute dims [*spatial, C] -> [C, *spatial]."""
    return (rank + 1, *range(1, rank + 1))


def resnet_basic(
    b: KerasBuilder, i: int, node: Node, shapes: tuple[Shape, ...], xs: list[Tensor]
) -> Tensor:
    source, out, stride, x = shapes[0], node.shape, node.int_attr("stride"), xs[0]
    y = _conv(b, i, "conv_a", x, source, out, 3, stride, prefix="conv_a.")
    y = _batchnorm(b, i, "bn_a", y, "bn_a.", 1e-5, 0.1)
    y = b.layer(keras.layers.ReLU, i, "relu_a")(y)
    y = _conv(b, i, "conv_b", y, out, out, 3, prefix="conv_b.")
    y = _batchnorm(b, i, "bn_b", y, "bn_b.", 1e-5, 0.1)
    skip = x
    if stride != 1 or source.features != out.features:
        skip = _conv(b, i, "shortcut_conv", x, source, out, 1, stride, prefix="shortcut.conv.")
        skip = _batchnorm(b, i, "shortcut_bn", skip, "shortcut.bn.", 1e-5, 0.1)
    y = b.layer(keras.layers.Add, i, "add")([y, skip])
    return b.layer(keras.layers.ReLU, i, "relu")(y)


def nb201_basic(
    b: KerasBuilder, i: int, node: Node, shapes: tuple[Shape, ...], xs: list[Tensor]
) -> Tensor:
    """NAS-Bench-201's block: relu-conv-bn twice, a pooled or projected shortcut, no relu."""
    source, out, stride, x = shapes[0], node.shape, node.int_attr("stride"), xs[0]
    y = b.layer(keras.layers.ReLU, i, "relu_a")(x)
    y = _conv(b, i, "conv_a", y, source, out, 3, stride, prefix="conv_a.")
    y = _batchnorm(b, i, "bn_a", y, "bn_a.", 1e-5, 0.1)
    y = b.layer(keras.layers.ReLU, i, "relu_b")(y)
    y = _conv(b, i, "conv_b", y, out, out, 3, prefix="conv_b.")
    y = _batchnorm(b, i, "bn_b", y, "bn_b.", 1e-5, 0.1)
    skip = x
    if stride != 1:
        skip = b.layer(_AVG[source.rank], i, "shortcut_pool", pool_size=2, strides=2)(x)
        pooled = Shape("channels", source.features, out.extent)
        skip = _conv(b, i, "shortcut_conv", skip, pooled, out, 1, prefix="shortcut.conv.")
    elif source.features != out.features:
        skip = b.layer(keras.layers.ReLU, i, "shortcut_relu")(x)
        skip = _conv(b, i, "shortcut_conv", skip, source, out, 1, prefix="shortcut.conv.")
        skip = _batchnorm(b, i, "shortcut_bn", skip, "shortcut.bn.", 1e-5, 0.1)
    return b.layer(keras.layers.Add, i, "add")([y, skip])


def attention(
    b: KerasBuilder, i: int, node: Node, shapes: tuple[Shape, ...], xs: list[Tensor]
) -> Tensor:
    """Keras's MultiHeadAttention holding torch's packed projections."""
    width, heads = shapes[0].features, node.int_attr("heads")
    head = width // heads
    layer = b.layer(
        keras.layers.MultiHeadAttention,
        i,
        "attention",
        num_heads=heads,
        key_dim=head,
        dropout=node.float_attr("dropout"),
    )
    y = layer(xs[0], xs[0])
    w_in, b_in = b.array(i, "in_proj.weight"), b.array(i, "in_proj.bias")
    arrays = []
    for k in range(3):  # query, key, value: kernel [D, heads, head], bias [heads, head]
        w = w_in[k * width : (k + 1) * width]
        arrays += [
            w.T.reshape(width, heads, head),
            b_in[k * width : (k + 1) * width].reshape(heads, head),
        ]
    w_out = b.array(i, "out_proj.weight")
    arrays += [w_out.T.reshape(heads, head, width), b.array(i, "out_proj.bias")]

    def read(weights: list[Array]) -> dict[str, Array]:
        """The packed torch projections again: query, key and value stacked."""
        kernels, biases = weights[0:6:2], weights[1:6:2]
        return {
            "in_proj.weight": np.concatenate([k.reshape(width, width).T for k in kernels]),
            "in_proj.bias": np.concatenate([bias.reshape(width) for bias in biases]),
            "out_proj.weight": weights[6].reshape(width, width).T,
            "out_proj.bias": weights[7],
        }

    b.load(layer, i, arrays, read)
    return y


def mlp(b: KerasBuilder, i: int, node: Node, shapes: tuple[Shape, ...], xs: list[Tensor]) -> Tensor:
    width = shapes[0].features
    hidden = int(Fraction(str(node.attr("ratio"))) * width)
    dropout = node.float_attr("dropout")
    y = _dense(b, i, "up", xs[0], hidden, "up.")
    y = b.layer(keras.layers.Dropout, i, "drop_a", rate=dropout)(UNARY["gelu"](y))
    y = _dense(b, i, "down", y, width, "down.")
    return b.layer(keras.layers.Dropout, i, "drop_b", rate=dropout)(y)


def _lifted(
    b: KerasBuilder, i: int, node: Node, shapes: tuple[Shape, ...], xs: list[Tensor]
) -> list[Tensor]:
    """A binary operation's inputs, a vector [N, C] reshaped to [N, 1, ..., 1, C] where
    the node is channels-last [N, *spatial, C] (or [N, 1, C] for a sequence [N, L, C])."""
    out = node.shape
    ones = (1,) if out.layout == "sequence" else (1,) * out.rank
    return [
        x
        if shape == out
        else b.layer(keras.layers.Reshape, i, f"lift{k}", target_shape=(*ones, shape.features))(x)
        for k, (x, shape) in enumerate(zip(xs, shapes, strict=True))
    ]


def scaled(
    b: KerasBuilder, i: int, node: Node, shapes: tuple[Shape, ...], xs: list[Tensor]
) -> Tensor:
    layer = b.layer(Scaled, i, node.op.value, function=node.op.value, initial=SCALAR_INIT[node.op])
    y = layer(_lifted(b, i, node, shapes, xs) if len(xs) > 1 else xs[0])
    b.load_parts(layer, i, [("b", AS_IS)])
    return y


def _elementwise(name: str) -> Emitter:
    """An elementwise operation as `keras.ops` on the model's tensors: saved in the
    model's graph, it loads back with Keras alone."""
    fn = UNARY.get(name) or BINARY[name]

    def emit(
        b: KerasBuilder, i: int, node: Node, shapes: tuple[Shape, ...], xs: list[Tensor]
    ) -> Tensor:
        return fn(*(_lifted(b, i, node, shapes, xs) if len(xs) > 1 else xs))

    return emit


def zero(
    b: KerasBuilder, i: int, node: Node, shapes: tuple[Shape, ...], xs: list[Tensor]
) -> Tensor:
    """Zeros in the node's Keras layout; ``xs`` holds the model's input (for the batch):
    its first value repeated to the node's size, zeroed and reshaped, in Keras's own
    layers and ops."""
    shape = node.shape
    dims = (*shape.extent, shape.features) if shape.layout == "channels" else shape.dims
    first = b.layer(keras.layers.Flatten, i, "batch")(xs[0])[:, :1]
    zeros = ops.zeros_like(ops.repeat(first, shape.size, axis=1))
    return b.layer(keras.layers.Reshape, i, "zeros", target_shape=dims)(zeros)


def concat(
    b: KerasBuilder, i: int, node: Node, shapes: tuple[Shape, ...], xs: list[Tensor]
) -> Tensor:
    return b.layer(keras.layers.Concatenate, i, "concat", axis=-1)(xs)


def total(
    b: KerasBuilder, i: int, node: Node, shapes: tuple[Shape, ...], xs: list[Tensor]
) -> Tensor:
    return b.layer(keras.layers.Add, i, "sum")(xs)


def dropout(
    b: KerasBuilder, i: int, node: Node, shapes: tuple[Shape, ...], xs: list[Tensor]
) -> Tensor:
    return b.layer(keras.layers.Dropout, i, "dropout", rate=node.float_attr("p"))(xs[0])


def upsample(
    b: KerasBuilder, i: int, node: Node, shapes: tuple[Shape, ...], xs: list[Tensor]
) -> Tensor:
    return b.layer(_UP[shapes[0].rank], i, "up", size=node.int_attr("scale"))(xs[0])


def conv_transpose(
    b: KerasBuilder, i: int, node: Node, shapes: tuple[Shape, ...], xs: list[Tensor]
) -> Tensor:
    """Keras's `valid` transposed convolution, cropped by (kernel - stride) / 2 each side."""
    rank, kernel, stride = shapes[0].rank, node.int_attr("kernel"), node.int_attr("stride")
    bias = node.attr("bias") is True
    layer = b.layer(
        _CONV_T[rank],
        i,
        "conv_t",
        filters=node.shape.features,
        kernel_size=kernel,
        strides=stride,
        padding="valid",
        use_bias=bias,
    )
    y = layer(xs[0])
    b.load_parts(layer, i, conv_parts("", bias))  # [in, out, *k] -> [*k, out, in]
    crop = (kernel - stride) // 2
    if crop:
        y = b.layer(_CROP[rank], i, "crop", cropping=crop)(y)
    return y


def channel_shuffle(
    b: KerasBuilder, i: int, node: Node, shapes: tuple[Shape, ...], xs: list[Tensor]
) -> Tensor:
    """Channels-last: [*spatial, C] -> [*spatial, g, C/g] -> [*spatial, C/g, g] -> back."""
    source, groups = shapes[0], node.int_attr("groups")
    extent, rank = source.extent, source.rank
    y = b.layer(
        keras.layers.Reshape, i, "split", target_shape=(*extent, groups, source.features // groups)
    )(xs[0])
    y = b.layer(keras.layers.Permute, i, "swap", dims=(*range(1, rank + 1), rank + 2, rank + 1))(y)
    return b.layer(keras.layers.Reshape, i, "merge", target_shape=(*extent, source.features))(y)


def tokens(
    b: KerasBuilder, i: int, node: Node, shapes: tuple[Shape, ...], xs: list[Tensor]
) -> Tensor:
    """Channels-last [*spatial, C] is already position-major: [positions, C]."""
    return b.layer(keras.layers.Reshape, i, "tokens", target_shape=node.shape.dims)(xs[0])


def to_image(
    b: KerasBuilder, i: int, node: Node, shapes: tuple[Shape, ...], xs: list[Tensor]
) -> Tensor:
    target = (*node.shape.extent, node.shape.features)
    return b.layer(keras.layers.Reshape, i, "image", target_shape=target)(xs[0])


def cls_token(
    b: KerasBuilder, i: int, node: Node, shapes: tuple[Shape, ...], xs: list[Tensor]
) -> Tensor:
    layer = b.layer(ClsToken, i, "cls", width=shapes[0].features)
    y = layer(xs[0])
    b.load_parts(layer, i, [("token", AS_IS)])
    return y


def pos_embed(
    b: KerasBuilder, i: int, node: Node, shapes: tuple[Shape, ...], xs: list[Tensor]
) -> Tensor:
    source = shapes[0]
    layer = b.layer(PosEmbed, i, "pos", length=source.extent[0], width=source.features)
    y = layer(xs[0])
    b.load_parts(layer, i, [("embedding", AS_IS)])
    return y


def squeeze_excite(
    b: KerasBuilder, i: int, node: Node, shapes: tuple[Shape, ...], xs: list[Tensor]
) -> Tensor:
    """Channels-last: the gate [N, C] reshaped to [N, 1, ..., 1, C] and multiplied."""
    source = shapes[0]
    hidden = se_hidden(source.features, node.attr("ratio"))
    squeezed = b.layer(_GAP[source.rank], i, "squeeze")(xs[0])
    y = _dense(b, i, "down", squeezed, hidden, "down.")
    y = b.layer(Elementwise, i, "relu", function="relu")(y)
    y = _dense(b, i, "up", y, source.features, "up.")
    y = b.layer(Elementwise, i, "sigmoid", function="sigmoid")(y)
    gate = b.layer(
        keras.layers.Reshape, i, "gate", target_shape=(*(1,) * source.rank, source.features)
    )(y)
    return b.layer(keras.layers.Multiply, i, "excite")([xs[0], gate])


def factorized_reduce(
    b: KerasBuilder, i: int, node: Node, shapes: tuple[Shape, ...], xs: list[Tensor]
) -> Tensor:
    """relu, two 1x1 stride-2 convs (the second on the input cropped by one position at
    the start of every spatial axis), concatenated along the channels, batch norm."""
    source, out = shapes[0], node.shape
    half = Shape("channels", out.features // 2, out.extent)
    x = b.layer(keras.layers.ReLU, i, "relu")(xs[0])
    crop = ((1, 0),) * source.rank
    shifted = b.layer(
        _CROP[source.rank], i, "shift", cropping=crop[0] if source.rank == 1 else crop
    )(x)
    shifted_shape = Shape("channels", source.features, tuple(n - 1 for n in source.extent))
    first = _conv(b, i, "conv_1", x, source, half, 1, 2, prefix="conv_1.")
    second = _conv(b, i, "conv_2", shifted, shifted_shape, half, 1, 2, prefix="conv_2.")
    y = b.layer(keras.layers.Concatenate, i, "concat", axis=-1)([first, second])
    return _batchnorm(b, i, "bn", y, "bn.", 1e-5, 0.1)


TABLE: dict[IROp, Emitter] = {
    IROp.ZERO: zero,
    IROp.SUM: total,
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
    IROp.FLATTEN: flatten,
    IROp.DROPOUT: dropout,
    IROp.RESNET_BASIC: resnet_basic,
    IROp.NB201_BASIC: nb201_basic,
    IROp.ATTENTION: attention,
    IROp.MLP: mlp,
    IROp.UPSAMPLE: upsample,
    IROp.CONV_TRANSPOSE: conv_transpose,
    IROp.CHANNEL_SHUFFLE: channel_shuffle,
    IROp.TOKENS: tokens,
    IROp.TO_IMAGE: to_image,
    IROp.CLS_TOKEN: cls_token,
    IROp.POS_EMBED: pos_embed,
    IROp.SQUEEZE_EXCITE: squeeze_excite,
    IROp.FACTORIZED_REDUCE: factorized_reduce,
    IROp.CLS_POOL: lambda b, i, node, shapes, xs: xs[0][:, 0],  # the first token, [N, D]
}
TABLE.update({IROp(name): _elementwise(name) for name in (*UNARY, *BINARY)})
TABLE.update({IROp(name): scaled for name in SCALED})
