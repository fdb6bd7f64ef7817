"""Weight files are data: how every backend opens one before it reads it.

A file given with ``--weights`` may come from anyone. Every reader first passes it
through `weight_file` (it must be a regular file, of a bounded size: never a FIFO,
a device or a directory), then reads inside `reading`, which turns any failure of
the framework's parser (a truncated archive, garbage, a protobuf error) into one
E801 diagnostic instead of a traceback. No reader ever unpickles: `.pt2` archives
are parsed by `nasc.backends._torch.pt2`, `.pt` state dicts go through torch's
``weights_only`` unpickler, `.npz` sets are read with ``allow_pickle=False``,
`.keras` files only give their weight arrays to a model nasc builds itself, and
ONNX external data may not leave the model's folder.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from nasc.dsl import NascError
from nasc.dsl.diagnostics import error

# the largest weight file nasc reads (bytes); NASC_MAX_WEIGHT_BYTES raises it
MAX_WEIGHT_BYTES = 16 * 2**30


WEIGHT_FILES = (
    "a torch state dict (torch.save(model.state_dict(), path)), a .pt2, .onnx or .keras "
    "model that nasc compiled, or a .npz weight set"
)


def unreadable(path: str | Path, what: str, exc: Exception) -> NascError:
    """E801: ``path`` cannot be read as ``what``; says which files hold weights."""
    return NascError(
        error("E801", f"{path}: cannot read {what} ({exc})", None, f"give {WEIGHT_FILES}")
    )


def max_weight_bytes() -> int:
    """The size limit on weight files: ``NASC_MAX_WEIGHT_BYTES`` or 16 GiB."""
    value = os.environ.get("NASC_MAX_WEIGHT_BYTES", "")
    return int(value) if value.isdigit() else MAX_WEIGHT_BYTES


class WeightFileRefused(ValueError):
    """The file is not one nasc reads weights from (the reason is the message)."""


def weight_file(path: str | Path, what: str) -> Path:
    """``path`` as an absolute path, once it is known to be a regular file of at most
    `max_weight_bytes` bytes; NascError E801 naming why otherwise."""
    path = Path(path)
    try:
        info = os.stat(path)
    except OSError as exc:
        raise unreadable(path, what, WeightFileRefused(exc.strerror or str(exc))) from None
    if not stat.S_ISREG(info.st_mode):
        kind = "a directory" if stat.S_ISDIR(info.st_mode) else "not a regular file"
        raise unreadable(path, what, WeightFileRefused(f"{kind}: weights are read from files"))
    limit = max_weight_bytes()
    if info.st_size > limit:
        raise unreadable(
            path,
            what,
            WeightFileRefused(
                f"{info.st_size:,} bytes, over the {limit:,}-byte limit (NASC_MAX_WEIGHT_BYTES)"
            ),
        )
    return path.absolute()


@contextmanager
def reading(path: str | Path, what: str) -> Iterator[None]:
    """Turn any failure while parsing ``path`` as ``what`` into NascError E801.

    A weight file is untrusted input, so every exception its parser raises (not
    only the ones a framework documents) means that the file cannot be read.
    """
    try:
        yield
    except NascError:
        raise
    except Exception as exc:  # any parser failure on untrusted bytes is E801
        raise unreadable(path, what, exc) from None


__all__ = [
    "MAX_WEIGHT_BYTES",
    "WEIGHT_FILES",
    "WeightFileRefused",
    "max_weight_bytes",
    "reading",
    "unreadable",
    "weight_file",
]
