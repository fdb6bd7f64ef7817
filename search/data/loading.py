"""`load_dataset`: a dataset named on the command line, read, checked and split."""

from __future__ import annotations

from pathlib import Path

from nasc.search.data import cifar, digits, mnist1d, npz
from nasc.search.data.dataset import Dataset, RawSplits, make_dataset
from nasc.search.data.errors import UNREADABLE, dataset_error

SPECS = ("mnist1d", "digits", "PATH.npz", "cifar10=DIR", "cifar100=DIR")


def load_dataset(spec: str, *, seed: int = 0, val_fraction: float = 0.1) -> Dataset:
    """The dataset ``spec`` names, split with ``seed`` and standardised by its training part.

    ``spec`` is ``mnist1d``, ``digits``, a ``.npz`` file, ``cifar10=DIR`` or
    ``cifar100=DIR``. Where the source has no validation split, ``val_fraction`` of the
    training samples become one. NascError (E930/E931) when it cannot be read or is
    malformed.

    >>> data = load_dataset("digits")
    >>> data.input_shape, data.classes, len(data.x_train), len(data.x_val), len(data.x_test)
    ((1, 8, 8), 10, 1294, 144, 359)
    """
    classes: int | None = None
    raw: RawSplits
    if spec == "mnist1d":
        raw = mnist1d.read()
    elif spec == "digits":
        raw = digits.read(seed)
    elif "=" in spec and spec.split("=", 1)[0] in cifar.LAYOUTS:
        kind, folder = spec.split("=", 1)
        if not folder:
            raise dataset_error(UNREADABLE, f"'{spec}' names no folder", f"write {kind}=DIR")
        raw = cifar.read(kind, Path(folder).expanduser())
        classes = cifar.LAYOUTS[kind].classes
        spec = kind
    elif spec.endswith(".npz"):
        raw = npz.read(Path(spec).expanduser())
    else:
        raise dataset_error(
            UNREADABLE,
            f"unknown dataset '{spec}'",
            f"expected one of: {', '.join(SPECS)}",
        )
    return make_dataset(spec, raw, seed=seed, val_fraction=val_fraction, classes=classes)
