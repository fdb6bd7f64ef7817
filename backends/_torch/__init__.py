"""The PyTorch backend: Graph -> torch.nn.Module, and export to a file torch alone loads.

The module-level functions are the `nasc.compiler.backend_registry.Backend` protocol.
"""

from __future__ import annotations

from pathlib import Path

from torch import nn

from nasc.backends._torch import export as _program
from nasc.backends._torch import model as _model
from nasc.backends._torch.model import GraphModule, missing_ops
from nasc.backends._torch.table import TABLE
from nasc.backends._torch.weights import load_into_module, read_weights, weights_from_module
from nasc.backends.weights import WeightSet, check_weights
from nasc.compiler.graph import Graph

NAME: str = "torch"
# a torch.export program first; `read_weights` also takes state dicts and .npz weight sets
SUFFIXES: tuple[str, ...] = (".pt2", ".pt", ".pth", ".npz")


def build_module(graph: Graph, seed: int = 0, weights: WeightSet | None = None) -> GraphModule:
    """The torch module of ``graph``: parameters drawn from ``seed`` (the global RNG
    untouched), or ``weights`` when given (checked against the graph first, E800)."""
    if weights is None:
        return _model.build_module(graph, seed)
    check_weights(graph, weights)
    module = _model.build_module(graph, seed)
    load_into_module(module, weights)
    return module


def export(
    graph: Graph,
    path: str | Path,
    seed: int = 0,
    weights: WeightSet | None = None,
    *,
    module: nn.Module | None = None,
) -> None:
    """Write a torch.export program (`.pt2`) of the graph's model to ``path``: built
    from ``seed`` or ``weights``, or ``module`` itself when given."""
    model = module if module is not None else build_module(graph, seed, weights)
    _program.export(graph, path, seed, model)


def weights_of(model: GraphModule, graph: Graph) -> WeightSet:
    """The parameters and running statistics of a torch module of ``graph`` (E800
    when they do not fit the graph)."""
    weights = weights_from_module(model)
    check_weights(graph, weights)
    return weights


__all__ = [
    "NAME",
    "SUFFIXES",
    "TABLE",
    "GraphModule",
    "build_module",
    "export",
    "missing_ops",
    "read_weights",
    "weights_of",
]
