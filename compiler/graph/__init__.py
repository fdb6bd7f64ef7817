"""The Graph IR of one architecture: the IR itself, its building from a derivation,
its invariants, its text and DOT forms, and its cost (params, MACs)."""

from collections.abc import Mapping

from nasc.compiler.derive.budget import register_measure
from nasc.compiler.derive.derivation import Derivation
from nasc.compiler.graph.builder import build
from nasc.compiler.graph.cost import summarize
from nasc.compiler.graph.ir import MERGE_OPS, Graph, IROp, Node
from nasc.compiler.space import Space


def _measure(space: Space, derivation: Derivation) -> Mapping[str, int]:
    """The parameters and MACs of an architecture, for budgets (`constraint params <= N`)."""
    summary = summarize(build(space, derivation))
    return {"params": summary.total_params, "macs": summary.total_macs}


register_measure(_measure)

__all__ = ["MERGE_OPS", "Graph", "IROp", "Node", "build"]
