"""CIFAR-10 and CIFAR-100 from the standard "python version" batch folders on disk.

The batches are pickles. They are read by an unpickler that admits only dicts, lists,
strings, bytes, numbers and numpy arrays: the only globals it resolves are numpy's
array and dtype reconstructors (and, for Python 3 pickles of protocol 2, latin-1 text
to bytes). Any other global a pickle names (``os.system``, ``builtins.open``, a class)
is refused before it is looked up, so a file put in the folder cannot run code.
Nothing is downloaded.

- CIFAR-10 (``cifar-10-batches-py``): ``data_batch_1`` ... ``data_batch_5`` and
  ``test_batch``, each a dict with ``data`` (uint8 [N, 3072]) and ``labels``.
- CIFAR-100 (``cifar-100-python``): ``train`` and ``test`` with ``data`` and
  ``fine_labels`` (the 100 classes).
"""

from __future__ import annotations

import importlib
import io
import pickle
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from nasc.search.data.dataset import Array, RawSplits
from nasc.search.data.errors import MALFORMED, UNREADABLE, dataset_error

# the globals a pickled numpy array needs, under the names numpy 1 and 2 give them
_RECONSTRUCT = ("numpy._core.multiarray", "_reconstruct")
_FROMBUFFER = ("numpy._core.numeric", "_frombuffer")
_ALLOWED: dict[tuple[str, str], tuple[str, str]] = {
    ("numpy.core.multiarray", "_reconstruct"): _RECONSTRUCT,
    _RECONSTRUCT: _RECONSTRUCT,
    ("numpy.core.numeric", "_frombuffer"): _FROMBUFFER,
    _FROMBUFFER: _FROMBUFFER,
    ("numpy", "ndarray"): ("numpy", "ndarray"),
    ("numpy", "dtype"): ("numpy", "dtype"),
}


@dataclass(frozen=True)
class Layout:
    """One CIFAR variant: its folder name, batch files, label key and class count."""

    folder: str
    train: tuple[str, ...]
    test: str
    labels: str
    classes: int


LAYOUTS = {
    "cifar10": Layout(
        "cifar-10-batches-py",
        tuple(f"data_batch_{i}" for i in range(1, 6)),
        "test_batch",
        "labels",
        10,
    ),
    "cifar100": Layout("cifar-100-python", ("train",), "test", "fine_labels", 100),
}


class RestrictedUnpickler(pickle.Unpickler):
    """Unpickles dicts, lists, strings, bytes, numbers and numpy arrays, and nothing else."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) == ("_codecs", "encode"):
            return _latin1_bytes
        target = _ALLOWED.get((module, name))
        if target is None:
            raise pickle.UnpicklingError(
                f"refused to load '{module}.{name}': only dicts, lists, strings, bytes, "
                "numbers and numpy arrays are read"
            )
        return getattr(importlib.import_module(target[0]), target[1])


def _latin1_bytes(text: object, encoding: object = "latin1") -> bytes:
    """How Python 3 pickles bytes at protocol 2: ``_codecs.encode(text, "latin1")``."""
    if not isinstance(text, str) or encoding not in ("latin1", "latin-1"):
        raise pickle.UnpicklingError(
            "refused to load '_codecs.encode' of anything but latin-1 text"
        )
    return text.encode("latin-1")


def restricted_load(data: bytes) -> Any:
    """The object pickled in ``data``, read with `RestrictedUnpickler` (Python 2 bytes kept)."""
    return RestrictedUnpickler(io.BytesIO(data), encoding="bytes").load()


def read(kind: str, directory: Path) -> RawSplits:
    """The training and test batches of ``kind`` (``cifar10``/``cifar100``) in ``directory``.

    ``directory`` is the batch folder itself or the folder that contains it.
    """
    layout = LAYOUTS[kind]
    folder = directory / layout.folder if (directory / layout.folder).is_dir() else directory
    if not folder.is_dir():
        raise dataset_error(UNREADABLE, f"{kind}: '{directory}' is not a folder")
    names = (*layout.train, layout.test)
    missing = [name for name in names if not (folder / name).is_file()]
    if missing:
        raise dataset_error(
            UNREADABLE,
            f"{kind}: '{folder}' lacks the batch file '{missing[0]}'",
            f"expected the python-version batches: {', '.join(names)}",
        )
    train = [_batch(folder / name, layout) for name in layout.train]
    x_test, y_test = _batch(folder / layout.test, layout)
    return RawSplits(
        origin=str(folder),
        x_train=np.concatenate([x for x, _ in train]),
        y_train=np.concatenate([y for _, y in train]),
        x_test=x_test,
        y_test=y_test,
    )


def _batch(path: Path, layout: Layout) -> tuple[Array, Array]:
    """Images [N, 3, 32, 32] (uint8) and labels [N] of one batch file."""
    try:
        content = restricted_load(path.read_bytes())
    except OSError as exc:
        raise dataset_error(UNREADABLE, f"cannot read '{path}': {exc.strerror}") from None
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError) as exc:
        raise dataset_error(
            MALFORMED, f"{path}: not a CIFAR batch: {exc}", "expected a python-version batch"
        ) from None
    if not isinstance(content, dict):
        raise dataset_error(
            MALFORMED, f"{path}: holds a {type(content).__name__}; expected a dict of arrays"
        )
    entries = {_text(key): value for key, value in content.items()}
    for key in ("data", layout.labels):
        if key not in entries:
            found = sorted(k for k in entries if isinstance(k, str))
            raise dataset_error(MALFORMED, f"{path}: no key '{key}'; found {found}")
    data = entries["data"]
    if not isinstance(data, np.ndarray) or data.dtype != np.uint8 or data.ndim != 2:
        raise dataset_error(
            MALFORMED,
            f"{path}: 'data' is {_describe(data)}; expected a uint8 array [N, 3072]",
        )
    if data.shape[1] != 3 * 32 * 32:
        raise dataset_error(
            MALFORMED, f"{path}: 'data' has shape {list(data.shape)}; expected [N, 3072]"
        )
    labels = _labels(path, layout.labels, entries[layout.labels])
    if len(labels) != len(data):
        raise dataset_error(
            MALFORMED,
            f"{path}: '{layout.labels}' has {len(labels)} labels; expected {len(data)}, "
            "one per row of 'data'",
        )
    return data.reshape(-1, 3, 32, 32), labels


def _labels(path: Path, key: str, value: object) -> Array:
    if isinstance(value, list) and all(
        isinstance(v, int) and not isinstance(v, bool) for v in value
    ):
        return np.asarray(value, dtype=np.int64)
    if isinstance(value, np.ndarray) and value.ndim == 1 and value.dtype.kind in "iu":
        return value.astype(np.int64)
    raise dataset_error(
        MALFORMED, f"{path}: '{key}' is {_describe(value)}; expected a list of integer labels"
    )


def _text(key: object) -> object:
    return key.decode("latin-1") if isinstance(key, bytes) else key


def _describe(value: object) -> str:
    if isinstance(value, np.ndarray):
        return f"a {value.dtype} array of shape {list(value.shape)}"
    return f"a {type(value).__name__}"
