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
from nasc.backends._tensorflow.layers import NEEDS_NASC
from nasc.backends._tensorflow.table import TABLE, channels_first, channels_last
from nasc.backends.coverage import missing_in, require_mapped
from nasc.backends.weights import WeightSet, weights_for
from nasc.compiler.graph import Graph, IROp
from nasc.dsl import NascError
from nasc.dsl.diagnostics import error


def missing_ops(graph: Graph) -> list[IROp]:
    """The graph's ops this backend does not map, in IR order."""
    return missing_in(graph, TABLE, "tensorflow")


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


SAVED_MODEL = ".savedmodel"


def export(
    graph: Graph, path: str | Path, seed: int = 0, *, weights: WeightSet | None = None
) -> keras.Model:
    """Write the model to ``path``: a `.keras` file, or a TensorFlow SavedModel
    directory (a path ending in `.savedmodel`, or an existing directory).

    The SavedModel loads with TensorFlow alone: ``tf.saved_model.load(path).serve(x)``.
    The `.keras` file loads with ``keras.saving.load_model`` and Keras alone, unless
    the graph uses one of `NEEDS_NASC` (learned scalars): then only after
    ``import nasc.backends._tensorflow``.
    """
    target = Path(path)
    saved_model = target.suffix == SAVED_MODEL or target.is_dir()
    if not saved_model and target.suffix != ".keras":
        raise NascError(
            error(
                "E802",
                "the TensorFlow backend writes a Keras file (.keras) or a SavedModel "
                f"directory (.savedmodel or an existing directory): got {path}",
                None,
                f"name the output {target.with_suffix('.keras').name} or "
                f"{target.with_suffix(SAVED_MODEL).name}",
            )
        )
    if saved_model and target.exists() and not target.is_dir():
        raise NascError(
            error("E802", f"{path} is a file; a SavedModel is written as a directory", None)
        )
    model = build_module(graph, seed, weights=weights)
    if saved_model:
        model.export(str(target), format="tf_saved_model", verbose=False)
    else:
        model.save(str(target))
    return model


def needs_nasc(graph: Graph) -> list[IROp]:
    """The graph's ops whose Keras layer is nasc's own: a `.keras` file of the graph
    needs nasc to load (a SavedModel never does)."""
    return [op for op in IROp if op in graph.ops() and op.value in NEEDS_NASC]
