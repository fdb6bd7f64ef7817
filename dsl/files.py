"""Reading an input file safely: regular files only, of a bounded size.

Every file nasc reads as text (a space, an import, ``--arch @FILE``) goes
through `read_bytes`: a FIFO, a device (``/dev/zero``, ``/dev/stdin``), a folder
or a file over `max_source_bytes` is refused with a diagnostic before a byte is
read, so that no input can block a command or the language server, or fill memory.
"""

from __future__ import annotations

import os
import stat

from nasc.dsl.diagnostics import NascError, Span, error

# the largest text file nasc reads (bytes); NASC_MAX_SOURCE_BYTES changes it
MAX_SOURCE_BYTES = 64 * 2**20


def max_source_bytes() -> int:
    """The size limit on input text files: ``NASC_MAX_SOURCE_BYTES`` or 64 MiB."""
    value = os.environ.get("NASC_MAX_SOURCE_BYTES", "")
    return int(value) if value.isdigit() else MAX_SOURCE_BYTES


def _refused(path: str, info: os.stat_result) -> str | None:
    if stat.S_ISDIR(info.st_mode):
        return f"'{path}' is a folder, not a file"
    if not stat.S_ISREG(info.st_mode):
        kind = "a FIFO" if stat.S_ISFIFO(info.st_mode) else "a device or special file"
        return f"'{path}' is {kind}, not a regular file: nasc reads only regular files"
    limit = max_source_bytes()
    if info.st_size > limit:
        return (
            f"'{path}' has {info.st_size:,} bytes, over the limit of {limit:,} "
            "(NASC_MAX_SOURCE_BYTES)"
        )
    return None


def refusal(path: str) -> str | None:
    """Why ``path`` may not be read as an input file, or None when it may."""
    try:
        info = os.stat(path)
    except OSError as exc:
        return f"cannot read '{path}': {exc.strerror or exc}"
    return _refused(path, info)


def read_bytes(path: str, code: str = "E101", span: Span | None = None) -> bytes:
    """The bytes of the regular file ``path``; NascError ``code`` saying why it cannot be read.

    The file is opened without blocking and checked on the open descriptor, so a
    FIFO put in its place between a check and the read cannot stall the reader.
    """
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise NascError(error(code, f"cannot read '{path}': {exc.strerror or exc}", span)) from None
    with os.fdopen(fd, "rb") as handle:
        problem = _refused(path, os.fstat(fd))
        if problem is None:
            try:
                data = handle.read(max_source_bytes() + 1)
            except OSError as exc:
                problem = f"cannot read '{path}': {exc.strerror or exc}"
            else:
                if len(data) <= max_source_bytes():
                    return data
                problem = f"'{path}' grew past the size limit while it was read"
    raise NascError(error(code, problem, span))


__all__ = ["MAX_SOURCE_BYTES", "max_source_bytes", "read_bytes", "refusal"]
