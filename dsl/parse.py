"""Reading `.nas` text into textX's syntax model, with syntax errors as diagnostics.

The syntax model is syntax only: `nasc.compiler.check.lower` is the one module that
reads it. Parsing never executes anything from the file.
"""

from __future__ import annotations

import bisect
import contextlib
import functools
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from typing import Any

from textx import metamodel_from_str
from textx.exceptions import TextXSyntaxError

from nasc.dsl.diagnostics import NascError, Span, error

GRAMMAR_FILE = "nas.tx"
STD_NAME = "std"
STD_DISPLAY_PATH = "<std>/std.nas"

_FRIENDLY = {
    "Name": "a name",
    "NumberText": "a number",
    "STRING": "a string",
    "BooleanText": "true or false",
    "INT": "an integer",
    "Weight": "a weight",
    "Layout": "a layout (channels, sequence or vector)",
    "EOF": "the end of the file",
}


@dataclass(frozen=True, slots=True)
class Source:
    """A file's text and the offsets of its lines, for positions in diagnostics."""

    path: str
    text: str
    line_starts: tuple[int, ...]

    @classmethod
    def of(cls, path: str, text: str) -> Source:
        starts = [0]
        starts.extend(i + 1 for i, ch in enumerate(text) if ch == "\n")
        return cls(path, text, tuple(starts))

    def position(self, offset: int) -> tuple[int, int]:
        """1-based (line, column) of a character offset."""
        index = bisect.bisect_right(self.line_starts, offset) - 1
        return index + 1, offset - self.line_starts[index] + 1

    def span(self, start: int, end: int) -> Span:
        line, col = self.position(start)
        end_line, end_col = self.position(max(start, end))
        return Span(self.path, line, col, end_line, end_col)

    def span_of(self, node: Any) -> Span:
        return self.span(node._tx_position, node._tx_position_end)


def grammar_text() -> str:
    return resources.files("nasc.dsl").joinpath(GRAMMAR_FILE).read_text(encoding="utf-8")


def std_text() -> str:
    return resources.files("nasc.dsl").joinpath("std.nas").read_text(encoding="utf-8")


@functools.cache
def metamodel() -> Any:
    """The textX metamodel of the language (built once per process)."""
    return metamodel_from_str(grammar_text(), memoization=False)


def decode(path: str, data: bytes) -> Source:
    """UTF-8 text of a file, or a diagnostic at the first byte that is not UTF-8."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        good = data[: exc.start].decode("utf-8")
        where = Source.of(path, good).span(len(good), len(good))
        raise NascError(
            error(
                "E101",
                f"the file is not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start})",
                where,
                "save the file as UTF-8",
            )
        ) from None
    if "\x00" in text:
        offset = text.index("\x00")
        raise NascError(
            error(
                "E101",
                "the file contains a NUL character: it is not a text file",
                Source.of(path, text).span(offset, offset + 1),
            )
        )
    return Source.of(path, text.removeprefix("\ufeff"))


def read_source(path: str) -> Source:
    """Read a file as UTF-8 text; an unreadable file is a diagnostic."""
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        raise NascError(error("E101", f"cannot read '{path}': {exc.strerror}", None)) from None
    return decode(path, data)


def _describe_expected(rules: list[Any]) -> str:
    names: list[str] = []
    for rule in rules:
        name = getattr(rule, "rule_name", "") or ""
        if name in _FRIENDLY:
            text = _FRIENDLY[name]
        elif hasattr(rule, "to_match"):
            text = f"'{rule.to_match}'"
        else:
            text = name or str(rule)
        if text not in names:
            names.append(text)
    if not names:
        return "something else"
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + " or " + names[-1]


RECURSION_LIMIT = 20_000


@contextlib.contextmanager
def deep_recursion() -> Iterator[None]:
    """Room for deeply nested terms: the parser and the passes recurse once per level."""
    previous = sys.getrecursionlimit()
    sys.setrecursionlimit(max(previous, RECURSION_LIMIT))
    try:
        yield
    finally:
        sys.setrecursionlimit(previous)


def parse(source: Source) -> Any:
    """The syntax model of a source, or NascError with an E100 syntax diagnostic."""
    try:
        with deep_recursion():
            return metamodel().model_from_str(source.text, file_name=source.path)
    except RecursionError:
        raise NascError(
            error(
                "E100",
                "syntax error: the terms are nested too deeply to read",
                source.span(0, 0),
                "split deeply nested terms into rules",
            )
        ) from None
    except TextXSyntaxError as exc:
        offset = source.line_starts[exc.line - 1] + exc.col - 1
        found = source.text[offset : offset + 1]
        end = offset + 1 if found and not found.isspace() else offset
        if found.isalnum() or found == "_":
            while end < len(source.text) and (
                source.text[end].isalnum() or source.text[end] == "_"
            ):
                end += 1
        what = repr(source.text[offset:end]) if end > offset else "the end of the line"
        if offset >= len(source.text):
            what = "the end of the file"
        expected = _describe_expected(list(getattr(exc, "expected_rules", []) or []))
        raise NascError(
            error(
                "E100", f"syntax error: expected {expected}, found {what}", source.span(offset, end)
            )
        ) from None
