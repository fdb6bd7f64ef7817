"""Shared fixtures of the BO tests: the hNB201 space and a few of its architectures."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from nasc.compiler import Derivation, Space, load, sample

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"


@pytest.fixture(scope="session")
def hnb201() -> Space:
    return load(str(EXAMPLES / "hnb201.nas"))


@pytest.fixture(scope="session")
def architectures(hnb201: Space) -> list[Derivation]:
    rng = random.Random(12)
    return [sample(hnb201, rng) for _ in range(24)]
