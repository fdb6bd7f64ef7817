"""Weights read back from a Keras model of a Graph, into the neutral `WeightSet`.

A Keras model does not say which of nasc's parameters each of its weights is:
the model of the same graph is built once more, and the layers it loads (named
``n<node>_<part>``) say how their weights read back. So the weights of a model
trained in Keras carry into the torch and ONNX backends.

>>> model = build_module(graph, weights=weights)      # doctest: +SKIP
>>> weights_from_model(model, graph) == weights       # doctest: +SKIP
"""

from __future__ import annotations

import io
import json
import tempfile
import zipfile
from pathlib import Path

import h5py
import keras
import numpy as np

from nasc.backends._tensorflow.builder import KerasBuilder
from nasc.backends._tensorflow.model import build_with
from nasc.backends.weight_files import reading, unreadable, weight_file
from nasc.backends.weights import (
    OTHER_ARCHITECTURE,
    Array,
    Key,
    WeightSet,
    check_weights,
    init_weights,
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
    be read, E800 when its weights do not fit the graph).

    The file's model config is never deserialised (it can name Python code to run):
    nasc builds the graph's own model, checks that the file's ``model.weights.h5``
    holds exactly the arrays that model has (by path and shape), and loads only
    those arrays into it.
    """
    what = "a Keras model"
    path = weight_file(path, what)
    if path.suffix != ".keras" or not zipfile.is_zipfile(path):
        raise unreadable(path, what, ValueError("not a .keras archive (a zip file)"))
    builder = KerasBuilder(init_weights(graph), "float32")
    model = build_with(graph, builder)
    with reading(path, what):
        with zipfile.ZipFile(path) as archive:
            if _STORE not in archive.namelist():
                raise ValueError(f"the archive holds no {_STORE}")
            found = _arrays(archive.read(_STORE))
            names = _layer_names(json.loads(archive.read("config.json")))
        with tempfile.TemporaryDirectory() as folder:
            own = Path(folder) / "own.weights.h5"
            model.save_weights(str(own))
            wanted = _arrays(own.read_bytes())
    missing = [name for name in builder.readers if name not in names]
    if missing:
        raise _not_this_graph(f"the model has no layer {', '.join(missing[:3])}")
    if found != wanted:
        differ = sorted(set(found.items()) ^ set(wanted.items()))[:3]
        raise _not_this_graph(
            "its arrays differ from this architecture's at " + ", ".join(p for p, _ in differ)
        )
    with reading(path, what):
        model.load_weights(str(path))
    return weights_from_model(model, graph)


_STORE = "model.weights.h5"


def _layer_names(config: object) -> set[str]:
    """The layer names a `.keras` file's ``config.json`` lists (read as plain JSON)."""
    layers = config.get("config", {}).get("layers", []) if isinstance(config, dict) else []
    names = set()
    for layer in layers if isinstance(layers, list) else []:
        if isinstance(layer, dict):
            inner = layer.get("config")
            name = inner.get("name") if isinstance(inner, dict) else layer.get("name")
            if isinstance(name, str):
                names.add(name)
    return names


def _arrays(data: bytes) -> dict[str, tuple[int, ...]]:
    """Every array an HDF5 weight store holds: its path and shape."""
    found: dict[str, tuple[int, ...]] = {}

    def visit(name: str, item: object) -> None:
        if isinstance(item, h5py.Dataset):
            found[name] = tuple(int(n) for n in item.shape)

    with h5py.File(io.BytesIO(data), "r") as store:
        store.visititems(visit)
    return found


def _not_this_graph(message: str) -> NascError:
    return NascError(
        error(
            "E800",
            f"the Keras model is not of this architecture: {message}",
            None,
            OTHER_ARCHITECTURE,
        )
    )
