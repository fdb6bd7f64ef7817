"""The weights of a torch.export `.pt2` archive, read without torch and without unpickling.

A `.pt2` file is a zip archive. Its ``data/weights/model_weights_config.json``
names, for every parameter and buffer, the archive entry that stores it, its
dtype, sizes, strides and storage offset; the entry holds the raw little-endian
storage. Loading the archive with ``torch.export.load`` would unpickle every entry
that the config marks ``use_pickle`` (arbitrary code); here such an entry is
refused, and every other one is read as plain numbers with numpy, its view checked
to lie inside its storage.

>>> state = read_state("model.pt2")             # doctest: +SKIP
>>> state["layers.0.weight"].shape              # doctest: +SKIP
(16, 3, 3, 3)
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from nasc.backends.weight_files import WeightFileRefused, max_weight_bytes

_CONFIG = "data/weights/model_weights_config.json"
_WEIGHTS = "data/weights/"

# torch._export.serde.schema.ScalarType -> numpy dtype (the numeric types only)
_DTYPES: dict[int, str] = {
    1: "u1",  # BYTE
    2: "i1",  # CHAR
    3: "i2",  # SHORT
    4: "i4",  # INT
    5: "i8",  # LONG
    6: "f2",  # HALF
    7: "f4",  # FLOAT
    8: "f8",  # DOUBLE
    12: "?",  # BOOL
}


def read_state(path: str | Path) -> dict[str, NDArray[Any]]:
    """Every parameter and buffer the archive stores, by its state-dict name.

    Raises `WeightFileRefused` (or zipfile's, json's errors) when the archive is
    not a `.pt2` file, has pickled entries, or describes tensors outside their storage.
    """
    with zipfile.ZipFile(path) as archive:
        prefix = _prefix(archive)
        if prefix + "byteorder" in archive.namelist():
            order = archive.read(prefix + "byteorder").decode("ascii", "replace").strip()
            if order != "little":
                raise WeightFileRefused(f"byte order '{order}' (nasc reads little-endian)")
        config = json.loads(_bounded(archive, prefix + _CONFIG))
        entries = config.get("config") if isinstance(config, dict) else None
        if not isinstance(entries, dict):
            raise WeightFileRefused(f"{_CONFIG} has no 'config' mapping")
        storages: dict[tuple[str, str], NDArray[Any]] = {}
        state = {}
        for name, entry in entries.items():
            state[str(name)] = _tensor(archive, prefix, str(name), entry, storages)
        return state


def _prefix(archive: zipfile.ZipFile) -> str:
    """The archive's top folder (torch names it after the file)."""
    for name in archive.namelist():
        if name.endswith(_CONFIG):
            return name[: -len(_CONFIG)]
    raise WeightFileRefused(f"not a torch.export archive: it has no {_CONFIG}")


def _bounded(archive: zipfile.ZipFile, name: str) -> bytes:
    info = archive.getinfo(name)
    if info.file_size > max_weight_bytes():
        raise WeightFileRefused(f"entry {name} unpacks to {info.file_size:,} bytes")
    return archive.read(info)


def _int(value: Any, what: str) -> int:
    """A symbolic-int field of the schema (``{"as_int": 3}``) as a non-negative int."""
    number = value.get("as_int") if isinstance(value, Mapping) else None
    if not isinstance(number, int) or isinstance(number, bool) or number < 0:
        raise WeightFileRefused(f"{what} is not a non-negative integer")
    return number


def _tensor(
    archive: zipfile.ZipFile,
    prefix: str,
    name: str,
    entry: Any,
    storages: dict[tuple[str, str], NDArray[Any]],
) -> NDArray[Any]:
    if not isinstance(entry, Mapping):
        raise WeightFileRefused(f"weight '{name}' has no description")
    if entry.get("use_pickle", False) is not False:
        raise WeightFileRefused(
            f"weight '{name}' is stored as a pickle, which nasc never loads (it can run code)"
        )
    meta = entry.get("tensor_meta")
    file = entry.get("path_name")
    if not isinstance(meta, Mapping) or not isinstance(file, str) or "/" in file or ".." in file:
        raise WeightFileRefused(f"weight '{name}' has a malformed entry")
    dtype = _DTYPES.get(meta.get("dtype", -1)) if isinstance(meta.get("dtype"), int) else None
    if dtype is None:
        raise WeightFileRefused(f"weight '{name}' has an unsupported dtype {meta.get('dtype')!r}")
    sizes, strides = meta.get("sizes"), meta.get("strides")
    if not isinstance(sizes, list) or not isinstance(strides, list) or len(sizes) != len(strides):
        raise WeightFileRefused(f"weight '{name}' has malformed sizes or strides")
    shape = tuple(_int(s, f"a size of '{name}'") for s in sizes)
    steps = tuple(_int(s, f"a stride of '{name}'") for s in strides)
    offset = _int(meta.get("storage_offset"), f"the storage offset of '{name}'")
    key = (file, dtype)
    if key not in storages:
        raw = _bounded(archive, prefix + _WEIGHTS + file)
        item = np.dtype(dtype).itemsize
        storages[key] = np.frombuffer(raw[: len(raw) - len(raw) % item], dtype="<" + dtype)
    storage = storages[key]
    if 0 in shape:
        return np.zeros(shape, dtype=storage.dtype)
    last = offset + sum((n - 1) * s for n, s in zip(shape, steps, strict=True))
    if last >= storage.size:
        raise WeightFileRefused(f"weight '{name}' reaches past the end of its storage {file}")
    view = np.lib.stride_tricks.as_strided(
        storage[offset:],
        shape=shape,
        strides=tuple(s * storage.itemsize for s in steps),
        writeable=False,
    )
    return np.array(view)


__all__ = ["read_state"]
