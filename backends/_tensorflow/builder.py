"""Creates the Keras layers of one model and loads their weights as they are built.

Layers are named ``n<node>_<part>`` (``n12_conv``, ``n40_bn_a``), so the layers
of Graph node ``i`` can be found in the model. Weights arrive in nasc's neutral
layout and are rearranged for Keras: a kernel ``[out, in, *k]`` becomes
``[*k, in, out]``, a dense weight ``[out, in]`` becomes ``[in, out]``.
"""

from __future__ import annotations

from typing import Any, TypeVar

import keras
import numpy as np

from nasc.backends.weights import Array, WeightSet

L = TypeVar("L", bound=keras.layers.Layer)


def conv_kernel(weight: Array) -> Array:
    """[out, in / groups, *k] -> [*k, in / groups, out]."""
    rank = weight.ndim - 2
    return np.transpose(weight, (*range(2, rank + 2), 1, 0))


class KerasBuilder:
    """Layers of one model under construction, in float32 or float64."""

    def __init__(self, weights: WeightSet, dtype: str) -> None:
        self.weights = weights
        self.dtype = dtype
        self.layers: dict[str, keras.layers.Layer] = {}

    def layer(self, cls: type[L], node: int, part: str, **config: Any) -> L:
        """A new layer of node ``node``; ``part`` tells its role inside the node."""
        name = f"n{node}_{part}"
        layer: L = cls(name=name, dtype=self.dtype, **config)
        self.layers[name] = layer
        return layer

    def array(self, node: int, name: str) -> Array:
        return self.weights[node, name]

    def load(self, layer: keras.layers.Layer, arrays: list[Array]) -> None:
        """Set a built layer's weights, in its own order, from neutral arrays."""
        layer.set_weights([np.asarray(a, dtype=self.dtype) for a in arrays])

    def conv_weights(self, node: int, prefix: str, bias: bool) -> list[Array]:
        arrays = [conv_kernel(self.array(node, prefix + "weight"))]
        return [*arrays, self.array(node, prefix + "bias")] if bias else arrays

    def dense_weights(self, node: int, prefix: str, bias: bool = True) -> list[Array]:
        arrays = [self.array(node, prefix + "weight").T]
        return [*arrays, self.array(node, prefix + "bias")] if bias else arrays

    def norm_weights(self, node: int, prefix: str, stats: bool) -> list[Array]:
        names = ("weight", "bias", "running_mean", "running_var") if stats else ("weight", "bias")
        return [self.array(node, prefix + name) for name in names]
