"""`fit_space`: a space loaded for a dataset, its ``classes`` taken from the data."""

from __future__ import annotations

from collections.abc import Mapping

from nasc.compiler import Space, check, load
from nasc.dsl import NascError
from nasc.search.data.dataset import Dataset
from nasc.search.data.errors import MISMATCH, dataset_error

CLASSES = "classes"


def fit_space(space_path: str, dataset: Dataset, overrides: Mapping[str, str]) -> Space:
    """The space of ``space_path`` for ``dataset``.

    Its ``param classes`` (when it has one) becomes the dataset's class count; a
    ``--set classes=N`` in ``overrides`` is used as given but must agree with the data.
    The space's ``input`` must be the shape of one sample. NascError (E932) otherwise;
    the space's own errors as `nasc.compiler.load` reports them.

    >>> from nasc.search.data import load_dataset
    >>> space = fit_space("examples/mnist1d.nas", load_dataset("mnist1d"), {})
    >>> space.input.dims, [p.value for p in space.params if p.name == "classes"]
    ((1, 40), [10])
    """
    given = dict(overrides)
    if CLASSES in given:
        _check_classes(space_path, given[CLASSES], dataset)
        space = load(space_path, given)
    else:
        result = check(space_path, given)
        if not result.ok or result.space is None:
            raise NascError(result.errors or result.diagnostics)
        space = result.space
        declared = {p.name: p.value for p in space.params}
        if CLASSES in declared and declared[CLASSES] != dataset.classes:
            space = load(space_path, {**given, CLASSES: str(dataset.classes)})
    _check_input(space_path, space, dataset)
    return space


def _check_classes(space_path: str, value: str, dataset: Dataset) -> None:
    try:
        wanted = int(value)
    except ValueError:
        return  # not a number: the space's own check reports the bad value
    if wanted != dataset.classes:
        raise dataset_error(
            MISMATCH,
            f"--set classes={value} conflicts with the dataset '{dataset.name}', which has "
            f"{dataset.classes} classes",
            f"drop --set classes (the space '{space_path}' takes it from the data) "
            f"or set classes={dataset.classes}",
        )


def _check_input(space_path: str, space: Space, dataset: Dataset) -> None:
    expected = list(dataset.input_shape)
    if space.input is None:
        raise dataset_error(
            MISMATCH,
            f"{space_path}: the space declares no input; the dataset '{dataset.name}' has "
            f"samples of shape {expected}",
            f"add `input {expected}` to the space",
        )
    if tuple(space.input.dims) != dataset.input_shape:
        raise dataset_error(
            MISMATCH,
            f"{space_path}: the space's input {list(space.input.dims)} does not match the "
            f"dataset '{dataset.name}', whose samples have shape {expected}",
            f"write `input {expected}` in the space, or use data of that shape",
        )
