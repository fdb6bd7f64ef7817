"""Accumulates ONNX nodes, weight initialisers and constants while a Graph is emitted.

Every tensor name is unique: node ``i`` of the Graph writes ``t<i>``, helper
values inside it ``t<i>.<k>``. Weights are initialisers named
``<node>/<parameter>`` (the keys of a `WeightSet`), in the neutral layout;
constants that are not weights (epsilons, shapes) are ``Constant`` nodes.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray
from onnx import NodeProto, TensorProto, ValueInfoProto, helper, numpy_helper

from nasc.backends.weights import WeightSet
from nasc.compiler.ops import padding

AttrValue = int | float | str | Sequence[int] | Sequence[float]


Sizes = int | Sequence[int]
"""One size for every spatial dimension, or a size per dimension."""


def each(value: Sizes, rank: int) -> list[int]:
    """One size per spatial dimension."""
    return [value] * rank if isinstance(value, int) else list(value)


def onnx_pads(
    extent: Sequence[int],
    kernel: Sizes,
    stride: Sizes,
    dilation: Sizes = 1,
    mode: str = "symmetric",
) -> list[int]:
    """The ``pads`` attribute: every dimension's start, then every dimension's end."""
    rank = len(extent)
    pads = [
        padding(n, k, s, d, mode)
        for n, k, s, d in zip(
            extent, each(kernel, rank), each(stride, rank), each(dilation, rank), strict=True
        )
    ]
    return [before for before, _ in pads] + [after for _, after in pads]


class OnnxBuilder:
    """The nodes and initialisers of one model under construction."""

    def __init__(self, weights: WeightSet, input_name: str) -> None:
        self.weights = weights
        self.input_name = input_name
        self.nodes: list[NodeProto] = []
        self.initializers: list[TensorProto] = []
        self.value_infos: list[ValueInfoProto] = []
        self._initialized: set[str] = set()
        self._constants: dict[tuple[str, bytes, tuple[int, ...]], str] = {}
        self._scope = "c"
        self._count = 0

    def begin(self, index: int) -> str:
        """Start emitting Graph node ``index``; returns the name its result must get."""
        self._scope, self._count = f"t{index}", 0
        return self._scope

    def fresh(self) -> str:
        self._count += 1
        return f"{self._scope}.{self._count}"

    def op(
        self, op_type: str, inputs: Sequence[str], output: str | None = None, **attrs: AttrValue
    ) -> str:
        """Append one ONNX node; returns its (single) output's name."""
        out = output or self.fresh()
        self._append(op_type, inputs, [out], attrs)
        return out

    def ops(
        self, op_type: str, inputs: Sequence[str], outputs: int, **attrs: AttrValue
    ) -> list[str]:
        """Append a node with several outputs."""
        names = [self.fresh() for _ in range(outputs)]
        self._append(op_type, inputs, names, attrs)
        return names

    def _append(
        self, op_type: str, inputs: Sequence[str], outputs: list[str], attrs: dict[str, AttrValue]
    ) -> None:
        node = helper.make_node(op_type, list(inputs), outputs, name=outputs[0])
        node.attribute.extend(helper.make_attribute(key, value) for key, value in attrs.items())
        self.nodes.append(node)

    def declare(self, name: str, dims: Sequence[int]) -> None:
        """State a tensor's shape (batch first) where ONNX's shape inference cannot
        find it (GroupNormalization has none)."""
        self.value_infos.append(
            helper.make_tensor_value_info(name, TensorProto.FLOAT, ["batch", *dims])
        )

    def weight(self, node: int, name: str) -> str:
        """The initialiser of a weight (added on first use)."""
        key = f"{node}/{name}"
        if key not in self._initialized:
            array = self.weights[node, name]
            self.initializers.append(numpy_helper.from_array(np.asarray(array), key))
            self._initialized.add(key)
        return key

    def const(self, value: float | Sequence[int] | NDArray[np.generic]) -> str:
        """A constant tensor: a float scalar, or a list of int64 (shapes, axes)."""
        if isinstance(value, np.ndarray):
            array: NDArray[np.generic] = value
        elif isinstance(value, float | int):
            array = np.array(value, dtype=np.float32)
        else:
            array = np.array(list(value), dtype=np.int64)
        key = (array.dtype.str, array.tobytes(), array.shape)
        name = self._constants.get(key)
        if name is None:
            name = self._constants[key] = f"c{len(self._constants)}"
            tensor = numpy_helper.from_array(array, name)
            self.nodes.append(helper.make_node("Constant", [], [name], name=name, value=tensor))
        return name
