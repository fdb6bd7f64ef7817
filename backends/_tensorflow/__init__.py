"""The TensorFlow backend: Graph -> Keras functional model, saved as `.keras` or a SavedModel.

Keras runs on TensorFlow here unless ``KERAS_BACKEND`` says otherwise;
TensorFlow's start-up messages are kept to warnings unless
``TF_CPP_MIN_LOG_LEVEL`` is set. The module-level functions are the
`nasc.compiler.backend_registry.Backend` protocol.
"""

import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from pathlib import Path

import keras

from nasc.backends._tensorflow import model as _model
from nasc.backends._tensorflow.layers import Elementwise, Scaled, Subsample, Zeros
from nasc.backends._tensorflow.model import missing_ops
from nasc.backends._tensorflow.table import TABLE
from nasc.backends._tensorflow.weights import read_weights, weights_from_model
from nasc.backends.weights import WeightSet
from nasc.compiler.graph import Graph

NAME: str = "tensorflow"
SUFFIXES: tuple[str, ...] = (".keras", ".savedmodel")


def build_module(
    graph: Graph, seed: int = 0, weights: WeightSet | None = None, *, dtype: str = "float32"
) -> keras.Model:
    """The Keras model of ``graph``: ``weights`` when given (checked against the
    graph), else fresh ones drawn from ``seed``; ``dtype`` float64 computes in
    double precision."""
    return _model.build_module(graph, seed, weights=weights, dtype=dtype)


def export(graph: Graph, path: str | Path, seed: int = 0, weights: WeightSet | None = None) -> None:
    """Write the model to ``path``: a `.keras` file, or a TensorFlow SavedModel for a
    `.savedmodel` path or an existing directory (E802 for another suffix)."""
    _model.export(graph, path, seed, weights=weights)


def weights_of(model: keras.Model, graph: Graph) -> WeightSet:
    """The weights a Keras model of ``graph`` holds (E800 when they do not fit it)."""
    return weights_from_model(model, graph)


__all__ = [
    "NAME",
    "SUFFIXES",
    "TABLE",
    "Elementwise",
    "Scaled",
    "Subsample",
    "Zeros",
    "build_module",
    "export",
    "missing_ops",
    "read_weights",
    "weights_from_model",
    "weights_of",
]
