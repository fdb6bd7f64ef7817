"""Creates the Keras layers of one model and loads their weights as they are built.

Layers are named ``n<node>_<part>`` (``n12_conv``, ``n40_bn_a``), so the layers
of Graph node ``i`` can be found in the model. Weights arrive in nasc's neutral
layout and are rearranged for Keras: a kernel ``[out, in, *k]`` becomes
``[*k, in, out]``, a dense weight ``[out, in]`` becomes ``[in, out]``. Each layer
loaded remembers how its weights read back into the neutral layout, so the
weights of a trained Keras model can be carried into the other backends.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import keras
import numpy as np

from nasc.backends.weights import Array, WeightSet

L = TypeVar("L", bound=keras.layers.Layer)

# a layer's weights, in its own order -> the node's neutral arrays by name
Reader = Callable[[list[Array]], dict[str, Array]]
# how a neutral array becomes a Keras weight, and back
Layout = tuple[Callable[[Array], Array], Callable[[Array], Array]]


def conv_kernel(weight: Array) -> Array:
    """[out, in / groups, *k] -> [*k, in / groups, out]."""
    rank = weight.ndim - 2
    return np.transpose(weight, (*range(2, rank + 2), 1, 0))


def neutral_kernel(kernel: Array) -> Array:
    """[*k, in / groups, out] -> [out, in / groups, *k]: `conv_kernel` undone."""
    rank = kernel.ndim - 2
    return np.transpose(kernel, (rank + 1, rank, *range(rank)))


def _same(array: Array) -> Array:
    return array


AS_IS: Layout = (_same, _same)
KERNEL: Layout = (conv_kernel, neutral_kernel)
DENSE: Layout = (np.transpose, np.transpose)


class KerasBuilder:
    """Layers of one model under construction, in float32 or float64."""

    def __init__(self, weights: WeightSet, dtype: str) -> None:
        self.weights = weights
        self.dtype = dtype
        self.layers: dict[str, keras.layers.Layer] = {}
        # layer name -> its node, and how its weights read back
        self.readers: dict[str, tuple[int, Reader]] = {}

    def layer(self, cls: type[L], node: int, part: str, **config: Any) -> L:
        """A new layer of node ``node``; ``part`` tells its role inside the node."""
        name = f"n{node}_{part}"
        layer: L = cls(name=name, dtype=self.dtype, **config)
        self.layers[name] = layer
        return layer

    def array(self, node: int, name: str) -> Array:
        return self.weights[node, name]

    def load(self, layer: keras.layers.Layer, node: int, arrays: list[Array], read: Reader) -> None:
        """Set a built layer's weights, in its own order; ``read`` turns them back
        into node ``node``'s neutral arrays."""
        layer.set_weights([np.asarray(a, dtype=self.dtype) for a in arrays])
        self.readers[layer.name] = node, read

    def load_parts(
        self, layer: keras.layers.Layer, node: int, parts: Sequence[tuple[str, Layout]]
    ) -> None:
        """Set a layer's weights from the node's neutral arrays ``parts`` names, one
        weight each, in the layer's order."""
        arrays = [to_keras(self.array(node, name)) for name, (to_keras, _) in parts]

        def read(weights: list[Array]) -> dict[str, Array]:
            return {
                name: back(weight) for (name, (_, back)), weight in zip(parts, weights, strict=True)
            }

        self.load(layer, node, arrays, read)


def conv_parts(prefix: str, bias: bool) -> list[tuple[str, Layout]]:
    return [(prefix + "weight", KERNEL), *([(prefix + "bias", AS_IS)] if bias else [])]


def dense_parts(prefix: str, bias: bool = True) -> list[tuple[str, Layout]]:
    return [(prefix + "weight", DENSE), *([(prefix + "bias", AS_IS)] if bias else [])]


def norm_parts(prefix: str, stats: bool) -> list[tuple[str, Layout]]:
    names = ("weight", "bias", "running_mean", "running_var") if stats else ("weight", "bias")
    return [(prefix + name, AS_IS) for name in names]
