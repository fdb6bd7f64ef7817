"""Trained weight sets in the run folder: ``weights/trial-<id>.npz``, written atomically.

``--keep-weights best`` (the default) keeps only the best trial's file, ``all``
every finished trial's, ``none`` no file.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from nasc.search.store.store import RunStore

KEEP = ("best", "all", "none")
FOLDER = "weights"


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file beside it and a rename,
    so that a reader sees either no file or the whole file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        with_missing_ok(Path(temporary))
        raise


def with_missing_ok(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()


def weights_name(trial_id: int) -> str:
    return f"{FOLDER}/trial-{trial_id}.npz"


def keep_weights(
    store: RunStore,
    policy: str,
    trial_id: int,
    data: bytes | None,
    best_before: int | None,
    is_best: bool,
) -> None:
    """Save a finished trial's weights as ``policy`` says; under ``best`` the previous
    best trial's file (``best_before``) goes once this one is better."""
    if data is None or policy == "none" or (policy == "best" and not is_best):
        return
    name = weights_name(trial_id)
    write_atomically(store.folder / name, data)
    store.set_weights(trial_id, name)
    if policy == "best" and best_before is not None and best_before != trial_id:
        previous = store.trial(best_before)
        if previous is not None and previous.weights:
            with_missing_ok(store.folder / previous.weights)
            store.set_weights(best_before, None)


__all__ = ["FOLDER", "KEEP", "keep_weights", "weights_name", "write_atomically"]
