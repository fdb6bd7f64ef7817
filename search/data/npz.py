"""User data as a `.npz` file: ``x_train``, ``y_train`` and optional val/test arrays.

Arrays are read with ``allow_pickle=False``: a file holding pickled objects is refused,
so reading data never runs code from it.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np

from nasc.search.data.dataset import Array, RawSplits
from nasc.search.data.errors import MALFORMED, UNREADABLE, dataset_error

REQUIRED = ("x_train", "y_train")
OPTIONAL = ("x_val", "y_val", "x_test", "y_test")


def read(path: Path) -> RawSplits:
    """The arrays of ``path``; NascError naming the file and key when one is wrong."""
    if not path.is_file():
        raise dataset_error(UNREADABLE, f"dataset file '{path}' does not exist")
    arrays: dict[str, Array] = {}
    try:
        with np.load(path, allow_pickle=False) as archive:
            names = set(archive.files)
            missing = [key for key in REQUIRED if key not in names]
            if missing:
                raise dataset_error(
                    MALFORMED,
                    f"{path}: no key '{missing[0]}'; found {sorted(names) or 'no arrays'}",
                    f"expected keys {', '.join(REQUIRED)}, optionally {', '.join(OPTIONAL)}",
                )
            unknown = sorted(names - set(REQUIRED) - set(OPTIONAL))
            if unknown:
                raise dataset_error(
                    MALFORMED,
                    f"{path}: unexpected key '{unknown[0]}'",
                    f"expected keys {', '.join(REQUIRED)}, optionally {', '.join(OPTIONAL)}",
                )
            for key in sorted(names):
                arrays[key] = _array(path, archive, key)
    except (OSError, EOFError, ValueError, zipfile.BadZipFile) as exc:
        # numpy reads a file that is no zip archive as a pickle, and refuses (ValueError)
        raise dataset_error(
            UNREADABLE,
            f"cannot read '{path}' as a .npz file: {exc}",
            "write it with numpy.savez(path, x_train=..., y_train=...)",
        ) from None
    return RawSplits(
        origin=str(path),
        x_train=arrays["x_train"],
        y_train=arrays["y_train"],
        x_val=arrays.get("x_val"),
        y_val=arrays.get("y_val"),
        x_test=arrays.get("x_test"),
        y_test=arrays.get("y_test"),
    )


def _array(path: Path, archive: np.lib.npyio.NpzFile, key: str) -> Array:
    try:
        return np.asarray(archive[key])
    except ValueError as exc:
        # numpy refuses object arrays when allow_pickle is False
        raise dataset_error(
            MALFORMED,
            f"{path}: '{key}' cannot be read without unpickling objects ({exc})",
            "save plain numeric arrays (np.savez(path, x_train=..., y_train=...))",
        ) from None
