"""``--arch``: an architecture named on the command line, the same way in every command.

``--arch`` takes a term (``Sequential(conv3x3, relu)``), the JSON of a derivation
(what ``--format json`` prints), or ``@FILE`` holding either. Errors in a term read
from a file point at the file's own line and column; a term's errors show the
term (cut around the caret when it is long).
"""

from __future__ import annotations

import json

from nasc.compiler.derive.derivation import Derivation, from_json
from nasc.compiler.derive.terms import TERM_PATH, parse_term
from nasc.compiler.space import Space
from nasc.dsl import NascError, Source
from nasc.dsl.diagnostics import Diagnostic, error
from nasc.dsl.files import read_bytes


class ArchitectureError(NascError):
    """A NascError that carries the text its diagnostics point into."""

    def __init__(self, diagnostics: list[Diagnostic], sources: dict[str, str]) -> None:
        super().__init__(diagnostics)
        self.sources = sources


def read_term_file(path: str) -> str:
    """The text of the file ``path`` (``--arch @FILE``); E605 when it cannot be read."""
    data = read_bytes(path, "E605")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise NascError(
            error("E605", f"'{path}' is not UTF-8 text (byte offset {exc.start})", None)
        ) from None


def _moved(diag: Diagnostic, source: Source, lead: int) -> Diagnostic:
    """``diag`` with its span in the term moved to where the term sits in ``source``."""
    span = diag.span
    if span is None or span.path != TERM_PATH:
        return diag
    start = lead + span.col - 1
    end = lead + (span.end_col - 1 if span.end_line == span.line else span.col)
    moved = source.span(start, max(start, end))
    return Diagnostic(diag.code, diag.severity, diag.message, moved, diag.notes)


def read_architecture(space: Space, given: str) -> tuple[Derivation, str | None]:
    """The derivation ``--arch`` names, and the file it was read from (None for text)."""
    path = given[1:] if given.startswith("@") else None
    text = read_term_file(path) if path is not None else given
    origin = path if path is not None else TERM_PATH
    stripped = text.strip()
    lead = text.index(stripped) if stripped else 0
    if stripped.startswith("{"):
        try:
            data = json.loads(stripped)
        except ValueError as exc:
            raise NascError(
                error("E703", f"{origin}: the JSON derivation is malformed ({exc})", None)
            ) from None
        return from_json(space, data), path
    try:
        return parse_term(space, stripped), path
    except NascError as exc:
        if path is None:
            raise ArchitectureError(exc.diagnostics, {TERM_PATH: stripped}) from None
        source = Source.of(origin, text)
        moved = [_moved(d, source, lead) for d in exc.diagnostics]
        raise ArchitectureError(moved, {origin: text}) from None


__all__ = ["ArchitectureError", "read_architecture", "read_term_file"]
