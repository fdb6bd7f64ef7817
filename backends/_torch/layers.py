"""Layers of the op table as small torch modules, built fast and initialised like torch's.

Convolutions and pools pad as `nasc.compiler.ops.padding` says: PyTorch's
symmetric padding by default, TensorFlow-style `same` (the odd pad at the end,
applied with an explicit pad) when asked. Layers with tensors take an `Initial`
that makes them once the whole model exists; a layer built on its own makes
its own, seeded from torch's global generator. Weights are drawn as torch's
defaults draw them (uniform in ±1/sqrt(fan_in)).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from functools import cache

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from nasc.backends._torch.initial import Initial
from nasc.backends._torch.module_state import attach, init_module, register_buffer
from nasc.compiler.ops import padding as padding_of

_CONV = (F.conv1d, F.conv2d, F.conv3d)
_AVG = (F.avg_pool1d, F.avg_pool2d, F.avg_pool3d)
_MAX = (F.max_pool1d, F.max_pool2d, F.max_pool3d)


@cache
def _pads(
    extent: tuple[int, ...], kernel: int, stride: int, dilation: int = 1, mode: str = "symmetric"
) -> tuple[tuple[int, ...], tuple[int, ...] | None]:
    """Symmetric padding per dimension, or None and the explicit F.pad list (last dim first)."""
    pads = [padding_of(n, kernel, stride, dilation, mode) for n in extent]
    if all(before == after for before, after in pads):
        return tuple(before for before, _ in pads), None
    explicit = tuple(p for before_after in reversed(pads) for p in before_after)
    return (0,) * len(extent), explicit


class Conv(nn.Module):
    """Convolution over 1-3 spatial dimensions, padded as ``padding`` says; no bias by default."""

    def __init__(
        self,
        c_in: int,
        c_out: int,
        kernel: int,
        extent: Sequence[int],
        stride: int = 1,
        groups: int = 1,
        dilation: int = 1,
        bias: bool = False,
        initial: Initial | None = None,
        padding_mode: str = "symmetric",
    ) -> None:
        init_module(self)
        rank = len(extent)
        fan_in = (c_in // groups) * kernel**rank
        padding, pre_pad = _pads(tuple(extent), kernel, stride, dilation, padding_mode)
        making = initial or Initial.standalone()
        params = self._parameters
        making.uniform(params, "weight", (c_out, c_in // groups, *(kernel,) * rank), fan_in)
        if bias:
            making.uniform(params, "bias", (c_out,), fan_in)
        else:
            params["bias"] = None
        if initial is None:
            making.finish()
        attach(
            self,
            stride=stride,
            groups=groups,
            dilation=dilation,
            padding=padding,
            pre_pad=pre_pad,
            conv=_CONV[rank - 1],
        )

    weight: nn.Parameter
    bias: nn.Parameter | None
    stride: int
    groups: int
    dilation: int
    padding: tuple[int, ...]
    pre_pad: tuple[int, ...] | None
    conv: Callable[..., Tensor]

    def forward(self, x: Tensor) -> Tensor:
        if self.pre_pad is not None:
            x = F.pad(x, self.pre_pad)
        return self.conv(
            x, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups
        )


class BatchNorm(nn.Module):
    """Batch normalisation over dimension 1 of [N, C, ...] or [N, D]."""

    def __init__(
        self,
        channels: int,
        eps: float = 1e-5,
        momentum: float = 0.1,
        initial: Initial | None = None,
    ) -> None:
        init_module(self)
        making = initial or Initial.standalone()
        _scale_and_shift(self, channels, making)
        buffers, shape = self._buffers, (channels,)
        making.constant(buffers, "running_mean", shape, 0.0, trainable=False)
        making.constant(buffers, "running_var", shape, 1.0, trainable=False)
        if initial is None:
            making.finish()
        attach(self, eps=eps, momentum=momentum)

    weight: nn.Parameter
    bias: nn.Parameter
    running_mean: Tensor
    running_var: Tensor
    eps: float
    momentum: float

    def forward(self, x: Tensor) -> Tensor:
        return F.batch_norm(
            x,
            self.running_mean,
            self.running_var,
            self.weight,
            self.bias,
            self.training,
            self.momentum,
            self.eps,
        )


class Affine(nn.Module):
    """A normalisation with a learned per-channel scale and shift: instance, group or layer."""

    def __init__(
        self,
        channels: int | tuple[int, ...],
        norm: Callable[[Tensor, Tensor, Tensor], Tensor],
        initial: Initial | None = None,
    ) -> None:
        init_module(self)
        making = initial or Initial.standalone()
        _scale_and_shift(self, channels, making)
        if initial is None:
            making.finish()
        attach(self, norm=norm)

    weight: nn.Parameter
    bias: nn.Parameter
    norm: Callable[[Tensor, Tensor, Tensor], Tensor]

    def forward(self, x: Tensor) -> Tensor:
        return self.norm(x, self.weight, self.bias)


def _scale_and_shift(module: nn.Module, channels: int | tuple[int, ...], initial: Initial) -> None:
    """A normalisation's learned ``weight`` (ones) and ``bias`` (zeros): one per channel, or
    of the shape given."""
    shape = (channels,) if isinstance(channels, int) else channels
    initial.constant(module._parameters, "weight", shape, 1.0)
    initial.constant(module._parameters, "bias", shape, 0.0)


def instance_norm(x: Tensor, weight: Tensor, bias: Tensor, *, eps: float) -> Tensor:
    return F.instance_norm(x, weight=weight, bias=bias, eps=eps)


def group_norm(x: Tensor, weight: Tensor, bias: Tensor, *, groups: int, eps: float) -> Tensor:
    return F.group_norm(x, groups, weight, bias, eps)


def layer_norm_features(x: Tensor, weight: Tensor, bias: Tensor, *, eps: float) -> Tensor:
    """Layer norm over the last dimensions, as many as the weight has: the features of
    sequences and vectors, or every dimension of a sample (``over="all"``)."""
    return F.layer_norm(x, weight.shape, weight, bias, eps)


def layer_norm_channels(x: Tensor, weight: Tensor, bias: Tensor, *, eps: float) -> Tensor:
    """Layer norm over the channels at every position of [N, C, ...].

    Torch's fused kernel on a channels-last view; the result keeps that memory
    layout, which the convolutions that follow take at least as fast.
    """
    return F.layer_norm(x.movedim(1, -1), weight.shape, weight, bias, eps).movedim(-1, 1)


class Pool(nn.Module):
    """Average (padded positions not counted) or max pooling, padded as ``padding_mode`` says."""

    def __init__(
        self,
        kind: str,
        kernel: int,
        stride: int,
        extent: Sequence[int],
        padding_mode: str = "symmetric",
    ) -> None:
        init_module(self)
        rank = len(extent)
        padding, pre_pad = _pads(tuple(extent), kernel, stride, 1, padding_mode)
        if any(2 * p > kernel for p in padding):  # beyond what torch's pools can pad
            padding, pre_pad = (0,) * rank, _pads_explicit(extent, kernel, stride, padding_mode)
        pool = (_AVG if kind == "avg" else _MAX)[rank - 1]
        if kind == "avg" and pre_pad is not None:
            # torch counts explicit padding: divide by the count of real positions instead
            counted = pool(F.pad(torch.ones(1, 1, *extent), pre_pad), kernel, stride, 0)
            register_buffer(self, "divisor", 1 / counted, persistent=False)
        attach(
            self,
            kind=kind,
            kernel=kernel,
            stride=stride,
            padding=padding,
            pre_pad=pre_pad,
            pool=pool,
        )

    kind: str
    kernel: int
    stride: int
    padding: tuple[int, ...]
    pre_pad: tuple[int, ...] | None
    pool: Callable[..., Tensor]

    def forward(self, x: Tensor) -> Tensor:
        if self.kind == "max":
            if self.pre_pad is not None:
                x = F.pad(x, self.pre_pad, value=-math.inf)
            return self.pool(x, self.kernel, self.stride, self.padding)
        if self.pre_pad is None:
            return self.pool(x, self.kernel, self.stride, self.padding, False, False)
        divisor: Tensor = self._buffers["divisor"]  # type: ignore[assignment]
        return self.pool(F.pad(x, self.pre_pad), self.kernel, self.stride, 0) * divisor

    def extra_repr(self) -> str:
        return f"{self.kind}, kernel={self.kernel}, stride={self.stride}"


def _pads_explicit(extent: Sequence[int], kernel: int, stride: int, mode: str) -> tuple[int, ...]:
    pads = [padding_of(n, kernel, stride, 1, mode) for n in extent]
    return tuple(p for before_after in reversed(pads) for p in before_after)


class ResNetBasic(nn.Module):
    """conv3x3(stride)-bn-relu-conv3x3-bn plus a shortcut (1x1 conv + bn if needed), relu."""

    def __init__(
        self,
        c_in: int,
        c_out: int,
        stride: int,
        extent: Sequence[int],
        initial: Initial | None = None,
    ) -> None:
        init_module(self)
        making = initial or Initial.standalone()
        inner = [(n - 1) // stride + 1 for n in extent]
        modules = self._modules
        modules["conv_a"] = Conv(c_in, c_out, 3, extent, stride, initial=making)
        modules["bn_a"] = BatchNorm(c_out, initial=making)
        modules["conv_b"] = Conv(c_out, c_out, 3, inner, initial=making)
        modules["bn_b"] = BatchNorm(c_out, initial=making)
        modules["shortcut"] = None
        if stride != 1 or c_in != c_out:
            modules["shortcut"] = _sequential(
                Conv(c_in, c_out, 1, extent, stride, initial=making),
                BatchNorm(c_out, initial=making),
            )
        if initial is None:
            making.finish()

    conv_a: Conv
    bn_a: BatchNorm
    conv_b: Conv
    bn_b: BatchNorm
    shortcut: nn.Sequential | None

    def forward(self, x: Tensor) -> Tensor:
        y = self.bn_b(self.conv_b(F.relu(self.bn_a(self.conv_a(x)))))
        skip = x if self.shortcut is None else self.shortcut(x)
        return F.relu(y + skip)


class NB201Basic(nn.Module):
    """NAS-Bench-201's residual block: relu-conv3x3(stride)-bn, relu-conv3x3-bn, plus a
    shortcut (stride 2: 2x2 average pool then a 1x1 conv; new channels: relu-conv1x1-bn);
    no final relu. Padding is PyTorch's (``padding=1``)."""

    def __init__(
        self,
        c_in: int,
        c_out: int,
        stride: int,
        extent: Sequence[int],
        initial: Initial | None = None,
    ) -> None:
        init_module(self)
        making = initial or Initial.standalone()
        inner = [n // stride for n in extent]
        modules = self._modules
        modules["conv_a"] = Conv(c_in, c_out, 3, extent, stride, initial=making)
        modules["bn_a"] = BatchNorm(c_out, initial=making)
        modules["conv_b"] = Conv(c_out, c_out, 3, inner, initial=making)
        modules["bn_b"] = BatchNorm(c_out, initial=making)
        modules["shortcut"] = None
        if stride != 1:  # the pool is applied in `forward`; the conv is `shortcut.0`
            modules["shortcut"] = _sequential(Conv(c_in, c_out, 1, inner, initial=making))
        elif c_in != c_out:
            modules["shortcut"] = _sequential(
                Conv(c_in, c_out, 1, extent, initial=making), BatchNorm(c_out, initial=making)
            )
        if initial is None:
            making.finish()
        attach(self, stride=stride, pool=_AVG[len(extent) - 1])

    conv_a: Conv
    bn_a: BatchNorm
    conv_b: Conv
    bn_b: BatchNorm
    shortcut: nn.Sequential | None
    stride: int
    pool: Callable[..., Tensor]

    def forward(self, x: Tensor) -> Tensor:
        y: Tensor = self.bn_b(self.conv_b(F.relu(self.bn_a(self.conv_a(F.relu(x))))))
        if self.shortcut is None:
            return y + x
        skip: Tensor = self.shortcut(self.pool(x, 2, 2) if self.stride != 1 else F.relu(x))
        return y + skip


def _sequential(*layers: nn.Module) -> nn.Sequential:
    """``nn.Sequential(*layers)`` without `nn.Module`'s per-attribute bookkeeping."""
    sequence: nn.Sequential = object.__new__(nn.Sequential)
    init_module(sequence)
    sequence._modules.update(zip(map(str, range(len(layers))), layers, strict=True))
    return sequence


class Attention(nn.Module):
    """Multi-head self-attention over [N, L, D] with output projection."""

    def __init__(self, width: int, heads: int, dropout: float) -> None:
        super().__init__()
        self.attention = nn.MultiheadAttention(width, heads, dropout=dropout, batch_first=True)

    def forward(self, x: Tensor) -> Tensor:
        out: Tensor = self.attention(x, x, x, need_weights=False)[0]
        return out


class MLP(nn.Module):
    """Linear D -> hidden, GELU, dropout, linear back to D, dropout."""

    def __init__(
        self, width: int, hidden: int, dropout: float, initial: Initial | None = None
    ) -> None:
        super().__init__()
        making = initial or Initial.standalone()
        self.up = Linear(width, hidden, bias=True, initial=making)
        self.down = Linear(hidden, width, bias=True, initial=making)
        self.dropout = nn.Dropout(dropout)
        if initial is None:
            making.finish()

    def forward(self, x: Tensor) -> Tensor:
        out: Tensor = self.dropout(self.down(self.dropout(F.gelu(self.up(x)))))
        return out


class Linear(nn.Module):
    """Fully connected layer on the last dimension."""

    def __init__(self, d_in: int, d_out: int, bias: bool, initial: Initial | None = None) -> None:
        init_module(self)
        making = initial or Initial.standalone()
        making.uniform(self._parameters, "weight", (d_out, d_in), d_in)
        if bias:
            making.uniform(self._parameters, "bias", (d_out,), d_in)
        else:
            self._parameters["bias"] = None
        if initial is None:
            making.finish()

    weight: nn.Parameter
    bias: nn.Parameter | None

    def forward(self, x: Tensor) -> Tensor:
        return F.linear(x, self.weight, self.bias)


class Function(nn.Module):
    """A parameter-free operation given as a function (activations, pooling, merges)."""

    def __init__(self, name: str, fn: Callable[..., Tensor]) -> None:
        init_module(self)
        attach(self, name=name, fn=fn)

    name: str
    fn: Callable[..., Tensor]

    def forward(self, *xs: Tensor) -> Tensor:
        return self.fn(*xs)

    def extra_repr(self) -> str:
        return self.name


_CONV_T = (F.conv_transpose1d, F.conv_transpose2d, F.conv_transpose3d)


class ConvTranspose(nn.Module):
    """Transposed convolution: sizes times ``stride``, padding (kernel - stride) / 2."""

    def __init__(
        self,
        c_in: int,
        c_out: int,
        kernel: int,
        rank: int,
        stride: int,
        bias: bool,
        initial: Initial | None = None,
    ) -> None:
        init_module(self)
        fan_in = c_out * kernel**rank  # what torch's ConvTranspose draws with
        making = initial or Initial.standalone()
        params = self._parameters
        making.uniform(params, "weight", (c_in, c_out, *(kernel,) * rank), fan_in)
        if bias:
            making.uniform(params, "bias", (c_out,), fan_in)
        else:
            params["bias"] = None
        if initial is None:
            making.finish()
        attach(self, stride=stride, padding=(kernel - stride) // 2, conv=_CONV_T[rank - 1])

    weight: nn.Parameter
    bias: nn.Parameter | None
    stride: int
    padding: int
    conv: Callable[..., Tensor]

    def forward(self, x: Tensor) -> Tensor:
        return self.conv(x, self.weight, self.bias, self.stride, self.padding)


class ClsToken(nn.Module):
    """Prepends a learned token to a sequence [N, L, D]."""

    def __init__(self, width: int, initial: Initial | None = None) -> None:
        init_module(self)
        making = initial or Initial.standalone()
        making.constant(self._parameters, "token", (width,), 0.0)
        if initial is None:
            making.finish()

    token: nn.Parameter

    def forward(self, x: Tensor) -> Tensor:
        return torch.cat([self.token.expand(x.shape[0], 1, -1), x], dim=1)


class PosEmbed(nn.Module):
    """Adds a learned embedding [L, D] to a sequence [N, L, D]."""

    def __init__(self, length: int, width: int, initial: Initial | None = None) -> None:
        init_module(self)
        making = initial or Initial.standalone()
        making.uniform(self._parameters, "embedding", (length, width), width)
        if initial is None:
            making.finish()

    embedding: nn.Parameter

    def forward(self, x: Tensor) -> Tensor:
        return x + self.embedding


def upsample(x: Tensor, *, scale: int) -> Tensor:
    """Nearest-neighbour upsampling of [N, C, ...] by an integer factor."""
    for axis in range(2, x.dim()):
        x = x.repeat_interleave(scale, dim=axis)
    return x


def channel_shuffle(x: Tensor, *, groups: int) -> Tensor:
    n, c = x.shape[0], x.shape[1]
    rest = x.shape[2:]
    return x.reshape(n, groups, c // groups, *rest).transpose(1, 2).reshape(n, c, *rest)


def tokens(x: Tensor) -> Tensor:
    """[N, C, ...] -> [N, positions, C]."""
    return x.flatten(2).transpose(1, 2)


def to_image(x: Tensor, *, extent: tuple[int, ...]) -> Tensor:
    """[N, L, D] -> [N, D, *extent]."""
    return x.transpose(1, 2).reshape(x.shape[0], x.shape[2], *extent)


def first_token(x: Tensor) -> Tensor:
    return x[:, 0]


class SqueezeExcite(nn.Module):
    """x * sigmoid(up(relu(down(mean over positions of x)))) on [N, C, ...]."""

    def __init__(self, width: int, hidden: int, initial: Initial | None = None) -> None:
        super().__init__()
        making = initial or Initial.standalone()
        self.down = Linear(width, hidden, bias=True, initial=making)
        self.up = Linear(hidden, width, bias=True, initial=making)
        if initial is None:
            making.finish()

    def forward(self, x: Tensor) -> Tensor:
        gate = torch.sigmoid(self.up(F.relu(self.down(x.flatten(2).mean(-1)))))
        return x * gate.reshape(*gate.shape, *(1,) * (x.dim() - 2))


class FactorizedReduce(nn.Module):
    """DARTS's FactorizedReduce on [N, C, ...] of even sizes: relu, two 1x1 stride-2
    convolutions to half the channels each, the second on the input shifted by one
    position, concatenated along the channels, then batch norm."""

    def __init__(
        self, c_in: int, c_out: int, extent: Sequence[int], initial: Initial | None = None
    ) -> None:
        init_module(self)
        making = initial or Initial.standalone()
        shifted = [n - 1 for n in extent]
        modules = self._modules
        modules["conv_1"] = Conv(c_in, c_out // 2, 1, extent, 2, initial=making)
        modules["conv_2"] = Conv(c_in, c_out // 2, 1, shifted, 2, initial=making)
        modules["bn"] = BatchNorm(c_out, initial=making)
        if initial is None:
            making.finish()
        attach(self, shift=(slice(None), slice(None), *(slice(1, None),) * len(extent)))

    conv_1: Conv
    conv_2: Conv
    bn: BatchNorm
    shift: tuple[slice, ...]

    def forward(self, x: Tensor) -> Tensor:
        x = F.relu(x)
        out: Tensor = self.bn(torch.cat([self.conv_1(x), self.conv_2(x[self.shift])], dim=1))
        return out
