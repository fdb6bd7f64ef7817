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


SHOWN_COLUMNS = 160
"""Source lines longer than this are shown as a window around the caret."""
MAX_MESSAGE_CHARS = 600
"""Messages (and notes) longer than this are cut in the middle."""
SHOWN_PER_CODE = 20
"""Per file and code, at most this many diagnostics are printed in full; the rest are counted."""


def _clip(text: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    if len(text) <= limit:
        return text
    half = limit // 2
    return f"{text[:half]} … ({len(text) - 2 * half:,} characters) … {text[-half:]}"


def _window(line: str, start: int, stop: int) -> tuple[str, int, int]:
    """At most `SHOWN_COLUMNS` of ``line`` around columns [start, stop), re-based."""
    if len(line) <= SHOWN_COLUMNS:
        return line, start, stop
    stop = min(stop, start + SHOWN_COLUMNS // 2)
    left = max(0, min(start - SHOWN_COLUMNS // 3, len(line) - SHOWN_COLUMNS))
    right = min(len(line), left + SHOWN_COLUMNS)
    head = "…" if left > 0 else ""
    tail = "…" if right < len(line) else ""
    return head + line[left:right] + tail, start - left + len(head), stop - left + len(head)


def format_diagnostic(diag: Diagnostic, sources: dict[str, str] | None = None) -> str:
    """gcc-style text: location, severity and code, message, source line, caret, notes.

    A long source line is shown as a window around the caret, and a very long
    message (one that quotes a huge term) is cut in the middle, so that one
    diagnostic never prints megabytes.
    """
    where = f"{diag.span}: " if diag.span else "nasc: "
    lines = [f"{where}{diag.severity.value}[{diag.code}]: {_clip(diag.message)}"]
    text = sources.get(diag.span.path) if (sources and diag.span) else None
    if diag.span and text is not None:
        source_lines = split_lines(text)
        if 0 < diag.span.line <= len(source_lines):
            line = source_lines[diag.span.line - 1].expandtabs(1)
            start = diag.span.col - 1
            stop = diag.span.end_col - 1 if diag.span.end_line == diag.span.line else len(line)
            line, start, stop = _window(line, start, stop)
            width = max(1, min(stop, len(line)) - start)
            lines.append(f"    {line}")
            lines.append("    " + " " * start + "^" * width)
    lines.extend(f"    note: {_clip(note)}" for note in diag.notes)
    return "\n".join(lines)


def split_lines(text: str) -> list[str]:
    """The lines of ``text``, ended by LF, CRLF or a lone CR (as positions count them)."""
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def format_all(diagnostics: list[Diagnostic], sources: dict[str, str] | None = None) -> str:
    """Every diagnostic, sorted by position; identical ones (same code, message and notes)
    are printed once with the places of the others, and past `SHOWN_PER_CODE` of one
    code in one file the rest are counted in one line."""
    ordered = sorted(diagnostics, key=Diagnostic.sort_key)
    groups: dict[tuple[str, str, tuple[str, ...]], list[Diagnostic]] = {}
    for diag in ordered:
        groups.setdefault((diag.code, diag.message, diag.notes), []).append(diag)
    shown: dict[tuple[str, str], int] = {}
    hidden: dict[tuple[str, str], list[Diagnostic]] = {}
    out = []
    for diag in ordered:
        same = groups[(diag.code, diag.message, diag.notes)]
        if same[0] is not diag:
            continue
        key = (diag.span.path if diag.span else "", diag.code)
        shown[key] = shown.get(key, 0) + 1
        if shown[key] > SHOWN_PER_CODE:
            hidden.setdefault(key, []).extend(same)
            continue
        text = format_diagnostic(diag, sources)
        if len(same) > 1:
            places = ", ".join(f"{d.span.line}:{d.span.col}" for d in same[1:6] if d.span)
            more = f" (at {places}{', …' if len(same) > 6 else ''})" if places else ""
            text += f"\n    note: {len(same) - 1:,} more identical{more}"
        out.append(text)
    for (path, code), rest in hidden.items():
        lines = sorted({d.span.line for d in rest if d.span})
        where = f" on lines {lines[0]}–{lines[-1]}" if lines else ""
        out.append(
            f"{path or 'nasc'}: note: {len(rest):,} more {code} diagnostics{where} "
            f"(the first {SHOWN_PER_CODE} are shown)"
        )
    return "\n".join(out)


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
