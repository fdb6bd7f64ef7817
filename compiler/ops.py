"""The op table: for every primitive, its kind, parameter types and shape rule.

Shape checking, shape inference and every backend read this one table. The
standard library (`std.nas`) declares the same primitives with their defaults
and documentation; the lowering (`nasc.compiler.check.lower`) verifies that the two agree.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

from nasc.compiler.shapes import Shape, ShapeError
from nasc.compiler.values import Relative, Value, describe_type

Kind = Literal["layer", "activation", "unary", "binary", "identity", "zero"]
Params = Mapping[str, Value]
ShapeRule = Callable[[Shape, Params], Shape]
Check = Callable[[Value], str | None]


# ---- parameter types: each returns None when the value is acceptable, else what is wrong


MAX_SIZE = 2**31 - 1
"""The largest size (channels, kernel, stride, a tensor dimension) any framework indexes."""
MAX_ELEMENTS = 2**40
"""The most elements one tensor may have (4 TiB of float32: more than any device holds)."""


def _positive_int(value: Value) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        return f"must be a positive integer, got {describe_type(value)} {value}"
    if value > MAX_SIZE:
        return f"must be at most {MAX_SIZE:,} (no framework can build it), got {value:.3g}"
    return None


def _non_negative_int(value: Value) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return f"must be an integer >= 0, got {describe_type(value)} {value}"
    if value > MAX_SIZE:
        return f"must be at most {MAX_SIZE:,} (no framework can build it), got {value:.3g}"
    return None


def representable(shape: Shape) -> Shape:
    """``shape``, once every dimension and its size fit what a framework can allocate."""
    for dim in shape.dims:
        if dim > MAX_SIZE:
            raise ShapeError(
                f"the output {_short(shape)} has a dimension of {dim:.3g}, over the largest "
                f"size {MAX_SIZE:,} that a framework can build"
            )
    if shape.size > MAX_ELEMENTS:
        raise ShapeError(
            f"the output {_short(shape)} has {shape.size:.3g} elements per sample, over "
            f"{MAX_ELEMENTS:.3g}: no device holds it"
        )
    return shape


def _short(shape: Shape) -> str:
    text = str(shape)
    return text if len(text) <= 80 else text[:77] + "..."


def _number(value: Value) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return f"must be a number, got {describe_type(value)}"
    return None


def _in_range(low: float, high: float, low_open: bool, high_open: bool) -> Check:
    def check(value: Value) -> str | None:
        if isinstance(value, bool) or not isinstance(value, int | float):
            return f"must be a number, got {describe_type(value)}"
        above = value > low if low_open else value >= low
        below = value < high if high_open else value <= high
        if above and below:
            return None
        interval = f"{'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"
        return f"must be in {interval}, got {value}"

    return check


_positive_number = _in_range(0, math.inf, True, True)
_probability = _in_range(0, 1, False, True)
_unit_interval = _in_range(0, 1, True, False)


def _boolean(value: Value) -> str | None:
    return None if isinstance(value, bool) else f"must be true or false, got {value}"


def _stride_1_or_2(value: Value) -> str | None:
    if isinstance(value, bool) or value not in (1, 2):
        return f"must be 1 or 2, got {describe_type(value)} {value}"
    return None


def _padding_mode(value: Value) -> str | None:
    if value in PADDINGS and isinstance(value, str):
        return None
    wanted = " or ".join(f'"{mode}"' for mode in PADDINGS)
    return f"must be {wanted}, got {describe_type(value)} {value}"


LAYERNORM_OVER = ("channels", "all")
"""What `layernorm` normalises over: the channels (or features) at every position, or all
of a sample's dimensions with an elementwise affine (``nn.LayerNorm(x.shape[1:])``)."""


def _layernorm_over(value: Value) -> str | None:
    if value in LAYERNORM_OVER and isinstance(value, str):
        return None
    wanted = " or ".join(f'"{over}"' for over in LAYERNORM_OVER)
    return f"must be {wanted}, got {describe_type(value)} {value}"


def _channels(value: Value) -> str | None:
    if isinstance(value, Relative):
        return None if value.factor > 0 else f"a relative channel count must be > 0, got {value}"
    return _positive_int(value)


# ---- shape rules


def _int(value: Value) -> int:
    """An integer parameter (its type was checked when the space was lowered)."""
    assert isinstance(value, int)
    return value


def out_channels(value: Value, features: int) -> int:
    """An absolute channel count, or a relative one applied to the input's."""
    if isinstance(value, Relative):
        channels = value.of(features)
        if channels.denominator != 1 or channels < 1:
            raise ShapeError(
                f"channels={value} of {features} channels is {float(channels):g}, "
                "not a whole number of channels"
            )
        return int(channels)
    assert isinstance(value, int)
    return value


