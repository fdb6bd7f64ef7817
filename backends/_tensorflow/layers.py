"""The elementwise operations of std.nas in `keras.ops`, and the Keras layers nasc
adds: `Scaled`, an operation with a learned scalar, and `ClsToken` and `PosEmbed`,
learned tensors joined to a sequence.

Models apply the functions of `UNARY` and `BINARY` to their tensors directly, so
those ops are saved in the model's graph and a `.keras` file of them loads with
Keras alone. Only the ops of `NEEDS_NASC` (learned scalars and tokens, which Keras
has no layer for) make a `.keras` file that needs ``import nasc.backends._tensorflow``
before ``keras.saving.load_model``; a SavedModel never needs nasc. `Elementwise`,
`Zeros` and `Subsample` are no longer emitted; they stay registered so that
`.keras` files written by earlier versions still load. The functions follow
std.nas exactly: logs and divisions kept 1e-6 away from zero, exponentials and
hyperbolic functions clipped at 20.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import keras
from keras import ops

EPS = 1e-6
CLIP = 20.0

Fn = Callable[..., Any]


def _sinc(x: Any) -> Any:
    at_zero = ops.equal(x, 0.0)
    safe = ops.where(at_zero, ops.ones_like(x), x)
    return ops.where(at_zero, ops.ones_like(x), ops.sin(x) / safe)


def _div(x1: Any, x2: Any) -> Any:
    return x1 / ops.where(ops.greater_equal(x2, 0.0), x2 + EPS, x2 - EPS)


UNARY: dict[str, Fn] = {
    "neg": ops.negative,
    "abs": ops.abs,
    "square": lambda x: x * x,
    "cubic": lambda x: x * x * x,
    "square_root": lambda x: ops.sqrt(ops.abs(x) + EPS),
    "log": lambda x: ops.log(ops.abs(x) + EPS),
    "exp": lambda x: ops.exp(ops.minimum(x, CLIP)),
    "sin": ops.sin,
    "cos": ops.cos,
    "sinh": lambda x: ops.sinh(ops.clip(x, -CLIP, CLIP)),
    "cosh": lambda x: ops.cosh(ops.clip(x, -CLIP, CLIP)),
    "tanh": ops.tanh,
    "asinh": ops.arcsinh,
    "atanh": lambda x: ops.arctanh(ops.clip(x, -1 + EPS, 1 - EPS)),
    "sinc": _sinc,
    "umax": lambda x: ops.maximum(x, 0.0),
    "umin": lambda x: ops.minimum(x, 0.0),
    "sigmoid": ops.sigmoid,
    "logexp": ops.softplus,
    "gaussian": lambda x: ops.exp(-x * x),
    "erf": ops.erf,
    # activations
    "relu": ops.relu,
    "gelu": lambda x: ops.gelu(x, approximate=False),
    "silu": ops.silu,
    "hardswish": ops.hard_swish,
    "mish": lambda x: x * ops.tanh(ops.softplus(x)),
    "relu6": ops.relu6,
}

BINARY: dict[str, Fn] = {
    "add": ops.add,
    "multi": ops.multiply,
    "sub": ops.subtract,
    "div": _div,
    "bmax": ops.maximum,
    "bmin": ops.minimum,
    "bsigmoid": lambda x1, x2: ops.sigmoid(x1) * x2,
}

SCALED: dict[str, Fn] = {
    "mconst": lambda x, b: b * x,
    "aconst": lambda x, b: x + b,
    "const": lambda x, b: ops.zeros_like(x) + b,
    "bgaussian_sq": lambda x1, x2, b: ops.exp(-b * (x1 - x2) * (x1 - x2)),
    "bgaussian_abs": lambda x1, x2, b: ops.exp(-b * ops.abs(x1 - x2)),
    "wavg": lambda x1, x2, b: ops.sigmoid(b) * x1 + (1 - ops.sigmoid(b)) * x2,
}


NEEDS_NASC = (*SCALED, "cls_token", "pos_embed")
"""The ops whose Keras layer is nasc's own (`Scaled`, `ClsToken`, `PosEmbed`): a
`.keras` file holding one of them loads only after ``import nasc.backends._tensorflow``."""


@keras.saving.register_keras_serializable(package="nasc")
class Elementwise(keras.layers.Layer):
    """A parameter-free unary or binary operation of std.nas, by name."""

    def __init__(self, function: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.function = function
        self._fn = UNARY.get(function) or BINARY[function]

    def call(self, inputs: Any) -> Any:
        if self.function in BINARY:
            return self._fn(inputs[0], inputs[1])
        return self._fn(inputs)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "function": self.function}


@keras.saving.register_keras_serializable(package="nasc")
class Scaled(keras.layers.Layer):
    """A unary or binary operation with one learned scalar ``b``."""

    def __init__(self, function: str, initial: float = 0.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.function, self.initial = function, initial
        self.b = self.add_weight(
            shape=(), initializer=keras.initializers.Constant(initial), name="b"
        )

    def call(self, inputs: Any) -> Any:
        fn = SCALED[self.function]
        if isinstance(inputs, list | tuple):
            return fn(inputs[0], inputs[1], self.b)
        return fn(inputs, self.b)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "function": self.function, "initial": self.initial}


@keras.saving.register_keras_serializable(package="nasc")
class Zeros(keras.layers.Layer):
    """Zeros of a fixed per-sample shape; reads its input only for the batch size."""

    def __init__(self, dims: tuple[int, ...] | list[int], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.dims = tuple(dims)

    def call(self, inputs: Any) -> Any:
        return ops.zeros((ops.shape(inputs)[0], *self.dims), dtype=self.compute_dtype)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "dims": list(self.dims)}


@keras.saving.register_keras_serializable(package="nasc")
class Subsample(keras.layers.Layer):
    """Every ``stride``-th position of a channels-last tensor, ``size`` positions per
    spatial dimension: strides for a dilated convolution, which Keras cannot stride."""

    def __init__(self, stride: int, size: tuple[int, ...] | list[int], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.stride, self.size = stride, tuple(size)

    def call(self, inputs: Any) -> Any:
        steps = tuple(slice(0, n * self.stride, self.stride) for n in self.size)
        return inputs[(slice(None), *steps, slice(None))]

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "stride": self.stride, "size": list(self.size)}


@keras.saving.register_keras_serializable(package="nasc")
class ClsToken(keras.layers.Layer):
    """Prepends a learned token ``token`` [D] to a sequence [N, L, D]."""

    def __init__(self, width: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.width = width
        self.token = self.add_weight(shape=(width,), initializer="zeros", name="token")

    def call(self, inputs: Any) -> Any:
        token = ops.broadcast_to(
            ops.reshape(self.token, (1, 1, self.width)), (ops.shape(inputs)[0], 1, self.width)
        )
        return ops.concatenate([ops.cast(token, inputs.dtype), inputs], axis=1)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "width": self.width}


@keras.saving.register_keras_serializable(package="nasc")
class PosEmbed(keras.layers.Layer):
    """Adds a learned embedding [L, D] to a sequence [N, L, D]."""

    def __init__(self, length: int, width: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.length, self.width = length, width
        self.embedding = self.add_weight(
            shape=(length, width), initializer="zeros", name="embedding"
        )

    def call(self, inputs: Any) -> Any:
        return inputs + self.embedding

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "length": self.length, "width": self.width}
