"""The torch backend's op table: one entry per IR op, building that node's module.

A factory gets the node, the shapes of its inputs and the model's `Initial`,
which makes the tensors of all layers together once the model is built. Ops in
`SHAREABLE` hold no state, so one module serves every node with the same op,
attributes and input shapes; ops in `TORCH_RNG` draw their initial tensors from
torch's own generator.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from fractions import Fraction
from functools import partial

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from nasc.backends._torch import elementwise as ew
from nasc.backends._torch.initial import Initial
from nasc.backends._torch.layers import (
    MLP,
    Affine,
    Attention,
    BatchNorm,
    ClsToken,
    Conv,
    ConvTranspose,
    FactorizedReduce,
    Function,
    Linear,
    NB201Basic,
    Pool,
    PosEmbed,
    ResNetBasic,
    SqueezeExcite,
    channel_shuffle,
    first_token,
    group_norm,
    instance_norm,
    layer_norm_channels,
    layer_norm_features,
    to_image,
    tokens,
    upsample,
)
from nasc.compiler.graph import IROp, Node
from nasc.compiler.ops import se_hidden
from nasc.compiler.shapes import Shape

Factory = Callable[[Node, tuple[Shape, ...], Initial], nn.Module]


def _sum(*xs: Tensor) -> Tensor:
    out = xs[0] + xs[1]
    for x in xs[2:]:
        out = out + x
    return out


def _cat_channels(*xs: Tensor) -> Tensor:
    return torch.cat(xs, dim=1)


def _cat_features(*xs: Tensor) -> Tensor:
    return torch.cat(xs, dim=-1)


def _mean_positions(x: Tensor) -> Tensor:
    return x.flatten(2).mean(-1)


def _mean_tokens(x: Tensor) -> Tensor:
    return x.mean(1)


def _flatten(x: Tensor) -> Tensor:
    return x.flatten(1)


class Zero(nn.Module):
    """All zeros of a fixed per-sample shape; reads the network input for batch and device."""

    def __init__(self, dims: tuple[int, ...]) -> None:
        super().__init__()
        self.dims = dims

    def forward(self, x: Tensor) -> Tensor:
        return x.new_zeros((x.shape[0], *self.dims))


def _function(name: str, fn: Callable[..., Tensor]) -> Factory:
    return lambda node, inputs, initial: Function(name, fn)


def _conv(node: Node, inputs: tuple[Shape, ...], initial: Initial) -> nn.Module:
    source = inputs[0]
    return Conv(
        source.features,
        node.shape.features,
        node.int_attr("kernel"),
        source.extent,
        node.int_attr("stride"),
        node.int_attr("groups"),
        node.int_attr("dilation"),
        node.attr("bias") is True,
        initial,
        str(node.attr("padding")),
    )


def _norm(node: Node, inputs: tuple[Shape, ...], initial: Initial) -> nn.Module:
    source, eps = inputs[0], node.float_attr("eps")
    if node.op is IROp.BATCHNORM:
        return BatchNorm(source.features, eps, node.float_attr("momentum"), initial)
    if node.op is IROp.INSTANCENORM:
        norm = partial(instance_norm, eps=eps)
    elif node.op is IROp.GROUPNORM:
        norm = partial(group_norm, groups=node.int_attr("groups"), eps=eps)
    elif node.attr("over") == "all":
        return Affine(source.dims, partial(layer_norm_features, eps=eps), initial)
    elif source.layout == "channels":
        norm = partial(layer_norm_channels, eps=eps)
    else:
        norm = partial(layer_norm_features, eps=eps)
    return Affine(source.features, norm, initial)


def _pool(node: Node, inputs: tuple[Shape, ...], initial: Initial) -> nn.Module:
    kind = "avg" if node.op is IROp.AVG_POOL else "max"
    return Pool(
        kind,
        node.int_attr("kernel"),
        node.int_attr("stride"),
        inputs[0].extent,
        str(node.attr("padding")),
    )


def _mlp(node: Node, inputs: tuple[Shape, ...], initial: Initial) -> nn.Module:
    width = inputs[0].features
    hidden = int(Fraction(str(node.attr("ratio"))) * width)
    return MLP(width, hidden, node.float_attr("dropout"), initial)


def _global_avg_pool(node: Node, inputs: tuple[Shape, ...], initial: Initial) -> nn.Module:
    if inputs[0].layout == "channels":
        return Function("global_avg_pool", _mean_positions)
    return Function("global_avg_pool", _mean_tokens)


def _concat(node: Node, inputs: tuple[Shape, ...], initial: Initial) -> nn.Module:
    if node.shape.layout == "channels":
        return Function("concat", _cat_channels)
    return Function("concat", _cat_features)


def _scalar(table: Mapping[str, tuple[Callable[..., Tensor], float]]) -> Factory:
    def make(node: Node, inputs: tuple[Shape, ...], initial: Initial) -> nn.Module:
        fn, value = table[node.op.value]
        return ew.LearnedScalar(node.op.value, _broadcast(fn, node, inputs), value)

    return make


def _binary(name: str, fn: Callable[..., Tensor]) -> Factory:
    return lambda node, inputs, initial: Function(name, _broadcast(fn, node, inputs))


def _broadcast(
    fn: Callable[..., Tensor], node: Node, inputs: tuple[Shape, ...]
) -> Callable[..., Tensor]:
    """``fn``, its vector inputs first lifted to the node's shape where they differ."""
    if all(shape == node.shape for shape in inputs):
        return fn
    return ew.broadcasting(fn, tuple(ew.lift_index(shape, node.shape) for shape in inputs))


