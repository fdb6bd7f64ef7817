"""Reading `.nas` text into textX's syntax model, with syntax errors as diagnostics.

The syntax model is syntax only: `nasc.compiler.check.lower` is the one module that
reads it. Parsing never executes anything from the file.
"""

from __future__ import annotations

import bisect
import contextlib
import functools
import re
import sys
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from textx import metamodel_from_str
from textx.exceptions import TextXSyntaxError

from nasc.dsl.diagnostics import Diagnostic, NascError, Span, error
from nasc.dsl.files import read_bytes

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


_LINE_END = re.compile(r"\r\n?|\n")


def line_starts(text: str) -> list[int]:
    """Offsets where lines start: after ``\\n``, ``\\r\\n`` or a lone ``\\r``."""
    return [0, *(match.end() for match in _LINE_END.finditer(text))]


@dataclass(frozen=True, slots=True)
class Source:
    """A file's text and the offsets of its lines, for positions in diagnostics."""

    path: str
    text: str
    line_starts: tuple[int, ...]

    @classmethod
    def of(cls, path: str, text: str) -> Source:
        return cls(path, text, tuple(line_starts(text)))

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
    """Read a regular file as UTF-8 text; an unreadable or special file is a diagnostic."""
    return decode(path, read_bytes(path))


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


MAX_NUMBER_DIGITS = 1000
"""The most digits a number in a `.nas` file may have (Python itself stops at 4,300)."""
_STRINGS_COMMENTS_NUMBERS = re.compile(
    r'"(?:\\.|[^"\\])*"|\'(?:\\.|[^\'\\])*\'|#[^\n]*|(\d{' + str(MAX_NUMBER_DIGITS + 1) + ",})"
)


def long_numbers(source: Source) -> list[Diagnostic]:
    """E203 for every number with more than `MAX_NUMBER_DIGITS` digits (outside strings
    and comments): such a number is no size, weight or bound nasc can use."""
    found = []
    for match in _STRINGS_COMMENTS_NUMBERS.finditer(source.text):
        if match.group(1) is not None:
            found.append(
                error(
                    "E203",
                    f"a number of {len(match.group(1)):,} digits: nasc reads numbers of at "
                    f"most {MAX_NUMBER_DIGITS:,} digits",
                    source.span(match.start(1), match.start(1) + 1),
                )
            )
    return found


@dataclass
class EmptyModule:
    """The syntax model of a text with no statements (empty, blank or only comments)."""

    statements: list[Any] = field(default_factory=list)


def parse(source: Source) -> Any:
    """The syntax model of a source, or NascError with an E100 syntax diagnostic."""
    too_long = long_numbers(source)
    if too_long:
        raise NascError(too_long)
    try:
        with deep_recursion():
            # textX reads the file from disk when given no text, and returns a string
            # for a text without statements: both are an empty module here
            model = metamodel().model_from_str(source.text or "\n", file_name=source.path)
            return EmptyModule() if isinstance(model, str) else model
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
        what, end, note = _found(source.text, offset)
        expected = _describe_expected(list(getattr(exc, "expected_rules", []) or []))
        raise NascError(
            error(
                "E100",
                f"syntax error: expected {expected}, found {what}",
                source.span(offset, end),
                *([note] if note else []),
            )
        ) from None


def _found(text: str, offset: int) -> tuple[str, int, str | None]:
    """What stands at ``offset`` where the parser stopped, as an error names it: the
    word there, the end of a line or of the file, or a non-ASCII character by its
    Unicode name (a no-break space, a Cyrillic letter that looks Latin); then the end
    of the span to mark, and a note."""
    if offset >= len(text):
        return "the end of the file", offset, None
    char = text[offset]
    if char in "\r\n":
        return "the end of the line", offset, None
    start = end = offset
    while start > 0 and (text[start - 1].isalnum() or text[start - 1] == "_"):
        start -= 1
    while end < len(text) and (text[end].isalnum() or text[end] == "_"):
        end += 1
    if not char.isascii():
        name = unicodedata.name(char, "an unnamed character")
        what = f"non-ASCII U+{ord(char):04X} {name}"
        if end - start > 1:
            what += f" in {text[start:end]!r}"
        return what, offset + 1, "nasc reads ASCII only outside strings and comments: retype it"
    if char.isalnum() or char == "_":
        return repr(text[offset:end]), end, None
    return repr(char), offset + (not char.isspace()), None
