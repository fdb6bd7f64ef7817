"""The nasc compiler: the Space IR, its checks, and (later) derivations and graphs.

Framework-free: nothing here imports torch, tensorflow, onnx or gpytorch.
"""

from nasc.compiler.backend_registry import available_backends, load_backend
from nasc.compiler.checking import CheckResult, check, load
from nasc.compiler.cost import Summary, summarize
from nasc.compiler.graph import Graph, IROp, Node, build
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
    "Graph",
    "IROp",
    "InputSpec",
    "Node",
    "Param",
    "Prim",
    "PrimitiveDecl",
    "Relative",
    "Rule",
    "Shape",
    "ShapeError",
    "Space",
    "Summary",
    "Template",
    "Topo",
    "Topology",
    "Value",
    "available_backends",
    "build",
    "check",
    "load",
    "load_backend",
    "summarize",
]
