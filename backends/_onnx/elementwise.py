"""The elementwise operations of std.nas as ONNX subgraphs.

Each keeps the std.nas definition exactly: logs and divisions kept away from
zero by 1e-6, exponentials and hyperbolic functions clipped at 20, and learned
scalars ``b`` as one-element initialisers.
"""

from __future__ import annotations

from collections.abc import Callable

from nasc.backends._onnx.builder import OnnxBuilder

EPS = 1e-6
CLIP = 20.0

Unary = Callable[[OnnxBuilder, str], str]
Binary = Callable[[OnnxBuilder, str, str], str]
ScaledUnary = Callable[[OnnxBuilder, str, str], str]
ScaledBinary = Callable[[OnnxBuilder, str, str, str], str]


def _direct(op_type: str) -> Unary:
    return lambda b, x: b.op(op_type, [x])


def _clipped(op_type: str, low: float, high: float) -> Unary:
    return lambda b, x: b.op(op_type, [b.op("Clip", [x, b.const(low), b.const(high)])])


def _square(b: OnnxBuilder, x: str) -> str:
    return b.op("Mul", [x, x])


def _cubic(b: OnnxBuilder, x: str) -> str:
    return b.op("Mul", [b.op("Mul", [x, x]), x])


def _abs_eps(op_type: str) -> Unary:
    return lambda b, x: b.op(op_type, [b.op("Add", [b.op("Abs", [x]), b.const(EPS)])])


def _exp(b: OnnxBuilder, x: str) -> str:
    return b.op("Exp", [b.op("Min", [x, b.const(CLIP)])])


def _sinc(b: OnnxBuilder, x: str) -> str:
    at_zero = b.op("Equal", [x, b.const(0.0)])
    safe = b.op("Where", [at_zero, b.const(1.0), x])
    return b.op("Where", [at_zero, b.const(1.0), b.op("Div", [b.op("Sin", [x]), safe])])


def _gaussian(b: OnnxBuilder, x: str) -> str:
    return b.op("Exp", [b.op("Neg", [b.op("Mul", [x, x])])])


UNARY: dict[str, Unary] = {
    "neg": _direct("Neg"),
    "abs": _direct("Abs"),
    "square": _square,
    "cubic": _cubic,
    "square_root": _abs_eps("Sqrt"),
    "log": _abs_eps("Log"),
    "exp": _exp,
    "sin": _direct("Sin"),
    "cos": _direct("Cos"),
    "sinh": _clipped("Sinh", -CLIP, CLIP),
    "cosh": _clipped("Cosh", -CLIP, CLIP),
    "tanh": _direct("Tanh"),
    "asinh": _direct("Asinh"),
    "atanh": _clipped("Atanh", -1 + EPS, 1 - EPS),
    "sinc": _sinc,
    "umax": lambda b, x: b.op("Max", [x, b.const(0.0)]),
    "umin": lambda b, x: b.op("Min", [x, b.const(0.0)]),
    "sigmoid": _direct("Sigmoid"),
    "logexp": _direct("Softplus"),
    "gaussian": _gaussian,
    "erf": _direct("Erf"),
    # activations
    "relu": _direct("Relu"),
    "gelu": lambda b, x: b.op("Gelu", [x], approximate="none"),
    "silu": lambda b, x: b.op("Mul", [x, b.op("Sigmoid", [x])]),
    "hardswish": _direct("HardSwish"),
    "mish": _direct("Mish"),
}

SCALED_UNARY: dict[str, ScaledUnary] = {
    "mconst": lambda b, x, s: b.op("Mul", [s, x]),
    "aconst": lambda b, x, s: b.op("Add", [x, s]),
    "const": lambda b, x, s: b.op("Expand", [s, b.op("Shape", [x])]),
}


def _div(b: OnnxBuilder, x1: str, x2: str) -> str:
    positive = b.op("GreaterOrEqual", [x2, b.const(0.0)])
    eps = b.const(EPS)
    away = b.op("Where", [positive, b.op("Add", [x2, eps]), b.op("Sub", [x2, eps])])
    return b.op("Div", [x1, away])


BINARY: dict[str, Binary] = {
    "add": lambda b, x1, x2: b.op("Add", [x1, x2]),
    "multi": lambda b, x1, x2: b.op("Mul", [x1, x2]),
    "sub": lambda b, x1, x2: b.op("Sub", [x1, x2]),
    "div": _div,
    "bmax": lambda b, x1, x2: b.op("Max", [x1, x2]),
    "bmin": lambda b, x1, x2: b.op("Min", [x1, x2]),
    "bsigmoid": lambda b, x1, x2: b.op("Mul", [b.op("Sigmoid", [x1]), x2]),
}


def _bgaussian_sq(b: OnnxBuilder, x1: str, x2: str, s: str) -> str:
    diff = b.op("Sub", [x1, x2])
    return b.op("Exp", [b.op("Mul", [b.op("Mul", [b.op("Neg", [s]), diff]), diff])])


def _bgaussian_abs(b: OnnxBuilder, x1: str, x2: str, s: str) -> str:
    diff = b.op("Abs", [b.op("Sub", [x1, x2])])
    return b.op("Exp", [b.op("Mul", [b.op("Neg", [s]), diff])])


def _wavg(b: OnnxBuilder, x1: str, x2: str, s: str) -> str:
    w = b.op("Sigmoid", [s])
    rest = b.op("Sub", [b.const(1.0), w])
    return b.op("Add", [b.op("Mul", [w, x1]), b.op("Mul", [rest, x2])])


SCALED_BINARY: dict[str, ScaledBinary] = {
    "bgaussian_sq": _bgaussian_sq,
    "bgaussian_abs": _bgaussian_abs,
    "wavg": _wavg,
}