def _need(shape: Shape, *layouts: str, what: str) -> None:
    if shape.layout not in layouts:
        wanted = " or ".join(_LAYOUT_WORDS[layout] for layout in layouts)
        raise ShapeError(f"{what} needs {wanted}, but its input is {shape}")


_LAYOUT_WORDS = {
    "channels": "a channels-first input ([C, L], [C, H, W] or [C, D, H, W])",
    "sequence": "a sequence [L, D]",
    "vector": "a vector [D]",
}


def _spatial(shape: Shape, what: str) -> None:
    _need(shape, "channels", what=what)
    if not 1 <= shape.rank <= 3:
        raise ShapeError(f"{what} needs 1 to 3 spatial dimensions, but its input is {shape}")


PADDINGS = ("symmetric", "same_tf")
"""The padding modes of convolutions and pools: PyTorch's symmetric padding (the
default) and TensorFlow's `same`."""


def padding(
    size: int, kernel: int, stride: int = 1, dilation: int = 1, mode: str = "symmetric"
) -> tuple[int, int]:
    """(before, after) padding of one spatial dimension.

    ``symmetric`` pads floor((kernel - 1) * dilation / 2) on each side, as
    PyTorch's ``padding=kernel // 2`` does for odd kernels; ``same_tf`` pads so
    that the output is ceil(size / stride) long, the odd pad at the end.

    >>> padding(32, 3, 2), padding(32, 3, 2, mode="same_tf")
    ((1, 1), (0, 1))
    """
    reach = (kernel - 1) * dilation + 1
    if mode == "same_tf":
        total = max((math.ceil(size / stride) - 1) * stride + reach - size, 0)
        return total // 2, total - total // 2
    each = (reach - 1) // 2
    return each, each


def padded_size(
    size: int, kernel: int, stride: int = 1, dilation: int = 1, mode: str = "symmetric"
) -> int:
    """The output size of a convolution or pool along one dimension:
    floor((size + 2p - dilation * (kernel - 1) - 1) / stride) + 1 with p the
    symmetric padding, or ceil(size / stride) for ``same_tf``.

    >>> padded_size(32, 3, 2), padded_size(32, 2, 2), padded_size(7, 3, 2, mode="same_tf")
    (16, 16, 4)
    """
    before, after = padding(size, kernel, stride, dilation, mode)
    return (size + before + after - (kernel - 1) * dilation - 1) // stride + 1


def _strided(extent: tuple[int, ...], stride: int) -> tuple[int, ...]:
    return tuple(math.ceil(size / stride) for size in extent)


def _conv(shape: Shape, p: Params) -> Shape:
    _spatial(shape, "conv")
    channels = out_channels(p["channels"], shape.features)
    groups = _int(p["groups"]) or shape.features
    if _int(p["groups"]) == 0 and channels % shape.features:
        raise ShapeError(
            f"a depthwise conv (groups=0) needs output channels divisible by the "
            f"{shape.features} input channels, got {channels}"
        )
    if shape.features % groups or channels % groups:
        raise ShapeError(
            f"conv with groups={groups} needs input ({shape.features}) and output "
            f"({channels}) channels divisible by {groups}"
        )
    return Shape("channels", channels, _padded(shape, p, _int(p["dilation"])))


def _padded(shape: Shape, p: Params, dilation: int = 1) -> tuple[int, ...]:
    """The spatial sizes after a convolution or pool with parameters ``p``."""
    kernel, stride, mode = _int(p["kernel"]), _int(p["stride"]), str(p["padding"])
    extent = tuple(padded_size(n, kernel, stride, dilation, mode) for n in shape.extent)
    if min(extent) < 1:
        reach = (kernel - 1) * dilation + 1
        raise ShapeError(f"a window of {reach} does not fit the sizes of {shape}")
    return extent


def _linear(shape: Shape, p: Params) -> Shape:
    _need(shape, "vector", "sequence", what="linear")
    return shape.with_features(out_channels(p["channels"], shape.features))


def _batchnorm(shape: Shape, p: Params) -> Shape:
    _need(shape, "channels", "vector", what="batchnorm")
    return shape


def _instancenorm(shape: Shape, p: Params) -> Shape:
    _spatial(shape, "instancenorm")
    return shape


def _groupnorm(shape: Shape, p: Params) -> Shape:
    _spatial(shape, "groupnorm")
    if shape.features % _int(p["groups"]):
        raise ShapeError(
            f"groupnorm with groups={p['groups']} needs the {shape.features} channels "
            "to divide into equal groups"
        )
    return shape


def _pool(name: str) -> ShapeRule:
    def rule(shape: Shape, p: Params) -> Shape:
        _spatial(shape, name)
        return Shape("channels", shape.features, _padded(shape, p))

    return rule


def _global_avg_pool(shape: Shape, p: Params) -> Shape:
    _need(shape, "channels", "sequence", what="global_avg_pool")
    return Shape("vector", shape.features)


