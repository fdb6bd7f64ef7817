"""The nonterminal graph: references, reachability, closure and recursive components,
checked on small grammars whose graphs are written out by hand."""

from __future__ import annotations

from pathlib import Path

from nasc.compiler.nonterminals import below, closure, reachable, recursive_components, references
from tests.compiler.derivation_spaces import DEPTH, SHARED, space_from

# A -> B, C; B -> A (a cycle through A and B); C -> relu; D -> C (unreachable from A)
GRAPH = """
A ::= Sequential(B, C) | relu
B ::= Sequential(A, relu) | relu
C ::= relu
D ::= Sequential(C, C)
"""


def test_references_and_reachability(tmp_path: Path) -> None:
    space = space_from(GRAPH, tmp_path)
    assert references(space) == {"A": {"B", "C"}, "B": {"A"}, "C": set(), "D": {"C"}}
    assert reachable(space) == {"A", "B", "C"}
    assert below(space) == {"A": {"A", "B", "C"}, "B": {"A", "B", "C"}, "C": set(), "D": {"C"}}
    assert recursive_components(space) == [{"A", "B"}]


def test_a_rule_that_names_itself_is_recursive(tmp_path: Path) -> None:
    space = space_from(DEPTH, tmp_path)
    assert recursive_components(space) == [{"A"}]
    assert below(space)["NET"] == {"A"}


def test_shared_values_can_be_left_out(tmp_path: Path) -> None:
    space = space_from(SHARED, tmp_path)
    assert "OP" in below(space)["NET"]
    assert "OP" not in below(space, through_shared=False)["NET"]
    assert below(space, through_shared=False)["NET"] == {"X", "CELL"}


def test_closure_of_any_graph() -> None:
    edges = {0: [1, 2], 1: [3], 4: [0]}
    assert closure(edges, [0]) == {0, 1, 2, 3}
    assert closure(edges, [4]) == {0, 1, 2, 3, 4}
    assert closure(edges, []) == set()
