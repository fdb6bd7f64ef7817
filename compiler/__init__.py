"""The nasc compiler: the Space IR and its checks (`check/`), derivations (`derive/`),
the Graph IR (`graph/`), the `nasc` command group (`cli/`), the language server
(`lsp/`) and the backend registry.

Framework-free: nothing here imports torch, tensorflow, onnx, numpy or gpytorch.
"""

from nasc.compiler.backend_registry import available_backends, load_backend
from nasc.compiler.check.pipeline import CheckResult, check, load
from nasc.compiler.derive.counting import count, count_by_depth, count_table
from nasc.compiler.derive.derivation import Derivation, from_json, to_json, validate
from nasc.compiler.derive.emptiness import no_architecture  # noqa: F401  (registers E711 at check time)
from nasc.compiler.derive.hierarchy import LevelGraph, levels
from nasc.compiler.derive.mutation import crossover, mutate, self_crossover
from nasc.compiler.derive.sampling import sample
from nasc.compiler.derive.terms import format_term, parse_term
from nasc.compiler.graph.builder import build
from nasc.compiler.graph.cost import Summary, summarize
from nasc.compiler.graph.ir import Graph, IROp, Node
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
    "Derivation",
    "Edge",
    "Graph",
    "IROp",
    "InputSpec",
    "LevelGraph",
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
    "count",
    "count_by_depth",
    "count_table",
    "crossover",
    "format_term",
    "from_json",
    "levels",
    "load",
    "load_backend",
    "mutate",
    "parse_term",
    "sample",
    "self_crossover",
    "summarize",
    "to_json",
    "validate",
]
