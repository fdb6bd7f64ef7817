"""The Graph IR of one architecture: the IR itself, its building from a derivation,
its invariants, its text and DOT forms, and its cost (params, MACs)."""

from nasc.compiler.graph.ir import MERGE_OPS, Graph, IROp, Node, build

__all__ = ["MERGE_OPS", "Graph", "IROp", "Node", "build"]
