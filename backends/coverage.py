"""Which IR ops a backend maps, and the one error for those it does not.

Shared by every backend (framework-free), so that a gap reads the same everywhere:
every missing op listed at once, as one E602 diagnostic.
"""

from __future__ import annotations

from collections.abc import Container

from nasc.backends.plugins import plugins_without, require_lowerings
from nasc.compiler.graph import Graph, IROp
from nasc.dsl import NascError
from nasc.dsl.diagnostics import error


def unmapped(used: frozenset[IROp], table: Container[IROp]) -> list[IROp]:
    """The ops of ``used`` that ``table`` does not map, in IR order."""
    return [op for op in IROp if op in used and op not in table and op is not IROp.INPUT]


def unmapped_error(backend: str, missing: list[IROp], table: str) -> NascError:
    """The error a backend raises for ops it cannot map: all of them at once."""
    names = ", ".join(f"'{op.value}'" for op in missing)
    return NascError(
        error(
            "E602",
            f"the {backend} backend does not map {names}",
            None,
            f"choose another backend, or add these ops to {table}",
        )
    )


def require_mapped(
    graph: Graph, backend: str, table: Container[IROp], where: str
) -> frozenset[IROp]:
    """The ops ``graph`` uses; the one E602 error when ``table`` (named ``where``)
    lacks any of them."""
    used = graph.ops()
    missing = unmapped(used, table)
    if missing:
        raise unmapped_error(backend, missing, where)
    if IROp.PLUGIN in used:
        require_lowerings(graph, backend.lower())
    return used


def missing_in(graph: Graph, table: Container[IROp], backend: str) -> list[IROp]:
    """The graph's ops a backend cannot map: those its table lacks, and ``plugin`` when a
    plugin primitive of the graph has no lowering for the backend (named by NAME)."""
    missing = unmapped(graph.ops(), table)
    if IROp.PLUGIN not in missing and plugins_without(graph, backend):
        missing.append(IROp.PLUGIN)
    return missing
