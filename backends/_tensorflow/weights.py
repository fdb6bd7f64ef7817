"""Weights read back from a Keras model of a Graph, into the neutral `WeightSet`.

A Keras model does not say which of nasc's parameters each of its weights is:
the model of the same graph is built once more, and the layers it loads (named
``n<node>_<part>``) say how their weights read back. So the weights of a model
trained in Keras carry into the torch and ONNX backends.

>>> model = build_module(graph, weights=weights)      # doctest: +SKIP
>>> weights_from_model(model, graph) == weights       # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path

import keras
import numpy as np

from nasc.backends._tensorflow.builder import KerasBuilder
from nasc.backends._tensorflow.model import build_with
from nasc.backends.weights import (
    OTHER_ARCHITECTURE,
    Array,
    Key,
    WeightSet,
    check_weights,
    init_weights,
    unreadable,
)
from nasc.compiler.graph import Graph
from nasc.dsl import NascError
from nasc.dsl.diagnostics import error


def weights_from_model(model: keras.Model, graph: Graph) -> WeightSet:
    """The weights ``model`` (a Keras model of ``graph``, built by nasc or loaded from
    its `.keras` file) holds, checked against the graph (NascError E800)."""
    builder = KerasBuilder(init_weights(graph), "float32")
    build_with(graph, builder)
    arrays: dict[Key, Array] = {}
    missing = []
    for name, (node, read) in builder.readers.items():
        try:
            layer = model.get_layer(name)
        except ValueError:
            missing.append(name)
            continue
        try:
            parts = read([np.asarray(w) for w in layer.get_weights()])
        except (ValueError, IndexError) as exc:
            raise _not_this_graph(f"layer {name} holds other weights ({exc})") from None
        for part, array in parts.items():
            arrays[node, part] = np.asarray(array, dtype=np.float32)
    if missing:
        raise _not_this_graph(f"the model has no layer {', '.join(missing[:3])}")
    weights = WeightSet(arrays)
    check_weights(graph, weights)
    return weights


def read_weights(path: str | Path, graph: Graph) -> WeightSet:
    """The weights of the `.keras` file ``path`` for ``graph`` (E801 when it cannot
    be read, E800 when its weights do not fit the graph)."""
    try:
        model = keras.saving.load_model(str(path))
    except (OSError, ValueError, TypeError, KeyError) as exc:
        raise unreadable(path, "a Keras model", exc) from None
    return weights_from_model(model, graph)


def _not_this_graph(message: str) -> NascError:
    return NascError(
        error(
            "E800",
            f"the Keras model is not of this architecture: {message}",
            None,
            OTHER_ARCHITECTURE,
        )
    )
