"""The search's diagnostics: one constructor per situation, codes E950–E989.

E95x: the run store; E96x: strategies; E97x: the study and its objective.
"""

from __future__ import annotations

from nasc.dsl import NascError
from nasc.dsl.diagnostics import error


def search_error(code: str, message: str, *notes: str) -> NascError:
    """A NascError holding one error diagnostic without a source position."""
    return NascError(error(code, message, None, *notes))


__all__ = ["search_error"]
