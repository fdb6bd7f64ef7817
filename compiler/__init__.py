"""The nasc compiler: the Space IR, its checks, and (later) derivations and graphs.

Framework-free: nothing here imports torch, tensorflow, onnx or gpytorch.
"""

from nasc.compiler.checking import CheckResult, check, load
from nasc.compiler.shapes import Shape, ShapeError
from nasc.compiler.space import (
    NT,
    Alias,
    Alternative,
    Edge,
    InputSpec,
    Param,
    Prim,
    PrimitiveDecl,
    Rule,
    Space,
    Template,
    Topo,
    Topology,
)
from nasc.compiler.values import Relative, Value

__all__ = [
    "NT",
    "Alias",
    "Alternative",
    "CheckResult",
    "Edge",
    "InputSpec",
    "Param",
    "Prim",
    "PrimitiveDecl",
    "Relative",
    "Rule",
    "Shape",
    "ShapeError",
    "Space",
    "Template",
    "Topo",
    "Topology",
    "Value",
    "check",
    "load",
]
