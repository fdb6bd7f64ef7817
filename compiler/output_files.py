"""Writing an output file without ever losing data: one mechanism for every command.

Every file nasc writes (`nasc compile -o`, `nasc show -o`, `nasc fmt --write`, the
exports of a search run) goes through `output_file`:

* it refuses to write over any input of the command (the space, its imports,
  ``--arch @FILE``, ``--weights``), compared as files, through links;
* it refuses to replace an existing file that is not of the output's kind (a
  `.nas` grammar where a model goes) unless the caller passes ``force``, and never
  replaces what is not a regular file (a device, a FIFO, ``/proc``);
* it writes to a temporary file in the target's folder (inside a hidden folder
  of its own, under the target's name), flushes it to disk, and
  renames it over the target in one step: on any failure (disk full, read-only,
  permission) the old file is left as it was and the temporary file is removed;
* a failure is NascError E606 saying why, never a traceback.

>>> with output_file("model.onnx", ONNX, inputs=["space.nas"]) as temporary:  # doctest: +SKIP
...     write_model(temporary)
"""

from __future__ import annotations

import errno
import os
import shutil
import stat
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from nasc.dsl import NascError
from nasc.dsl.diagnostics import error


@dataclass(frozen=True)
class OutputKind:
    """What a command writes, and how to tell a file of that kind from its first bytes."""

    name: str
    looks_like: Callable[[Path], bool]
    folder: bool = False  # written as a directory (a TensorFlow SavedModel)


def _head(path: Path, size: int = 512) -> bytes:
    try:
        with open(path, "rb") as handle:
            return handle.read(size)
    except OSError:
        return b""


def _zip_with(*members: str) -> Callable[[Path], bool]:
    def looks_like(path: Path) -> bool:
        try:
            with zipfile.ZipFile(path) as archive:
                names = archive.namelist()
        except (OSError, zipfile.BadZipFile, ValueError):
            return False
        return all(any(name.endswith(member) for name in names) for member in members)

    return looks_like


def _text_starting(*prefixes: str) -> Callable[[Path], bool]:
    def looks_like(path: Path) -> bool:
        head = _head(path).lstrip()
        return any(head.startswith(prefix.encode()) for prefix in prefixes)

    return looks_like


def _onnx(path: Path) -> bool:
    # an ONNX ModelProto starts with field 1 (ir_version, a varint): byte 0x08
    head = _head(path, 16)
    return head[:1] == b"\x08" and b"\x00" not in head[1:2]


TORCH_PROGRAM = OutputKind("torch.export program (.pt2)", _zip_with("archive_format"))
ONNX = OutputKind("ONNX model", _onnx)
_KERAS_FILE = _zip_with("config.json", "model.weights.h5")
KERAS = OutputKind(
    "Keras model (.keras) or SavedModel folder",
    lambda path: (path / "saved_model.pb").is_file() if path.is_dir() else _KERAS_FILE(path),
    folder=True,
)
GRAPH_TEXT = OutputKind("graph listing", _text_starting("graph ["))
GRAPH_DOT = OutputKind("Graphviz DOT file", _text_starting("digraph"))
PNG = OutputKind("PNG image", lambda path: _head(path, 8) == b"\x89PNG\r\n\x1a\n")
WEIGHT_SET = OutputKind("weight set (.npz)", _zip_with(".npy"))
# a file rewritten in place (`nasc fmt --write`): it is its own kind
SAME_FILE = OutputKind("file of the same kind", lambda path: True)
# a model file by backend name (a backend not listed here is checked as "any model")
MODEL_KINDS = {"torch": TORCH_PROGRAM, "onnx": ONNX, "tensorflow": KERAS}


def model_kind(backend: str) -> OutputKind:
    """The kind of file a backend's export writes."""
    if backend in MODEL_KINDS:
        return MODEL_KINDS[backend]
    kinds = tuple(MODEL_KINDS.values())
    return OutputKind(f"{backend} model", lambda path: any(k.looks_like(path) for k in kinds))


def _problem(path: str | Path, message: str, *notes: str) -> NascError:
    return NascError(error("E606", f"cannot write {path}: {message}", None, *notes))


_REASONS = {
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk quota is exhausted",
    errno.EFBIG: "the file would be larger than this system allows",
    errno.EROFS: "the file system is read-only",
    errno.EACCES: "permission denied",
    errno.EPERM: "the operation is not permitted here",
    errno.ENOENT: "no such folder",
    errno.ENOTDIR: "a part of the path is not a folder",
    errno.EISDIR: "it is a folder",
    errno.ENAMETOOLONG: "the name is too long",
}


def reason(exc: OSError) -> str:
    """A short, plain explanation of why writing failed."""
    return _REASONS.get(exc.errno or 0, exc.strerror or str(exc))


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.realpath(a) == os.path.realpath(b)


