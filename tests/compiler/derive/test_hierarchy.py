from __future__ import annotations

from pathlib import Path

import pytest

from nasc.compiler import load
from nasc.compiler.derive.hierarchy import levels
from tests.conftest import EXAMPLES, ROOT


def test_hnb201_levels() -> None:
    space = load(str(ROOT / "examples" / "hnb201.nas"))
    graphs = levels(space, space.sample(seed=0))
    top = graphs[0]
    assert top.labels == ("input", "output", "STEM:Sequential", "D2:Sequential", "HEAD:Sequential")
    assert top.edges == ((0, 2), (2, 3), (3, 4), (4, 1))
    assert any(label.startswith("D1:") or label.startswith("D0:") for label in graphs[1].labels)
    final = graphs[-1]
    assert all(":" not in label for label in final.labels)  # primitives only
    assert "CELL:Cell" in graphs[3].labels


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_every_level_runs_from_input_to_output(path: Path) -> None:
    space = load(str(path))
    for graph in levels(space, space.sample(seed=3)):
        n = len(graph.labels)
        succ: dict[int, set[int]] = {i: set() for i in range(n)}
        for s, t in graph.edges:
            succ[s].add(t)
        seen, stack = {0}, [0]
        while stack:
            for t in succ[stack.pop()]:
                if t not in seen:
                    seen.add(t)
                    stack.append(t)
        assert 1 in seen
        assert seen == set(range(n))  # every node lies after the input


def test_merges_are_labelled(tmp_path: Path) -> None:
    space = load(str(ROOT / "examples" / "activation.nas"))
    graphs = levels(space, space.sample(seed=0))
    labels = {label for g in graphs for label in g.labels}
    assert "sum" in labels  # the residual blocks


def test_depth_limits_the_levels() -> None:
    space = load(str(ROOT / "examples" / "hnb201.nas"))
    assert len(levels(space, space.sample(seed=0), depth=2)) == 2
