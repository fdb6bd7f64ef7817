"""Diagnostics as values: what is wrong, where, and what to do about it.

Every check in nasc returns these instead of raising, so that a file's problems
are all reported at once, sorted by position, in the familiar compiler form::

    space.nas:4:12: error[E200]: unknown name 'conv3x4'; did you mean 'conv3x3'?
        CONV ::= conv3x4 | conv1x1
                 ^^^^^^^
"""

from __future__ import annotations

import difflib
import enum
from collections.abc import Iterable
from dataclasses import dataclass, field


class Severity(enum.Enum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True, order=True)
class Span:
    """A range of source text: 1-based lines, 1-based columns counted in characters."""

    path: str
    line: int
    col: int
    end_line: int
    end_col: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}"


@dataclass(frozen=True, slots=True)
class Diagnostic:
    code: str
    severity: Severity
    message: str
    span: Span | None
    notes: tuple[str, ...] = field(default=())

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def sort_key(self) -> tuple[str, int, int, str, str]:
        if self.span is None:
            return ("", 0, 0, self.code, self.message)
        return (self.span.path, self.span.line, self.span.col, self.code, self.message)


def error(code: str, message: str, span: Span | None, *notes: str) -> Diagnostic:
    return Diagnostic(code, Severity.ERROR, message, span, notes)


def warning(code: str, message: str, span: Span | None, *notes: str) -> Diagnostic:
    return Diagnostic(code, Severity.WARNING, message, span, notes)


class NascError(Exception):
    """The one root exception of nasc: carries the diagnostics that explain it."""

    def __init__(self, diagnostics: list[Diagnostic] | Diagnostic) -> None:
        self.diagnostics = [diagnostics] if isinstance(diagnostics, Diagnostic) else diagnostics
        super().__init__("; ".join(d.message for d in self.diagnostics))


def format_diagnostic(diag: Diagnostic, sources: dict[str, str] | None = None) -> str:
    """gcc-style text: location, severity and code, message, source line, caret, notes."""
    where = f"{diag.span}: " if diag.span else "nasc: "
    lines = [f"{where}{diag.severity.value}[{diag.code}]: {diag.message}"]
    text = sources.get(diag.span.path) if (sources and diag.span) else None
    if diag.span and text is not None:
        source_lines = text.splitlines()
        if 0 < diag.span.line <= len(source_lines):
            line = source_lines[diag.span.line - 1].expandtabs(1)
            start = diag.span.col - 1
            stop = diag.span.end_col - 1 if diag.span.end_line == diag.span.line else len(line)
            width = max(1, min(stop, len(line)) - start)
            lines.append(f"    {line}")
            lines.append("    " + " " * start + "^" * width)
    lines.extend(f"    note: {note}" for note in diag.notes)
    return "\n".join(lines)


def format_all(diagnostics: list[Diagnostic], sources: dict[str, str] | None = None) -> str:
    ordered = sorted(diagnostics, key=Diagnostic.sort_key)
    return "\n".join(format_diagnostic(d, sources) for d in ordered)


def summary(diagnostics: list[Diagnostic]) -> str:
    errors = sum(d.is_error for d in diagnostics)
    warnings = len(diagnostics) - errors
    parts = []
    if errors:
        parts.append(f"{errors} error{'s' * (errors != 1)}")
    if warnings:
        parts.append(f"{warnings} warning{'s' * (warnings != 1)}")
    return ", ".join(parts) if parts else "no problems"


def suggest(name: str, candidates: Iterable[str]) -> str:
    """ "; did you mean 'x'?" when a candidate is close to ``name``, else "".

    >>> suggest("conv3x4", ["conv3x3", "relu"])
    "; did you mean 'conv3x3'?"
    """
    close = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""
