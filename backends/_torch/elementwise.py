"""The elementwise operations of the activation-function space, as std.nas defines them.

Every function is finite for every finite input (logs and divisions are kept
away from zero, exponentials are clipped). Operations with a learned scalar
`b` hold it as a one-element parameter, one per use.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import partial
from typing import Any

import torch
from torch import Tensor, nn

from nasc.compiler.shapes import Shape

EPS = 1e-6
CLIP = 20.0

Unary = Callable[[Tensor], Tensor]
ScaledUnary = Callable[[Tensor, Tensor], Tensor]
Binary = Callable[[Tensor, Tensor], Tensor]
ScaledBinary = Callable[[Tensor, Tensor, Tensor], Tensor]


def _square(x: Tensor) -> Tensor:
    return x * x


def _cubic(x: Tensor) -> Tensor:
    return x * x * x


def _square_root(x: Tensor) -> Tensor:
    return torch.sqrt(torch.abs(x) + EPS)


def _log(x: Tensor) -> Tensor:
    return torch.log(torch.abs(x) + EPS)


def _exp(x: Tensor) -> Tensor:
    return torch.exp(torch.clamp(x, max=CLIP))


def _sinh(x: Tensor) -> Tensor:
    return torch.sinh(torch.clamp(x, -CLIP, CLIP))


def _cosh(x: Tensor) -> Tensor:
    return torch.cosh(torch.clamp(x, -CLIP, CLIP))


def _atanh(x: Tensor) -> Tensor:
    return torch.atanh(torch.clamp(x, -1 + EPS, 1 - EPS))


def _sinc(x: Tensor) -> Tensor:
    return torch.sinc(x / math.pi)  # torch.sinc is sin(pi x) / (pi x)


def _umax(x: Tensor) -> Tensor:
    return torch.clamp(x, min=0)


def _umin(x: Tensor) -> Tensor:
    return torch.clamp(x, max=0)


def _gaussian(x: Tensor) -> Tensor:
    return torch.exp(-x * x)


UNARY: dict[str, Unary] = {
    "neg": torch.neg,
    "abs": torch.abs,
    "square": _square,
    "cubic": _cubic,
    "square_root": _square_root,
    "log": _log,
    "exp": _exp,
    "sin": torch.sin,
    "cos": torch.cos,
    "sinh": _sinh,
    "cosh": _cosh,
    "tanh": torch.tanh,
    "asinh": torch.asinh,
    "atanh": _atanh,
    "sinc": _sinc,
    "umax": _umax,
    "umin": _umin,
    "sigmoid": torch.sigmoid,
    "logexp": nn.functional.softplus,
    "gaussian": _gaussian,
    "erf": torch.erf,
}


def _mconst(x: Tensor, b: Tensor) -> Tensor:
    return b * x


def _aconst(x: Tensor, b: Tensor) -> Tensor:
    return x + b


def _const(x: Tensor, b: Tensor) -> Tensor:
    return torch.zeros_like(x) + b


# op: (function, initial value of b)
SCALED_UNARY: dict[str, tuple[ScaledUnary, float]] = {
    "mconst": (_mconst, 1.0),
    "aconst": (_aconst, 0.0),
    "const": (_const, 0.0),
}


def _div(x1: Tensor, x2: Tensor) -> Tensor:
    return x1 / torch.where(x2 >= 0, x2 + EPS, x2 - EPS)


def _bsigmoid(x1: Tensor, x2: Tensor) -> Tensor:
    return torch.sigmoid(x1) * x2


BINARY: dict[str, Binary] = {
    "add": torch.add,
    "multi": torch.mul,
    "sub": torch.sub,
    "div": _div,
    "bmax": torch.maximum,
    "bmin": torch.minimum,
    "bsigmoid": _bsigmoid,
}


def _bgaussian_sq(x1: Tensor, x2: Tensor, b: Tensor) -> Tensor:
    diff = x1 - x2
    return torch.exp(-b * diff * diff)


def _bgaussian_abs(x1: Tensor, x2: Tensor, b: Tensor) -> Tensor:
    return torch.exp(-b * torch.abs(x1 - x2))


def _wavg(x1: Tensor, x2: Tensor, b: Tensor) -> Tensor:
    w = torch.sigmoid(b)
    return w * x1 + (1 - w) * x2


SCALED_BINARY: dict[str, tuple[ScaledBinary, float]] = {
    "bgaussian_sq": (_bgaussian_sq, 1.0),
    "bgaussian_abs": (_bgaussian_abs, 1.0),
    "wavg": (_wavg, 0.0),
}


class LearnedScalar(nn.Module):
    """A unary or binary function with one learned scalar `b`."""

    def __init__(self, name: str, fn: Callable[..., Tensor], initial: float) -> None:
        super().__init__()
        self.name = name
        self.fn = fn
        self.b = nn.Parameter(torch.full((), initial))

    def forward(self, *xs: Tensor) -> Tensor:
        return self.fn(*xs, self.b)

    def extra_repr(self) -> str:
        return self.name


def lift_index(source: Shape, target: Shape) -> tuple[Any, ...] | None:
    """How a binary operation's input of shape ``source`` is indexed to broadcast to
    ``target``: a vector [N, C] gets a 1 for every position of [N, C, ...] (or for the
    tokens of [N, L, C]); None when it is ``target`` already."""
    if source == target:
        return None
    if target.layout == "sequence":
        return (slice(None), None)
    return (Ellipsis, *(None,) * target.rank)


def broadcasting(
    fn: Callable[..., Tensor], lifts: tuple[tuple[Any, ...] | None, ...]
) -> Callable[..., Tensor]:
    """``fn`` on its first inputs lifted by `lift_index` (later ones, a learned scalar, as they are)."""
    return partial(_lifted, fn=fn, lifts=lifts)


def _lifted(
    *xs: Tensor, fn: Callable[..., Tensor], lifts: tuple[tuple[Any, ...] | None, ...]
) -> Tensor:
    lifted = [x if lift is None else x[lift] for x, lift in zip(xs, lifts, strict=False)]
    return fn(*lifted, *xs[len(lifts) :])
