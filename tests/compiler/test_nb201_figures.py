"""examples/nb201.nas against NAS-Bench-201's published parameter and MAC figures.

NAS-Bench-201 (Dong & Yang, 2020), CIFAR-10 shapes: the all-conv3x3 cell has
1,531,546 parameters and 220.12 MFLOPs (the 220,119,680 MACs plus the
classifier's 10 bias adds); the all-skip cell 73,306 parameters; in general
73,306 + 243,040 per 3x3-conv edge + 28,000 per 1x1-conv edge. NAS-Bench-201's
code builds dead edges too, nasc does not: the formula holds for cells without
dead convolutions, and each dead conv edge is its per-edge figure less. Cells
whose input is cut from their output are not in the space (`constraint
connected`).
"""

from __future__ import annotations

import itertools
import random

import pytest

from nasc.compiler.graph import build
from nasc.compiler.graph.cost import summarize
from tests.compiler.graph_cases import CONV1, CONV3, ID, ZERO, example, nb201

EDGES = ((0, 1), (0, 2), (1, 2), (0, 3), (1, 3), (2, 3))
PER_EDGE = {CONV3: 243_040, CONV1: 28_000}


def _dead(ops: tuple[int, ...]) -> set[int]:
    """Edges whose target never reaches node 3 through a non-zero edge."""
    reaches = {3}
    for node in (2, 1):
        if any(s == node and e in reaches and ops[k] != ZERO for k, (s, e) in enumerate(EDGES)):
            reaches.add(node)
    return {k for k, (_, end) in enumerate(EDGES) if end not in reaches}


def _connected(ops: tuple[int, ...]) -> bool:
    """Whether the input reaches node 3 through non-zero edges (`constraint connected`)."""
    reached = {0}
    for k, (source, end) in enumerate(EDGES):  # edges are in topological order
        if source in reached and ops[k] != ZERO:
            reached.add(end)
    return 3 in reached


def _published(ops: tuple[int, ...]) -> int:
    return 73_306 + sum(PER_EDGE.get(op, 0) for op in ops)


def test_all_conv3x3_cell() -> None:
    summary = summarize(build(example("nb201"), nb201((CONV3,) * 6)))
    assert summary.total_params == 1_531_546
    assert summary.total_macs == 220_119_680
    assert round((summary.total_macs + 10) / 1e6, 2) == 220.12


def test_all_skip_cell() -> None:
    assert summarize(build(example("nb201"), nb201((ID,) * 6))).total_params == 73_306


CELLS = [ops for ops in itertools.product(range(5), repeat=6) if _connected(ops)]
SAMPLED = random.Random(201).sample(CELLS, 400)


@pytest.mark.parametrize("chunk", range(4))
def test_every_cell_follows_the_published_formula_less_its_dead_convolutions(chunk: int) -> None:
    space = example("nb201")
    for ops in SAMPLED[chunk::4]:
        dead = sum(PER_EDGE.get(ops[k], 0) for k in _dead(ops))
        params = summarize(build(space, nb201(ops))).total_params
        assert params == _published(ops) - dead, ops
