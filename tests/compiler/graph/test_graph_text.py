"""Graph text dumps and DOT are golden-file tested (`pytest --update-golden` rewrites them)."""

from __future__ import annotations

from pathlib import Path

import pytest

from nasc.compiler.graph import build
from nasc.compiler.graph.text import graph_dot, graph_text
from tests.compiler.graph_cases import CONV3, ID, POOL, ZERO, example, mnist1d, nb201, transformer

GOLDEN = Path(__file__).parent / "golden_graph"
CASES = {
    "mnist1d": ("mnist1d", mnist1d(block=1, down=2, head=1)),
    "transformer": ("transformer", transformer(depth=1, mixer=0, ffn=2)),
    "nb201_cell": ("nb201", nb201((CONV3, ID, ZERO, POOL, CONV3, ZERO))),
}


def _compare(path: Path, text: str, update: bool) -> None:
    if update:
        path.parent.mkdir(exist_ok=True)
        path.write_text(text)
    assert path.exists(), f"{path.name} missing: run pytest --update-golden and review the diff"
    assert text == path.read_text()


@pytest.mark.parametrize("case", sorted(CASES))
def test_text_dump_matches_golden(case: str, update_golden: bool) -> None:
    space, derivation = CASES[case]
    text = graph_text(build(example(space), derivation)) + "\n"
    _compare(GOLDEN / f"{case}.txt", text, update_golden)


def test_dot_matches_golden(update_golden: bool) -> None:
    space, derivation = CASES["mnist1d"]
    _compare(GOLDEN / "mnist1d.dot", graph_dot(build(example(space), derivation)), update_golden)


def test_dot_has_a_node_per_graph_node_and_an_edge_per_input() -> None:
    graph = build(example("nb201"), CASES["nb201_cell"][1])
    dot = graph_dot(graph)
    assert dot.count(" -> ") == sum(len(n.inputs) for n in graph.nodes)
    assert dot.count("[label=") == len(graph.nodes)