def _flatten(shape: Shape, p: Params) -> Shape:
    return Shape("vector", shape.size)


def _resnet_basic(shape: Shape, p: Params) -> Shape:
    _spatial(shape, "resnet_basic")
    channels = out_channels(p["channels"], shape.features)
    return Shape("channels", channels, _strided(shape.extent, _int(p["stride"])))


def _nb201_basic(shape: Shape, p: Params) -> Shape:
    _spatial(shape, "nb201_basic")
    stride = _int(p["stride"])
    if stride == 2 and any(size % 2 for size in shape.extent):
        raise ShapeError(
            f"nb201_basic with stride 2 needs even sizes (its shortcut pools 2x2), "
            f"but its input is {shape}"
        )
    channels = out_channels(p["channels"], shape.features)
    return Shape("channels", channels, tuple(size // stride for size in shape.extent))


def _attention(shape: Shape, p: Params) -> Shape:
    _need(shape, "sequence", what="attention")
    if shape.features % _int(p["heads"]):
        raise ShapeError(
            f"attention with heads={p['heads']} needs the width {shape.features} "
            "to be divisible by the number of heads"
        )
    return shape


def _mlp(shape: Shape, p: Params) -> Shape:
    _need(shape, "sequence", "vector", what="mlp")
    hidden = Fraction(str(p["ratio"])) * shape.features
    if hidden.denominator != 1:
        raise ShapeError(f"mlp ratio={p['ratio']} of width {shape.features} is not whole")
    return shape


def _upsample(shape: Shape, p: Params) -> Shape:
    _spatial(shape, "upsample")
    scale = _int(p["scale"])
    return Shape("channels", shape.features, tuple(size * scale for size in shape.extent))


def _conv_transpose(shape: Shape, p: Params) -> Shape:
    _spatial(shape, "conv_transpose")
    kernel, stride = _int(p["kernel"]), _int(p["stride"])
    if kernel < stride or (kernel - stride) % 2:
        raise ShapeError(
            f"conv_transpose needs kernel >= stride with an even difference (so that the "
            f"output is exactly stride times the input), got kernel={kernel}, stride={stride}"
        )
    channels = out_channels(p["channels"], shape.features)
    return Shape("channels", channels, tuple(size * stride for size in shape.extent))


def _channel_shuffle(shape: Shape, p: Params) -> Shape:
    _spatial(shape, "channel_shuffle")
    if shape.features % _int(p["groups"]):
        raise ShapeError(
            f"channel_shuffle with groups={p['groups']} needs the {shape.features} channels "
            "to divide into equal groups"
        )
    return shape


def _tokens(shape: Shape, p: Params) -> Shape:
    _spatial(shape, "tokens")
    return Shape("sequence", shape.features, (math.prod(shape.extent),))


def _to_image(shape: Shape, p: Params) -> Shape:
    _need(shape, "sequence", what="to_image")
    rank, length = _int(p["rank"]), shape.extent[0]
    side = round(length ** (1 / rank))
    if not 1 <= rank <= 3 or side**rank != length:
        raise ShapeError(
            f"to_image(rank={rank}) needs a sequence of side^{rank} tokens, got {length} tokens"
        )
    return Shape("channels", shape.features, (side,) * rank)


def _cls_token(shape: Shape, p: Params) -> Shape:
    _need(shape, "sequence", what="cls_token")
    return Shape("sequence", shape.features, (shape.extent[0] + 1,))


def _sequence(name: str) -> ShapeRule:
    def rule(shape: Shape, p: Params) -> Shape:
        _need(shape, "sequence", what=name)
        return shape

    return rule


def _cls_pool(shape: Shape, p: Params) -> Shape:
    _need(shape, "sequence", what="cls_pool")
    return Shape("vector", shape.features)


def se_hidden(features: int, ratio: Value) -> int:
    """The squeeze width of `squeeze_excite`: ratio * C rounded down, at least 1."""
    return max(1, int(Fraction(str(ratio)) * features))


def _squeeze_excite(shape: Shape, p: Params) -> Shape:
    _spatial(shape, "squeeze_excite")
    return shape


def _factorized_reduce(shape: Shape, p: Params) -> Shape:
    """DARTS's FactorizedReduce: two 1x1 stride-2 convolutions, the second on the input
    shifted by one position, concatenated: even channels and even sizes, which it halves."""
    _spatial(shape, "factorized_reduce")
    channels = out_channels(p["channels"], shape.features)
    if channels % 2:
        raise ShapeError(
            f"factorized_reduce needs an even number of output channels (two halves), "
            f"got {channels}"
        )
    if any(size % 2 for size in shape.extent):
        raise ShapeError(
            f"factorized_reduce needs even sizes (its two strided halves must meet), "
            f"but its input is {shape}"
        )
    return Shape("channels", channels, tuple(size // 2 for size in shape.extent))


def _zero(shape: Shape, p: Params) -> Shape:
    """`zero(stride=2)`: DARTS' none on a reduction edge, zeros of the strided shape."""
    stride = _int(p["stride"])
    if stride == 1:
        return shape
    _spatial(shape, "zero with a stride")
    return Shape("channels", shape.features, _strided(shape.extent, stride))


def _same(shape: Shape, p: Params) -> Shape:
    return shape


def _layernorm(shape: Shape, p: Params) -> Shape:
    return shape


@dataclass(frozen=True, slots=True)
class OpDef:
    name: str
    kind: Kind
    params: tuple[tuple[str, Check], ...]
    shape: ShapeRule

    @property
    def param_names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.params)

    def check(self, name: str, value: Value) -> str | None:
        return dict(self.params)[name](value)


def _op(name: str, kind: Kind, shape: ShapeRule = _same, **params: Check) -> OpDef:
    def rule(source: Shape, p: Params) -> Shape:
        return representable(shape(source, p))

    return OpDef(name, kind, tuple(params.items()), rule)


UNARY_OPS = [
    "id",
    "neg",
    "abs",
    "square",
    "cubic",
    "square_root",
    "mconst",
    "aconst",
    "log",
    "exp",
    "sin",
    "cos",
    "sinh",
    "cosh",
    "tanh",
    "asinh",
    "atanh",
    "sinc",
    "umax",
    "umin",
    "sigmoid",
    "logexp",
    "gaussian",
    "erf",
    "const",
]
BINARY_OPS = [
    "add",
    "multi",
    "sub",
    "div",
    "bmax",
    "bmin",
    "bsigmoid",
    "bgaussian_sq",
    "bgaussian_abs",
    "wavg",
]
ACTIVATIONS = ["relu", "gelu", "silu", "hardswish", "mish", "relu6"]

_LAYERS = (
    _op(
        "conv",
        "layer",
        _conv,
        channels=_channels,
        kernel=_positive_int,
        stride=_positive_int,
        groups=_non_negative_int,
        dilation=_positive_int,
        bias=_boolean,
        padding=_padding_mode,
    ),
    _op("linear", "layer", _linear, channels=_channels, bias=_boolean),
    _op("batchnorm", "layer", _batchnorm, eps=_positive_number, momentum=_unit_interval),
    _op("instancenorm", "layer", _instancenorm, eps=_positive_number),
    _op("layernorm", "layer", _layernorm, eps=_positive_number, over=_layernorm_over),
    _op("groupnorm", "layer", _groupnorm, groups=_positive_int, eps=_positive_number),
    _op(
        "avg_pool",
        "layer",
        _pool("avg_pool"),
        kernel=_positive_int,
        stride=_positive_int,
        padding=_padding_mode,
    ),
    _op(
        "max_pool",
        "layer",
        _pool("max_pool"),
        kernel=_positive_int,
        stride=_positive_int,
        padding=_padding_mode,
    ),
    _op("global_avg_pool", "layer", _global_avg_pool),
    _op("flatten", "layer", _flatten),
    _op("dropout", "layer", p=_probability),
    _op("resnet_basic", "layer", _resnet_basic, channels=_channels, stride=_positive_int),
    _op("nb201_basic", "layer", _nb201_basic, channels=_channels, stride=_stride_1_or_2),
    _op("attention", "layer", _attention, heads=_positive_int, dropout=_probability),
    _op("mlp", "layer", _mlp, ratio=_positive_number, dropout=_probability),
    _op("upsample", "layer", _upsample, scale=_positive_int),
    _op(
        "conv_transpose",
        "layer",
        _conv_transpose,
        channels=_channels,
        kernel=_positive_int,
        stride=_positive_int,
        bias=_boolean,
    ),
    _op("channel_shuffle", "layer", _channel_shuffle, groups=_positive_int),
    _op("tokens", "layer", _tokens),
    _op("to_image", "layer", _to_image, rank=_positive_int),
    _op("cls_token", "layer", _cls_token),
    _op("pos_embed", "layer", _sequence("pos_embed")),
    _op("cls_pool", "layer", _cls_pool),
    _op("squeeze_excite", "layer", _squeeze_excite, ratio=_unit_interval),
    _op("factorized_reduce", "layer", _factorized_reduce, channels=_channels),
)

OPS: dict[str, OpDef] = {op.name: op for op in _LAYERS}
OPS.update({name: _op(name, "activation") for name in ACTIVATIONS})
OPS.update({name: _op(name, "unary") for name in UNARY_OPS})
OPS["id"] = _op("id", "identity")
OPS["zero"] = _op("zero", "zero", _zero, stride=_positive_int)
OPS.update({name: _op(name, "binary") for name in BINARY_OPS})
