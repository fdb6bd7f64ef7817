"""Backends: one private subpackage per framework, found by name and imported lazily.

>>> from nasc.compiler import load
>>> from nasc.compiler.derive.sampling import sample          # doctest: +SKIP
>>> from nasc.compiler.graph import build
>>> from nasc.backends import to_torch
>>> space = load("examples/hnb201.nas")                 # doctest: +SKIP
>>> model = to_torch(build(space, sample(space, 0)))    # doctest: +SKIP
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from nasc.backends import _onnx, _tensorflow, _torch
    from nasc.backends._torch.model import GraphModule
    from nasc.compiler.backend_registry import Backend
    from nasc.compiler.graph import Graph

    # mypy checks every built-in backend against the one protocol
    _TORCH: Backend = _torch
    _ONNX: Backend = _onnx
    _TENSORFLOW: Backend = _tensorflow


def to_torch(graph: Graph, seed: int = 0) -> GraphModule:
    """The graph as a `torch.nn.Module`, parameters drawn from ``seed`` (torch imported now)."""
    from nasc.backends._torch.model import build_module  # torch is imported only here

    return build_module(graph, seed)


__all__ = ["to_torch"]
