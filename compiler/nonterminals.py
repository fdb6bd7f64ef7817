"""The nonterminal graph of a space: which nonterminals each rule refers to, which are
reachable from where, and which can derive themselves.

An edge ``A -> B`` means that some alternative of ``A`` names ``B``.

>>> from nasc.compiler.space import NT, Alternative, Rule, Space
>>> rule = lambda name, *refs: Rule(name, tuple(Alternative(NT(r)) for r in refs))
>>> space = Space("A", (rule("A", "B"), rule("B", "C", "B"), rule("C", "A"), rule("D", "A")), ())
>>> sorted(reachable(space))
['A', 'B', 'C']
>>> sorted(below(space)["D"])
['A', 'B', 'C']
>>> [sorted(c) for c in recursive_components(space)]
[['A', 'B', 'C']]
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from typing import TypeVar

from nasc.compiler.space import Space, nonterminals_in

K = TypeVar("K", bound=Hashable)


def references(space: Space, through_shared: bool = True) -> dict[str, set[str]]:
    """For each rule, the nonterminals its alternatives name (with
    ``through_shared=False``, leaving out shared ones)."""
    return {
        rule.name: {
            ref.name
            for alt in rule.alternatives
            for ref in nonterminals_in(alt.template)
            if through_shared or ref.name not in space.shared
        }
        for rule in space.rules
    }


def closure(graph: Mapping[K, Iterable[K]], starts: Iterable[K]) -> set[K]:
    """``starts`` and every node reachable from them along the edges of ``graph``."""
    seen = set(starts)
    todo = list(seen)
    while todo:
        for name in graph.get(todo.pop(), ()):
            if name not in seen:
                seen.add(name)
                todo.append(name)
    return seen


def reachable(space: Space) -> set[str]:
    """The nonterminals reachable from the start symbol, the start symbol included."""
    return closure(references(space), [space.start])


def below(space: Space, through_shared: bool = True) -> dict[str, set[str]]:
    """For every nonterminal, the nonterminals that may occur strictly below it (with
    ``through_shared=False``, not entering shared values)."""
    direct = references(space, through_shared)
    return {name: closure(direct, refs) for name, refs in direct.items()}


def recursive_components(space: Space) -> list[set[str]]:
    """Sets of nonterminals that can derive themselves (Tarjan's strongly connected
    components of more than one nonterminal, or of one that names itself)."""
    graph = references(space)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[set[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for succ in graph.get(node, ()):
            if succ not in graph:
                continue
            if succ not in index:
                visit(succ)
                low[node] = min(low[node], low[succ])
            elif succ in on_stack:
                low[node] = min(low[node], index[succ])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.add(member)
                if member == node:
                    break
            if len(component) > 1 or node in graph.get(node, ()):
                components.append(component)

    for name in graph:
        if name not in index:
            visit(name)
    return components


__all__ = ["below", "closure", "reachable", "recursive_components", "references"]
