from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from nasc.compiler import Space, load
from nasc.search.data import Dataset, load_dataset
from nasc.search.data.cache import CACHE_ENV
from nasc.search.data.dataset import RawSplits, make_dataset


@pytest.fixture(autouse=True)
def _private_cache(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(CACHE_ENV, str(tmp_path_factory.getbasetemp() / "nasc-cache"))


@pytest.fixture(scope="session")
def digits() -> Dataset:
    return load_dataset("digits")


def space_file(tmp_path: Path, body: str, shape: str = "[1, 8, 8]") -> Space:
    path = tmp_path / "space.nas"
    path.write_text(f"import std\ninput {shape}\nparam classes = 10\n{body}\n")
    return load(str(path))


@pytest.fixture
def digits_space(tmp_path: Path) -> Space:
    """A small convolutional space over 8x8 images (two architectures)."""
    return space_file(
        tmp_path,
        "NET ::= Sequential(conv(8, kernel=3), batchnorm, ACT, dropout(0.1), flatten,"
        " linear(classes))\nACT ::= relu | gelu",
    )


def tiny_images(count: int = 64, seed: int = 0, nan: bool = False) -> Dataset:
    """Random 3x8x8 images whose class shifts their mean: learnable in one epoch."""
    rng = np.random.default_rng(seed)
    y = np.arange(count) % 4
    x = rng.normal(size=(count, 3, 8, 8)) + y[:, None, None, None]
    data = make_dataset("tiny", RawSplits("tiny", x_train=x, y_train=y), val_fraction=0.25)
    if nan:
        data.x_train[0, 0, 0, 0] = np.nan  # past the loader's checks, as a broken pipeline would
    return data
