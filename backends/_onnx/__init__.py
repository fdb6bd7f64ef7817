"""The ONNX backend: Graph -> onnx.ModelProto, emitted directly (no torch), runs in ONNX Runtime."""

from nasc.backends._onnx.model import (
    OPSET,
    build_module,
    export,
    missing_ops,
    read_weights,
    weights_from_model,
)
from nasc.backends._onnx.table import TABLE

NAME = "onnx"
SUFFIX = ".onnx"

__all__ = [
    "NAME",
    "OPSET",
    "SUFFIX",
    "TABLE",
    "build_module",
    "export",
    "missing_ops",
    "read_weights",
    "weights_from_model",
]
