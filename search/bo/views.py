"""Node-labelled graph views of one architecture, the inputs of the WL kernels.

Two kinds of view (PAPER.md, "Search: BANAT"):

* the **final graph**: the flattened Graph IR of `nasc.compiler.build`, with ``id``
  edges folded and ``zero`` edges removed; a node's label is its op with its
  attributes (``conv(channels=32,kernel=3,...)``), so the same primitive at two widths
  reads differently;
* **hierarchy level k** (`nasc.compiler.levels`): level 0 is the root's topology with
  nodes labelled ``NT:head``, level k expands every nonterminal node of level k-1.

Edges run from a node to the nodes that read it; WL aggregates over successors.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from nasc.compiler import Derivation, IROp, Space, build, levels

FINAL = -1  # the view index of the final graph; levels are 0, 1, 2, ...


@dataclass(frozen=True, slots=True)
class View:
    """A directed graph with one string label per node."""

    labels: tuple[str, ...]
    edges: tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class ViewSpec:
    """Which views make the kernel, and the WL iterations of each.

    ``views`` lists view indices (`FINAL` or a level); ``iterations`` the WL
    iterations h of each (for `FINAL` the largest h tried; the GP picks h in
    ``0..iterations`` by marginal likelihood). The defaults are the paper's for
    hNB201: the final graph (h chosen from 0..4), level 0 with h=1, levels 1-4 with h=2.
    """

    views: tuple[int, ...] = (FINAL, 0, 1, 2, 3, 4)
    iterations: tuple[int, ...] = (4, 1, 2, 2, 2, 2)

    def __post_init__(self) -> None:
        if len(self.views) != len(self.iterations) or not self.views:
            raise ValueError("a ViewSpec needs one iteration count per view, at least one view")
        if len(set(self.views)) != len(self.views):
            raise ValueError(f"views repeat: {self.views}")
        if any(v < FINAL for v in self.views) or any(h < 0 for h in self.iterations):
            raise ValueError("views are FINAL (-1) or levels >= 0; iterations are >= 0")

    @property
    def depth(self) -> int:
        """How many hierarchy levels must be computed."""
        return max((v for v in self.views if v != FINAL), default=-1) + 1


SINGLE_WL = ViewSpec(views=(FINAL,), iterations=(4,))  # NAS-BOWL: the final graph only


def final_view(space: Space, derivation: Derivation) -> View:
    """The flattened final graph, zero nodes removed, labels = op with attributes; a node
    that reads another twice (``sum(x, x)``) has one edge from it, as in a simple graph."""
    graph = build(space, derivation)
    keep = [i for i, node in enumerate(graph.nodes) if node.op != IROp.ZERO]
    index = {old: new for new, old in enumerate(keep)}
    labels = tuple(node_label(graph.nodes[i].op, graph.nodes[i].attrs) for i in keep)
    edges = sorted(
        {
            (index[source], index[i])
            for i in keep
            for source in graph.nodes[i].inputs
            if source in index
        }
    )
    return View(labels, tuple(edges))


def node_label(op: str, attrs: Sequence[tuple[str, object]]) -> str:
    """A final-graph node's label: its op, then its attributes, e.g. ``conv(channels=16,...)``."""
    if not attrs:
        return str(op)
    return f"{op}({','.join(f'{k}={v}' for k, v in attrs)})"


def level_views(space: Space, derivation: Derivation, wanted: Sequence[int]) -> list[View]:
    """The graphs of the hierarchy levels ``wanted``; a level deeper than the derivation
    goes gives its last (fully expanded) level."""
    depth = max(wanted, default=-1) + 1
    if depth == 0:
        return []
    graphs = levels(space, derivation, depth=depth)
    return [
        View(graphs[min(k, len(graphs) - 1)].labels, graphs[min(k, len(graphs) - 1)].edges)
        for k in wanted
    ]


def views_of(space: Space, derivation: Derivation, spec: ViewSpec) -> list[View]:
    """Every view of ``spec`` for one architecture, in ``spec.views`` order."""
    wanted = [v for v in spec.views if v != FINAL]
    by_level = dict(zip(wanted, level_views(space, derivation, wanted), strict=True))
    return [final_view(space, derivation) if v == FINAL else by_level[v] for v in spec.views]


__all__ = [
    "FINAL",
    "SINGLE_WL",
    "View",
    "ViewSpec",
    "final_view",
    "level_views",
    "node_label",
    "views_of",
]
