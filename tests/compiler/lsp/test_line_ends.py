"""Lone CR, CRLF and LF all end lines, in the language server as in the CLI."""

from __future__ import annotations

from pathlib import Path

import pytest
from lsprotocol import types

from nasc.compiler import check
from nasc.compiler.lsp.positions import LineIndex


@pytest.mark.parametrize("end", ["\r", "\r\n", "\n"])
def test_an_error_after_lone_cr_lines_is_on_its_own_line(tmp_path: Path, end: str) -> None:
    text = end.join(["import std", "input [3, 8, 8]", "NET ::= relu | bogus", ""])
    path = tmp_path / "space.nas"
    path.write_bytes(text.encode())
    (found,) = [d for d in check(str(path)).diagnostics if d.code == "E200"]
    assert found.span is not None and (found.span.line, found.span.col) == (3, 16)
    index = LineIndex(text)
    where = index.span_range(found.span)
    assert (where.start.line, where.start.character) == (2, 15)
    assert index.offset(types.Position(line=2, character=15)) == text.index("bogus")
