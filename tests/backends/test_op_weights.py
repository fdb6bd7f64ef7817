"""Weights of the later standard operations go into every backend's model, come back
out exactly, and survive the backend's own file (export, then read back)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from nasc.backends.weights import WeightSet
from nasc.compiler import build, check, parse_term
from nasc.compiler.backend_registry import Backend
from nasc.compiler.graph import Graph
from tests.backends.op_cases import lively

# (input, term): operations whose weights have names of their own
CASES = {
    "factorized_reduce": ("input [4, 6, 8]", "factorized_reduce(channels=*2)"),
}


def _graph(tmp: Path, input_line: str, term: str) -> Graph:
    path = tmp / "op.nas"
    path.write_text(f"import std\n{input_line}\nNET ::= {term}\n")
    result = check(str(path))
    assert result.ok and result.space is not None, result.format()
    return build(result.space, parse_term(result.space, term))


def _same(a: WeightSet, b: WeightSet) -> bool:
    return sorted(a) == sorted(b) and all(np.array_equal(a[k], b[k]) for k in a)


@pytest.mark.parametrize("case", sorted(CASES))
def test_weights_round_trip(backend: Backend, case: str, tmp_path: Path) -> None:
    graph = _graph(tmp_path, *CASES[case])
    weights = lively(graph, seed=1)
    assert _same(backend.weights_of(backend.build_module(graph, 0, weights), graph), weights)
    path = tmp_path / f"model{backend.SUFFIXES[0]}"
    backend.export(graph, path, 0, weights)
    assert _same(backend.read_weights(path, graph), weights)
