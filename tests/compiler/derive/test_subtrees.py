from __future__ import annotations

import random
from pathlib import Path

import pytest

from nasc.compiler import load
from nasc.compiler.derive.derivation import Derivation
from nasc.compiler.derive.sampling import sample
from nasc.compiler.derive.subtrees import SubtreeIndex
from nasc.compiler.space import Space
from tests.compiler.derivation_spaces import SMALL, space_from
from tests.conftest import EXAMPLES


def _preorder(space: Space, d: Derivation) -> list[tuple[tuple[int, ...], Derivation]]:
    """Every node of ``d`` with its path, ``d`` first, not entering shared values."""
    nodes = [((), d)]
    for i, c in enumerate(d.children):
        if c.nt not in space.shared:
            nodes += [((i, *path), node) for path, node in _preorder(space, c)]
    return nodes


def _check(space: Space, index: SubtreeIndex, d: Derivation) -> None:
    nodes = _preorder(space, d)
    assert index.size(d) == len(nodes)
    assert [index.nth(d, n) for n in range(len(nodes))] == nodes
    for nt in {node.nt for _, node in nodes}:
        of_nt = [(path, node) for path, node in nodes if node.nt == nt]
        assert index.count(d, nt) == len(of_nt)
        assert [index.nth_of(d, nt, n) for n in range(len(of_nt))] == of_nt
    with pytest.raises(IndexError):
        index.nth(d, len(nodes))


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_index_walks_the_preorder(path: Path) -> None:
    space = load(str(path))
    index = SubtreeIndex(space)
    rng = random.Random(6)
    for _ in range(5 if path.name == "hnb201.nas" else 30):
        _check(space, index, sample(space, rng))


@pytest.mark.parametrize("name", ["shared", "nested_shared", "depth", "connected"])
def test_index_stops_at_shared_values(name: str, tmp_path: Path) -> None:
    space = space_from(SMALL[name], tmp_path)
    index = SubtreeIndex(space)
    rng = random.Random(2)
    for _ in range(100):
        d = sample(space, rng)
        _check(space, index, d)
        for c in d.children:  # a shared value is a tree of its own
            if c.nt in space.shared:
                _check(space, index, c)