def check_target(
    path: str | Path, kind: OutputKind, inputs: Iterable[str | Path] = (), force: bool = False
) -> Path:
    """The real path to write ``path`` at, once it is safe to (else NascError E606/E607/E608)."""
    target = Path(os.path.realpath(path))
    for given in inputs:
        if str(given) and _same_file(target, Path(given)):
            raise NascError(
                error(
                    "E607",
                    f"refusing to write {path}: it is an input of this command ({given})",
                    None,
                    "write the output to another file",
                )
            )
    folder = target.parent
    if not folder.is_dir():
        raise _problem(path, f"the folder {folder} does not exist", "create it first")
    try:
        info = os.stat(target)
    except FileNotFoundError:
        return target
    except OSError as exc:
        raise _problem(path, reason(exc)) from None
    if stat.S_ISDIR(info.st_mode) and kind.folder:
        if any(target.iterdir()) and not force and not kind.looks_like(target):
            raise NascError(
                error(
                    "E608",
                    f"refusing to replace the folder {path}: it is not empty and not a {kind.name}",
                    None,
                    "give another output, or --force to replace it",
                )
            )
        return target
    if not stat.S_ISREG(info.st_mode):
        what = "a folder" if stat.S_ISDIR(info.st_mode) else "not a regular file"
        raise _problem(path, f"it is {what}", "name a regular file to write")
    if info.st_size and not force and not kind.looks_like(target):
        raise NascError(
            error(
                "E608",
                f"refusing to overwrite {path}: it exists and is not a {kind.name}",
                None,
                "give another output file, or --force to replace it",
            )
        )
    return target


@contextmanager
def output_file(
    path: str | Path,
    kind: OutputKind,
    *,
    inputs: Iterable[str | Path] = (),
    force: bool = False,
) -> Iterator[Path]:
    """A temporary path beside ``path`` (same folder, same name) to write the output to; when the
    block ends without error it replaces ``path`` in one rename, else it is removed and
    ``path`` is untouched. See the module's docstring for what is refused."""
    target = check_target(path, kind, inputs, force)
    try:
        folder = Path(tempfile.mkdtemp(prefix=".nasc-", dir=target.parent))
    except OSError as exc:
        raise _problem(path, f"no file can be created in {target.parent} ({reason(exc)})") from None
    temporary = folder / target.name  # the same name: writers that check suffixes agree
    as_folder = kind.folder and (target.is_dir() or target.suffix in FOLDER_SUFFIXES)
    try:
        try:
            if as_folder:
                temporary.mkdir()
            yield temporary
            if as_folder:
                _replace_folder(temporary, target, folder / ".previous")
            else:
                if not temporary.is_file():
                    raise _problem(path, "the writer produced no file")
                _flush(temporary)
                _permissions(temporary, target)
                os.replace(temporary, target)
        except NascError as exc:
            raise _renamed(exc, temporary, path) from None
        except OSError as exc:
            raise _problem(path, reason(exc), "the previous file, if any, is unchanged") from None
        except Exception as exc:  # a framework's writer failing mid-file (torch, onnx, keras)
            raise _problem(path, f"{type(exc).__name__}: {exc}") from None
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _renamed(exc: NascError, temporary: Path, path: str | Path) -> NascError:
    """``exc`` with the temporary file's path replaced by the output's own."""

    def fix(text: str) -> str:
        return text.replace(str(temporary), str(path))

    return NascError(
        [
            replace(d, message=fix(d.message), notes=tuple(fix(n) for n in d.notes))
            for d in exc.diagnostics
        ]
    )


FOLDER_SUFFIXES = (".savedmodel",)
"""Outputs with these suffixes (or an existing folder) are folders, for kinds that allow it."""


def _replace_folder(new: Path, target: Path, previous: Path) -> None:
    """Put the folder ``new`` at ``target``; an old folder there is moved aside first, and
    back if the second rename fails (it is removed with the temporary folder)."""
    moved = False
    if target.exists():
        os.replace(target, previous)
        moved = True
    try:
        os.replace(new, target)
    except OSError:
        if moved:
            os.replace(previous, target)
        raise


def _flush(path: Path) -> None:
    with open(path, "rb+") as handle:
        os.fsync(handle.fileno())


def _permissions(temporary: Path, target: Path) -> None:
    """The mode the file would have had if written in place: the old file's, or umask's."""
    try:
        mode = stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    os.chmod(temporary, mode)


def write_output(
    path: str | Path,
    content: str | bytes,
    kind: OutputKind,
    *,
    inputs: Iterable[str | Path] = (),
    force: bool = False,
) -> None:
    """Write ``content`` (text is UTF-8, line ends as given) to ``path`` atomically."""
    data = content.encode("utf-8") if isinstance(content, str) else content
    with output_file(path, kind, inputs=inputs, force=force) as temporary:
        temporary.write_bytes(data)


__all__ = [
    "GRAPH_DOT",
    "GRAPH_TEXT",
    "KERAS",
    "ONNX",
    "PNG",
    "SAME_FILE",
    "TORCH_PROGRAM",
    "WEIGHT_SET",
    "OutputKind",
    "check_target",
    "model_kind",
    "output_file",
    "reason",
    "write_output",
]
