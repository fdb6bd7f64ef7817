"""fit_space: the space's classes come from the data, and its input must fit the data."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from nasc.dsl import NascError
from nasc.search.data import Dataset, fit_space, load_dataset
from tests.conftest import ROOT

MNIST1D_SPACE = str(ROOT / "examples" / "mnist1d.nas")


def three_classes(tmp_path: Path, shape: tuple[int, ...] = (1, 40)) -> Dataset:
    rng = np.random.default_rng(0)
    path = tmp_path / "three.npz"
    np.savez(path, x_train=rng.normal(size=(30, *shape)), y_train=np.arange(30) % 3)
    return load_dataset(str(path))


def classes_of(space: object) -> object:
    return {p.name: p.value for p in space.params}["classes"]  # type: ignore[attr-defined]


def test_classes_come_from_the_data(tmp_path: Path) -> None:
    space = fit_space(MNIST1D_SPACE, three_classes(tmp_path), {})
    assert classes_of(space) == 3
    assert space.input is not None and space.input.dims == (1, 40)


def test_a_matching_space_is_left_as_written() -> None:
    space = fit_space(MNIST1D_SPACE, load_dataset("mnist1d"), {})
    assert classes_of(space) == 10


def test_set_classes_that_agrees_with_the_data_is_used(tmp_path: Path) -> None:
    space = fit_space(MNIST1D_SPACE, three_classes(tmp_path), {"classes": "3"})
    assert classes_of(space) == 3


def test_set_classes_that_conflicts_with_the_data_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(NascError) as caught:
        fit_space(MNIST1D_SPACE, three_classes(tmp_path), {"classes": "10"})
    diag = caught.value.diagnostics[0]
    assert diag.code == "E932"
    assert "classes=10" in diag.message and "3 classes" in diag.message


def test_an_input_that_does_not_fit_the_data_is_an_error() -> None:
    with pytest.raises(NascError) as caught:
        fit_space(MNIST1D_SPACE, load_dataset("digits"), {})
    diag = caught.value.diagnostics[0]
    assert diag.code == "E932"
    assert "[1, 40]" in diag.message and "[1, 8, 8]" in diag.message
    assert "mnist1d.nas" in diag.message


def test_the_space_s_own_errors_come_through(tmp_path: Path) -> None:
    broken = tmp_path / "broken.nas"
    broken.write_text("import std\ninput [1, 40]\nNET ::= Sequential(conv3x4, flatten)\n")
    with pytest.raises(NascError) as caught:
        fit_space(str(broken), load_dataset("mnist1d"), {})
    assert caught.value.diagnostics[0].code == "E200"


def test_a_space_without_classes_param_is_only_checked_for_its_input(tmp_path: Path) -> None:
    space_file = tmp_path / "fixed.nas"
    space_file.write_text("import std\ninput [1, 40]\nNET ::= Sequential(flatten, linear(3))\n")
    space = fit_space(str(space_file), three_classes(tmp_path), {})
    assert space.params == ()
