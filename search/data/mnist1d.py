"""MNIST-1D (Greydanus 2020), generated offline by the `mnist1d` package.

``make_dataset`` with the package's default arguments gives the official split: 4,000
training and 1,000 test signals of 40 samples, 10 classes. The package's ``get_dataset``
is never called: it downloads. The result is cached as `.npz`, keyed by the arguments
and the package version, so the signals are generated once per machine.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import random
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np

from nasc.search.data.cache import cache_dir, read_npz, write_npz
from nasc.search.data.dataset import Array, RawSplits

KEYS = ("x", "y", "x_test", "y_test")
# the URL only tells `get_dataset` where to download from; it does not shape the data
_NOT_GENERATION = ("url",)


def generation_args() -> dict[str, Any]:
    """The package's default arguments of ``make_dataset``, minus the download URL."""
    from mnist1d.data import get_dataset_args

    args: dict[str, Any] = get_dataset_args(as_dict=True)
    return {k: v for k, v in args.items() if k not in _NOT_GENERATION}


def cache_path(args: dict[str, Any]) -> Path:
    """The cache file of the data generated from ``args``."""
    text = json.dumps({"args": args, "mnist1d": version("mnist1d")}, sort_keys=True)
    key = hashlib.sha256(text.encode()).hexdigest()[:16]
    return cache_dir() / f"mnist1d-{key}.npz"


def generate(args: dict[str, Any]) -> dict[str, Array]:
    """The arrays ``make_dataset`` produces from ``args``, global RNG states left as found.

    The generator seeds Python's and numpy's global random state itself; both are put
    back afterwards, so generating the data changes nothing else in the process.
    """
    from mnist1d.data import make_dataset
    from mnist1d.utils import ObjectView

    python_state = random.getstate()
    numpy_state = np.random.get_state()
    try:
        data = make_dataset(ObjectView(dict(args)))
    finally:
        random.setstate(python_state)
        np.random.set_state(numpy_state)
    return {
        "x": np.asarray(data["x"]),
        "y": np.asarray(data["y"]),
        "x_test": np.asarray(data["x_test"]),
        "y_test": np.asarray(data["y_test"]),
    }


def arrays() -> dict[str, Array]:
    """The MNIST-1D arrays from the cache, generated (and cached) when absent."""
    args = generation_args()
    path = cache_path(args)
    found = read_npz(path, KEYS)
    if found is not None:
        return found
    generated = generate(args)
    with contextlib.suppress(OSError):  # an unwritable cache costs a regeneration next time
        write_npz(path, generated)
    return generated


def read() -> RawSplits:
    """MNIST-1D as [samples, 1, 40] signals with the official train/test split."""
    data = arrays()
    return RawSplits(
        origin="mnist1d",
        x_train=data["x"][:, None, :],
        y_train=data["y"],
        x_test=data["x_test"][:, None, :],
        y_test=data["y_test"],
    )
