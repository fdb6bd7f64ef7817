"""The file a backend writes: its suffix checked, one E802 error that names the fix.

A path without the backend's suffix is refused rather than written, so that no
framework later warns about (or mis-reads) a file nasc wrote.
"""

from __future__ import annotations

from pathlib import Path

from nasc.dsl import NascError
from nasc.dsl.diagnostics import error


def check_suffix(path: str | Path, suffix: str, what: str) -> None:
    """Raise E802 unless ``path`` ends in ``suffix``; ``what`` names the file kind.

    >>> check_suffix("model.onnx", ".onnx", "ONNX model")
    >>> try:
    ...     check_suffix("model", ".onnx", "ONNX model")
    ... except NascError as exc:
    ...     print(exc.diagnostics[0].message)
    an ONNX model must end in .onnx: got model
    """
    target = Path(path)
    if target.suffix == suffix:
        return
    raise NascError(
        error(
            "E802",
            f"{_article(what)} {what} must end in {suffix}: got {path}",
            None,
            f"name the output {target.with_suffix(suffix).name}",
        )
    )


def _article(word: str) -> str:
    return "an" if word[:1].lower() in "aeiou" else "a"
