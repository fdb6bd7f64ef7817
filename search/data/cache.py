"""Where generated datasets are kept, and writing them there atomically.

The cache lives in the user cache directory (``platformdirs``), under ``nasc/datasets``;
the environment variable ``NASC_CACHE_DIR`` moves it (the datasets go straight into it).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np

from nasc.search.data.dataset import Array

CACHE_ENV = "NASC_CACHE_DIR"


def cache_dir() -> Path:
    """The folder generated datasets are cached in (not created here)."""
    override = os.environ.get(CACHE_ENV)
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.user_cache_dir("nasc")) / "datasets"


def write_npz(path: Path, arrays: dict[str, Array]) -> None:
    """Save ``arrays`` to ``path`` so that a reader sees the whole file or none of it.

    The arrays go to a temporary file in the same folder, which is flushed to disk and
    then renamed over ``path``; a crash leaves at most a stray temporary file.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            np.savez(stream, allow_pickle=False, **arrays)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def read_npz(path: Path, keys: tuple[str, ...]) -> dict[str, Array] | None:
    """The arrays ``keys`` of a cached file; None when it is absent, unreadable or partial."""
    try:
        with np.load(path, allow_pickle=False) as archive:
            if not set(keys) <= set(archive.files):
                return None
            return {key: archive[key] for key in keys}
    except (OSError, ValueError, EOFError):
        return None
