"""The graphs of each hierarchy level of a derivation, for the hierarchical WL kernel.

Level 0 is the root's own template as a graph: one node per nonterminal it names,
labelled ``NT:head`` (``head`` being the topology, primitive or nonterminal the
nonterminal chose), one per primitive, labelled by its text. Level k expands
every nonterminal node of level k-1 into its own template, wired between the
same neighbours. The last level has primitives only. Topologies become explicit
nodes only where paths merge (labelled ``sum``, ``concat`` or the merging binary
operation); every graph runs from an ``input`` node to an ``output`` node.

>>> from nasc.compiler import load
>>> space = load("examples/hnb201.nas")
>>> graphs = levels(space, space.sample(seed=0))
>>> graphs[0].labels
('input', 'output', 'STEM:Sequential', 'D2:Sequential', 'HEAD:Sequential')
"""

from __future__ import annotations

from dataclasses import dataclass

from nasc.compiler.derive.derivation import Derivation
from nasc.compiler.space import NT, Prim, Space, Template, Topo, nonterminals_in

_JUNCTION = ""


@dataclass(frozen=True, slots=True)
class LevelGraph:
    """A directed graph with labelled nodes; node 0 is ``input``, node 1 ``output``."""

    labels: tuple[str, ...]
    edges: tuple[tuple[int, int], ...]


def head(space: Space, d: Derivation) -> str:
    """What a node of ``d.nt`` chose: its topology, primitive or nonterminal."""
    template = space.rule_map[d.nt].alternatives[d.alt].template
    if isinstance(template, Prim):
        return template.text
    return template.name


class _Graph:
    def __init__(self) -> None:
        self.labels: list[str] = []
        self.items: list[Derivation | None] = []
        self.edges: set[tuple[int, int]] = set()

    def node(self, label: str, item: Derivation | None = None) -> int:
        self.labels.append(label)
        self.items.append(item)
        return len(self.labels) - 1

    def build(
        self, space: Space, template: Template, children: list[Derivation], src: int, dst: int
    ) -> None:
        """Wire ``template`` between nodes ``src`` and ``dst``, taking children in order."""
        if isinstance(template, Prim):
            n = self.node(template.text)
        elif isinstance(template, NT):
            child = children.pop(0)
            n = self.node(f"{child.nt}:{head(space, child)}", child)
        else:
            self._topology(space, template, children, src, dst)
            return
        self.edges.add((src, n))
        self.edges.add((n, dst))

    def _topology(
        self, space: Space, template: Topo, children: list[Derivation], src: int, dst: int
    ) -> None:
        topology = space.topology(template.name)
        edges = topology.edges_for(len(template.args))
        last = topology.node_count(len(template.args)) - 1
        incoming = [0] * (last + 1)
        for e in edges:
            incoming[e.target] += 1
        merge_arg = topology.merge_arg
        merge_label = topology.merge if merge_arg is None else None
        junctions: list[int] = []
        order = sorted(range(len(template.args)), key=lambda i: i)
        arg_children: dict[int, list[Derivation]] = {}
        for i in order:
            arg_children[i] = [children.pop(0) for _ in nonterminals_in(template.args[i])]
        for k in range(last + 1):
            if incoming[k] > 1:
                if merge_arg is not None:
                    junctions.append(-1)  # placed below, labelled by the merge argument
                else:
                    junctions.append(self.node(merge_label or "sum"))
            else:
                junctions.append(self.node(_JUNCTION))
        for k, j in enumerate(junctions):
            if j == -1:
                merge = template.args[merge_arg]  # type: ignore[index]
                kids = list(arg_children[merge_arg])  # type: ignore[index]
                if isinstance(merge, Prim):
                    junctions[k] = self.node(merge.text)
                else:
                    child = kids[0]
                    junctions[k] = self.node(f"{child.nt}:{head(space, child)}", child)
        for k in range(topology.inputs):  # a cell's inputs all hang off what feeds it
            self.edges.add((src, junctions[k]))
        self.edges.add((junctions[last], dst))
        for e in edges:
            if e.arg >= 0:
                kids = list(arg_children[e.arg])
                self.build(
                    space, template.args[e.arg], kids, junctions[e.source], junctions[e.target]
                )

    def expand(self, space: Space) -> _Graph:
        """The next level: every nonterminal node replaced by its template."""
        new = _Graph()
        mapping: dict[int, tuple[int, int]] = {}
        for i, (label, item) in enumerate(zip(self.labels, self.items, strict=True)):
            if item is None:
                n = new.node(label)
                mapping[i] = (n, n)
            else:
                template = space.rule_map[item.nt].alternatives[item.alt].template
                if isinstance(template, NT):
                    child = item.children[0]
                    n = new.node(f"{child.nt}:{head(space, child)}", child)
                    mapping[i] = (n, n)
                elif isinstance(template, Prim):
                    n = new.node(template.text)
                    mapping[i] = (n, n)
                else:
                    a, b = new.node(_JUNCTION), new.node(_JUNCTION)
                    new.build(space, template, list(item.children), a, b)
                    mapping[i] = (a, b)
        for s, t in self.edges:
            new.edges.add((mapping[s][1], mapping[t][0]))
        return new

    def pending(self) -> bool:
        return any(item is not None for item in self.items)

    def freeze(self) -> LevelGraph:
        """Plain junctions contracted away; nodes renumbered in first-seen order."""
        succ: dict[int, list[int]] = {}
        for s, t in sorted(self.edges):
            succ.setdefault(s, []).append(t)

        def targets(n: int, seen: frozenset[int] = frozenset()) -> list[int]:
            found: list[int] = []
            for t in succ.get(n, []):
                if self.labels[t] == _JUNCTION and t not in seen:
                    found += targets(t, seen | {t})
                else:
                    found.append(t)
            return found

        keep = [i for i, label in enumerate(self.labels) if label != _JUNCTION]
        index = {old: new for new, old in enumerate(keep)}
        edges = sorted({(index[s], index[t]) for s in keep for t in targets(s)})
        return LevelGraph(tuple(self.labels[i] for i in keep), tuple(edges))


def levels(space: Space, d: Derivation, depth: int | None = None) -> list[LevelGraph]:
    """The graph of every hierarchy level of ``d`` (at most ``depth`` levels), level 0 first;
    the last has only primitives unless ``depth`` stopped the expansion."""
    graph = _Graph()
    source, sink = graph.node("input"), graph.node("output")
    template = space.rule_map[d.nt].alternatives[d.alt].template
    graph.build(space, template, list(d.children), source, sink)
    result = [graph.freeze()]
    while graph.pending() and (depth is None or len(result) < depth):
        graph = graph.expand(space)
        result.append(graph.freeze())
    return result


__all__ = ["LevelGraph", "head", "levels"]