TABLE: dict[IROp, Factory] = {
    IROp.ZERO: lambda node, inputs, initial: Zero(node.shape.dims),
    IROp.SUM: _function("sum", _sum),
    IROp.CONCAT: _concat,
    IROp.CONV: _conv,
    IROp.LINEAR: lambda node, inputs, initial: Linear(
        inputs[0].features, node.shape.features, node.attr("bias") is True, initial
    ),
    IROp.BATCHNORM: _norm,
    IROp.INSTANCENORM: _norm,
    IROp.LAYERNORM: _norm,
    IROp.GROUPNORM: _norm,
    IROp.AVG_POOL: _pool,
    IROp.MAX_POOL: _pool,
    IROp.GLOBAL_AVG_POOL: _global_avg_pool,
    IROp.FLATTEN: _function("flatten", _flatten),
    IROp.DROPOUT: lambda node, inputs, initial: nn.Dropout(node.float_attr("p")),
    IROp.RESNET_BASIC: lambda node, inputs, initial: ResNetBasic(
        inputs[0].features, node.shape.features, node.int_attr("stride"), inputs[0].extent, initial
    ),
    IROp.NB201_BASIC: lambda node, inputs, initial: NB201Basic(
        inputs[0].features, node.shape.features, node.int_attr("stride"), inputs[0].extent, initial
    ),
    IROp.ATTENTION: lambda node, inputs, initial: Attention(
        inputs[0].features, node.int_attr("heads"), node.float_attr("dropout")
    ),
    IROp.MLP: _mlp,
    IROp.RELU: _function("relu", F.relu),
    IROp.GELU: _function("gelu", F.gelu),
    IROp.SILU: _function("silu", F.silu),
    IROp.HARDSWISH: _function("hardswish", F.hardswish),
    IROp.MISH: _function("mish", F.mish),
    IROp.RELU6: _function("relu6", F.relu6),
    IROp.UPSAMPLE: lambda node, inputs, initial: Function(
        "upsample", partial(upsample, scale=node.int_attr("scale"))
    ),
    IROp.CONV_TRANSPOSE: lambda node, inputs, initial: ConvTranspose(
        inputs[0].features,
        node.shape.features,
        node.int_attr("kernel"),
        inputs[0].rank,
        node.int_attr("stride"),
        node.attr("bias") is True,
        initial,
    ),
    IROp.CHANNEL_SHUFFLE: lambda node, inputs, initial: Function(
        "channel_shuffle", partial(channel_shuffle, groups=node.int_attr("groups"))
    ),
    IROp.TOKENS: _function("tokens", tokens),
    IROp.TO_IMAGE: lambda node, inputs, initial: Function(
        "to_image", partial(to_image, extent=node.shape.extent)
    ),
    IROp.CLS_TOKEN: lambda node, inputs, initial: ClsToken(inputs[0].features, initial),
    IROp.POS_EMBED: lambda node, inputs, initial: PosEmbed(
        inputs[0].extent[0], inputs[0].features, initial
    ),
    IROp.CLS_POOL: _function("cls_pool", first_token),
    IROp.SQUEEZE_EXCITE: lambda node, inputs, initial: SqueezeExcite(
        inputs[0].features, se_hidden(inputs[0].features, node.attr("ratio")), initial
    ),
    IROp.FACTORIZED_REDUCE: lambda node, inputs, initial: FactorizedReduce(
        inputs[0].features, node.shape.features, inputs[0].extent, initial
    ),
}
TABLE.update({IROp(name): _function(name, fn) for name, fn in ew.UNARY.items()})
TABLE.update({IROp(name): _binary(name, fn) for name, fn in ew.BINARY.items()})
TABLE.update({IROp(name): _scalar(ew.SCALED_UNARY) for name in ew.SCALED_UNARY})
TABLE.update({IROp(name): _scalar(ew.SCALED_BINARY) for name in ew.SCALED_BINARY})

SHAREABLE = frozenset(
    {IROp.SUM, IROp.CONCAT, IROp.GLOBAL_AVG_POOL, IROp.FLATTEN, IROp.DROPOUT, IROp.ZERO}
    | {IROp.AVG_POOL, IROp.MAX_POOL, IROp.RELU, IROp.GELU, IROp.SILU, IROp.HARDSWISH, IROp.MISH}
    | {IROp.RELU6, IROp.UPSAMPLE, IROp.CHANNEL_SHUFFLE, IROp.TOKENS, IROp.TO_IMAGE, IROp.CLS_POOL}
    | {IROp(name) for name in (*ew.UNARY, *ew.BINARY)}
)
TORCH_RNG = frozenset({IROp.ATTENTION})
