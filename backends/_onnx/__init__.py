"""The ONNX backend: Graph -> onnx.ModelProto, emitted directly (no torch), runs in ONNX Runtime.

The module-level functions are the `nasc.compiler.backend_registry.Backend` protocol.
"""

from __future__ import annotations

from pathlib import Path

from onnx import ModelProto

from nasc.backends._onnx import model as _model
from nasc.backends._onnx.model import OPSET, missing_ops, read_weights, weights_from_model
from nasc.backends._onnx.table import TABLE
from nasc.backends.weights import WeightSet, check_weights
from nasc.compiler.graph import Graph

NAME: str = "onnx"
SUFFIXES: tuple[str, ...] = (".onnx",)


def build_module(graph: Graph, seed: int = 0, weights: WeightSet | None = None) -> ModelProto:
    """The ONNX model of ``graph``: ``weights`` when given (checked against the
    graph), else fresh ones drawn from ``seed``."""
    return _model.build_module(graph, seed, weights=weights)


def export(graph: Graph, path: str | Path, seed: int = 0, weights: WeightSet | None = None) -> None:
    """Write the model to ``path`` (`.onnx`) after onnx's full check with shape inference."""
    _model.export(graph, path, seed, weights=weights)


def weights_of(model: ModelProto, graph: Graph) -> WeightSet:
    """The weights an ONNX model of ``graph`` holds (E800 when they do not fit it)."""
    weights = weights_from_model(model)
    check_weights(graph, weights)
    return weights


__all__ = [
    "NAME",
    "OPSET",
    "SUFFIXES",
    "TABLE",
    "build_module",
    "export",
    "missing_ops",
    "read_weights",
    "weights_from_model",
    "weights_of",
]
