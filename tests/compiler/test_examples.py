from __future__ import annotations

import random
from pathlib import Path

import pytest

from nasc.compiler import build, check, load, sample
from nasc.compiler.graph.verify import verify
from tests.conftest import EXAMPLES


def test_there_are_examples() -> None:
    names = {path.name for path in EXAMPLES}
    assert {"hnb201.nas", "nb201.nas", "activation.nas", "transformer.nas", "mnist1d.nas"} <= names
    assert {"hmnist1d.nas", "mnist1d_cnn.nas"} <= names


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_checks_clean(path: Path) -> None:
    result = check(str(path))
    assert result.diagnostics == [], result.format()
    assert result.ok


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_sampled_architectures_of_an_example_build_sound_graphs(path: Path) -> None:
    space = load(str(path))
    for seed in range(3):
        graph = build(space, sample(space, random.Random(seed)))
        assert verify(graph) == [], (path.name, seed)
        assert space.input is not None and graph.input_shape == space.input.shape
