"""A Graph as a Keras functional model on TensorFlow, computing what the torch model does.

The model's input and output are in nasc's layout (channels first, like torch
and ONNX), so the same arrays go into every backend; inside, image and signal
tensors are channels-last, converted once after the input and once before a
channels-layout output or a flatten.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import keras

from nasc.backends._tensorflow.builder import KerasBuilder
from nasc.backends._tensorflow.table import TABLE, channels_first, channels_last
from nasc.backends.coverage import require_mapped, unmapped
from nasc.backends.weights import WeightSet, weights_for
from nasc.compiler.graph import Graph, IROp
from nasc.dsl import NascError
from nasc.dsl.diagnostics import error


def missing_ops(graph: Graph) -> list[IROp]:
    """The graph's ops this backend does not map, in IR order."""
    return unmapped(graph.ops(), TABLE)


def build_module(
    graph: Graph,
    seed: int = 0,
    *,
    weights: WeightSet | None = None,
    dtype: str = "float32",
) -> keras.Model:
    """The Keras model of ``graph``: ``weights`` when given (checked against the
    graph), else fresh ones drawn from ``seed``. ``dtype`` float64 computes in
    double precision (to compare functions without float32 rounding).

    >>> model = build_module(graph)                  # doctest: +SKIP
    >>> model.predict(x).shape == (len(x), *graph.output_shape.dims)  # doctest: +SKIP
    True
    """
    require_mapped(graph, "TensorFlow", TABLE, "nasc.backends._tensorflow.table.TABLE")
    return build_with(graph, KerasBuilder(weights_for(graph, seed, weights), dtype))


def build_with(graph: Graph, builder: KerasBuilder) -> keras.Model:
    """The Keras model of ``graph``, its layers made and loaded by ``builder``
    (which then knows how every layer's weights read back)."""
    dtype = builder.dtype
    nodes = graph.nodes
    source = graph.input_shape
    inputs = keras.Input(shape=source.dims, name="input", dtype=dtype)
    x: Any = inputs
    if source.layout == "channels":
        x = keras.layers.Permute(channels_last(source.rank), name="channels_last", dtype=dtype)(x)
    values: list[Any] = [x]
    for index, node in enumerate(nodes[1:], start=1):
        shapes = tuple(nodes[i].shape for i in node.inputs)
        xs = [values[i] for i in node.inputs] if node.op is not IROp.ZERO else [inputs]
        values.append(TABLE[node.op](builder, index, node, shapes, xs))
    out, shape = values[-1], graph.output_shape
    if shape.layout == "channels":
        out = keras.layers.Permute(channels_first(shape.rank), name="channels_first", dtype=dtype)(
            out
        )
    out = keras.layers.Identity(name="output", dtype=dtype)(out)
    return keras.Model(inputs, out, name="nasc")


def export(
    graph: Graph, path: str | Path, seed: int = 0, *, weights: WeightSet | None = None
) -> keras.Model:
    """Write the model to ``path`` (a `.keras` file; `keras.saving.load_model`
    reads it back after ``import nasc.backends._tensorflow``)."""
    if Path(path).suffix != ".keras":
        raise NascError(
            error(
                "E802",
                f"the TensorFlow backend writes Keras files, which must end in .keras: got {path}",
                None,
                f"name the output {Path(path).with_suffix('.keras').name}",
            )
        )
    model = build_module(graph, seed, weights=weights)
    model.save(str(path))
    return model
