"""A Graph as an ONNX model, written directly with the `onnx` package (no torch).

The model has one input ``input`` and one output ``output``, both with a
dynamic batch dimension ``batch``; every weight is an initialiser named
``<node>/<parameter>``, so `weights_from_model` reads a `WeightSet` back.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
from onnx import ModelProto, TensorProto, helper, numpy_helper

from nasc.backends._onnx.builder import OnnxBuilder
from nasc.backends._onnx.external import load_external_data
from nasc.backends._onnx.table import TABLE
from nasc.backends.coverage import missing_in, require_mapped
from nasc.backends.outputs import check_suffix
from nasc.backends.weight_files import reading, weight_file
from nasc.backends.weights import WeightSet, check_weights, weights_for
from nasc.compiler.graph import Graph, IROp
from nasc.compiler.shapes import Shape

# The newest opset that ONNX Runtime has implemented in full since 1.20; it has
# every operator used here (GroupNormalization's per-channel form is opset 21).
OPSET = 21
INPUT, OUTPUT, BATCH = "input", "output", "batch"


def missing_ops(graph: Graph) -> list[IROp]:
    """The graph's ops this backend does not map, in IR order."""
    return missing_in(graph, TABLE, "onnx")


def _value_info(name: str, shape: Shape) -> onnx.ValueInfoProto:
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, [BATCH, *shape.dims])


def build_module(graph: Graph, seed: int = 0, *, weights: WeightSet | None = None) -> ModelProto:
    """The ONNX model of ``graph``: ``weights`` when given (checked against the
    graph), else fresh ones drawn from ``seed``.

    >>> model = build_module(graph)                 # doctest: +SKIP
    >>> onnx.checker.check_model(model, full_check=True)  # doctest: +SKIP
    """
    require_mapped(graph, "ONNX", TABLE, "nasc.backends._onnx.table.TABLE")
    weights = weights_for(graph, seed, weights)
    builder = OnnxBuilder(weights, INPUT)
    names = [INPUT]
    nodes = graph.nodes
    for index, node in enumerate(nodes[1:], start=1):
        builder.begin(index)
        shapes = tuple(nodes[i].shape for i in node.inputs)
        names.append(TABLE[node.op](builder, index, node, shapes, [names[i] for i in node.inputs]))
    builder.op("Identity", [names[-1]], OUTPUT)
    onnx_graph = helper.make_graph(
        builder.nodes,
        "nasc",
        [_value_info(INPUT, graph.input_shape)],
        [_value_info(OUTPUT, graph.output_shape)],
        builder.initializers,
        doc_string=graph.term,
        value_info=builder.value_infos,
    )
    opsets = [helper.make_opsetid("", OPSET)]
    model = helper.make_model(onnx_graph, opset_imports=opsets, producer_name="nasc")
    model.ir_version = helper.find_min_ir_version_for(opsets)
    return model


def weights_from_model(model: ModelProto) -> WeightSet:
    """The weights an emitted model holds (its ``<node>/<parameter>`` initialisers)."""
    arrays = {}
    for tensor in model.graph.initializer:
        node, _, name = tensor.name.partition("/")
        if node.isdigit() and name:
            arrays[int(node), name] = numpy_helper.to_array(tensor).astype(np.float32)
    return WeightSet(arrays)


def read_weights(path: str | Path, graph: Graph) -> WeightSet:
    """The weights of the `.onnx` file ``path`` for ``graph`` (E801 when it cannot be
    read, E800 when its weights do not fit the graph). External data is read only
    from regular files inside the model's folder."""
    what = "an ONNX model"
    path = weight_file(path, what)
    with reading(path, what):
        model = onnx.load_model(str(path), load_external_data=False)
        load_external_data(model, path.parent)
        weights = weights_from_model(model)
    check_weights(graph, weights)
    return weights


def export(
    graph: Graph, path: str | Path, seed: int = 0, *, weights: WeightSet | None = None
) -> ModelProto:
    """Write the model to ``path`` (`.onnx`) after onnx's full check with shape inference."""
    check_suffix(path, ".onnx", "ONNX model")
    model = build_module(graph, seed, weights=weights)
    onnx.checker.check_model(model, full_check=True)
    onnx.save_model(model, str(path))
    return model
