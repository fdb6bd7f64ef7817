"""A classification dataset split into train, validation and (optionally) test arrays.

Every loader hands its raw arrays to `make_dataset`, which checks them, carves the
validation split from the training data when the source has none, standardises every
split with the training statistics and computes the fingerprint that a run stores.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from nasc.search.data.errors import MALFORMED, dataset_error

Array = NDArray[Any]


@dataclass(frozen=True, eq=False)
class Dataset:
    """Samples as float32 channels-first arrays, labels as int64 in ``[0, classes)``.

    ``fingerprint`` is a sha256 over every array and the split settings: two runs that
    report the same fingerprint trained and validated on the same numbers.
    """

    name: str
    x_train: Array
    y_train: Array
    x_val: Array
    y_val: Array
    x_test: Array | None
    y_test: Array | None
    classes: int
    fingerprint: str

    @property
    def input_shape(self) -> tuple[int, ...]:
        """The shape of one sample (``(1, 40)`` for MNIST-1D)."""
        return tuple(int(d) for d in self.x_train.shape[1:])

    def __repr__(self) -> str:
        test = 0 if self.x_test is None else len(self.x_test)
        return (
            f"Dataset({self.name!r}, input {list(self.input_shape)}, {self.classes} classes, "
            f"{len(self.x_train)}/{len(self.x_val)}/{test} train/val/test)"
        )


@dataclass(frozen=True)
class RawSplits:
    """What a loader read: arrays as found, before checks, splits and standardisation.

    ``origin`` names the source in error messages (a file, ``digits``, ...); ``keys``
    maps each split to the name it has there (``x_train`` in a `.npz` file).
    """

    origin: str
    x_train: Array
    y_train: Array
    x_val: Array | None = None
    y_val: Array | None = None
    x_test: Array | None = None
    y_test: Array | None = None
    keys: tuple[tuple[str, str], ...] = ()

    def key(self, split: str) -> str:
        return dict(self.keys).get(split, split)


def make_dataset(
    name: str,
    raw: RawSplits,
    *,
    seed: int = 0,
    val_fraction: float = 0.1,
    classes: int | None = None,
) -> Dataset:
    """The checked, split and standardised dataset of ``raw``.

    ``classes`` is the number of classes when the source says so (CIFAR-100 has 100
    even in a file that lacks some); otherwise one more than the largest training
    label, and validation and test labels must lie below it.
    """
    if not 0.0 < val_fraction < 1.0:
        raise dataset_error(MALFORMED, f"val_fraction must lie in (0, 1); got {val_fraction}")
    x_train = _samples(raw, "x_train", raw.x_train)
    y_train = _labels(raw, "y_train", raw.y_train, len(x_train))
    pairs = {"val": (raw.x_val, raw.y_val), "test": (raw.x_test, raw.y_test)}
    checked: dict[str, tuple[Array, Array] | None] = {}
    for split, (x, y) in pairs.items():
        if (x is None) != (y is None):
            have, lack = (f"x_{split}", f"y_{split}") if y is None else (f"y_{split}", f"x_{split}")
            raise dataset_error(
                MALFORMED,
                f"{raw.origin}: '{raw.key(have)}' is given without '{raw.key(lack)}'",
                "give both the samples and the labels of a split, or neither",
            )
        if x is None or y is None:
            checked[split] = None
            continue
        xs = _samples(raw, f"x_{split}", x)
        if xs.shape[1:] != x_train.shape[1:]:
            raise dataset_error(
                MALFORMED,
                f"{raw.origin}: '{raw.key(f'x_{split}')}' has samples of shape "
                f"{list(xs.shape[1:])}; expected {list(x_train.shape[1:])} like "
                f"'{raw.key('x_train')}'",
            )
        checked[split] = (xs, _labels(raw, f"y_{split}", y, len(xs)))
    if classes is None:
        classes = int(y_train.max()) + 1
    for split, y in [("train", y_train), *((s, p[1]) for s, p in checked.items() if p)]:
        if int(y.max()) >= classes:
            raise dataset_error(
                MALFORMED,
                f"{raw.origin}: '{raw.key(f'y_{split}')}' holds label {int(y.max())}; "
                f"expected labels in [0, {classes})",
            )
    if classes < 2:
        raise dataset_error(
            MALFORMED,
            f"{raw.origin}: '{raw.key('y_train')}' holds a single class; "
            "expected at least 2 classes",
        )
    val = checked["val"]
    if val is None:
        x_train, y_train, x_val, y_val = _carve(raw, x_train, y_train, val_fraction, seed)
    else:
        x_val, y_val = val
    test = checked["test"]
    mean, std = _statistics(x_train)
    arrays = (
        _standard(x_train, mean, std),
        y_train,
        _standard(x_val, mean, std),
        y_val,
        None if test is None else _standard(test[0], mean, std),
        None if test is None else test[1],
    )
    settings = f"val_fraction={val_fraction!r} seed={seed}" if val is None else "given"
    return Dataset(
        name, *arrays, classes=classes, fingerprint=fingerprint(arrays, classes, settings)
    )


def _samples(raw: RawSplits, split: str, x: Array) -> Array:
    key = raw.key(split)
    if x.dtype.kind not in "fiu":
        raise dataset_error(
            MALFORMED,
            f"{raw.origin}: '{key}' has dtype {x.dtype}; expected numbers (float or integer)",
        )
    if x.ndim < 2:
        raise dataset_error(
            MALFORMED,
            f"{raw.origin}: '{key}' has shape {list(x.shape)}; expected one sample per "
            "row: [samples, ...] with at least 2 dimensions",
        )
    if len(x) == 0:
        raise dataset_error(MALFORMED, f"{raw.origin}: '{key}' holds no samples")
    as_float = x.astype(np.float64)
    if not np.isfinite(as_float).all():
        raise dataset_error(
            MALFORMED,
            f"{raw.origin}: '{key}' holds NaN or infinite values; expected finite numbers",
        )
    return as_float


def _labels(raw: RawSplits, split: str, y: Array, count: int) -> Array:
    key = raw.key(split)
    if y.dtype.kind not in "iu":
        raise dataset_error(
            MALFORMED,
            f"{raw.origin}: '{key}' has dtype {y.dtype}; expected integer class labels",
        )
    if y.shape != (count,):
        raise dataset_error(
            MALFORMED,
            f"{raw.origin}: '{key}' has shape {list(y.shape)}; expected [{count}], one label "
            f"per sample of '{raw.key('x' + split[1:])}'",
        )
    if int(y.min()) < 0:
        raise dataset_error(
            MALFORMED,
            f"{raw.origin}: '{key}' holds label {int(y.min())}; expected labels >= 0",
        )
    return y.astype(np.int64)


def _carve(
    raw: RawSplits, x: Array, y: Array, fraction: float, seed: int
) -> tuple[Array, Array, Array, Array]:
    """Train and validation parts of (x, y), drawn by a permutation seeded with ``seed``."""
    count = round(len(x) * fraction)
    if count < 1 or count >= len(x):
        raise dataset_error(
            MALFORMED,
            f"{raw.origin}: '{raw.key('x_train')}' has {len(x)} samples, too few to carve a "
            f"validation split of {fraction:g}",
            "give x_val and y_val, or more training samples",
        )
    order = np.random.default_rng(seed).permutation(len(x))
    val, train = order[:count], order[count:]
    return x[train], y[train], x[val], y[val]


def _statistics(x: Array) -> tuple[Array, Array]:
    """Mean and standard deviation per channel (axis 1) over the training samples."""
    axes = (0, *range(2, x.ndim))
    mean = x.mean(axis=axes, keepdims=True)[0]
    std = x.std(axis=axes, keepdims=True)[0]
    return mean, np.where(std > 0, std, 1.0)


def _standard(x: Array, mean: Array, std: Array) -> Array:
    return ((x - mean) / std).astype(np.float32)


def fingerprint(arrays: tuple[Array | None, ...], classes: int, settings: str) -> str:
    """sha256 over the classes, the split settings and every array's dtype, shape and bytes."""
    digest = hashlib.sha256(f"classes={classes} split={settings}".encode())
    for array in arrays:
        if array is None:
            digest.update(b"none")
            continue
        array = np.ascontiguousarray(array)
        digest.update(f"{array.dtype.str}{array.shape}".encode())
        digest.update(array.tobytes())
    return digest.hexdigest()
