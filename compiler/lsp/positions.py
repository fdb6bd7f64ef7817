"""Positions: character offsets of a text against LSP line/character positions.

nasc counts columns in characters; LSP counts them in code units of the encoding
agreed at initialisation (UTF-16 unless the client offers another). Lines end at
``\\n`` (a ``\\r`` before it belongs to no column that a position can name).
"""

from __future__ import annotations

import bisect

from lsprotocol import types

from nasc.dsl import Span


def _units(text: str, encoding: str) -> int:
    if encoding == types.PositionEncodingKind.Utf8:
        return len(text.encode("utf-8", "surrogatepass"))
    if encoding == types.PositionEncodingKind.Utf32:
        return len(text)
    return len(text) + sum(1 for char in text if ord(char) > 0xFFFF)


class LineIndex:
    """The lines of one text, for conversions between offsets and LSP positions.

    >>> index = LineIndex("a\\n\\U0001f600x = 1\\n")
    >>> position = index.position(4)
    >>> (position.line, position.character)
    (1, 3)
    >>> index.offset(types.Position(line=1, character=3))
    4
    """

    def __init__(self, text: str, encoding: str = types.PositionEncodingKind.Utf16) -> None:
        self.text = text
        self.encoding = encoding
        self.starts = [0]
        self.starts.extend(i + 1 for i, char in enumerate(text) if char == "\n")

    def _line_text(self, line: int) -> str:
        start = self.starts[line]
        end = self.starts[line + 1] - 1 if line + 1 < len(self.starts) else len(self.text)
        return self.text[start:end].removesuffix("\r")

    def position(self, offset: int) -> types.Position:
        offset = max(0, min(offset, len(self.text)))
        line = bisect.bisect_right(self.starts, offset) - 1
        column = min(offset - self.starts[line], len(self._line_text(line)))
        prefix = self.text[self.starts[line] : self.starts[line] + column]
        return types.Position(line=line, character=_units(prefix, self.encoding))

    def offset(self, position: types.Position) -> int:
        """The character offset of a position; positions past a line's end clamp to it."""
        if position.line < 0:
            return 0
        if position.line >= len(self.starts):
            return len(self.text)
        line_text = self._line_text(position.line)
        units = 0
        for column, char in enumerate(line_text):
            if units >= position.character:
                return self.starts[position.line] + column
            units += _units(char, self.encoding)
        return self.starts[position.line] + len(line_text)

    def range(self, start: int, end: int) -> types.Range:
        return types.Range(start=self.position(start), end=self.position(end))

    def span_range(self, span: Span) -> types.Range:
        """The LSP range of a span (1-based lines, 1-based character columns)."""
        return self.range(
            self._span_offset(span.line, span.col), self._span_offset(span.end_line, span.end_col)
        )

    def _span_offset(self, line: int, col: int) -> int:
        if line < 1:
            return 0
        if line > len(self.starts):
            return len(self.text)
        start = self.starts[line - 1]
        return start + min(max(col - 1, 0), len(self._line_text(line - 1)))
