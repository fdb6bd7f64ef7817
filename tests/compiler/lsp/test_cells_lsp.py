"""The language server knows the syntax of cells with several inputs."""

from __future__ import annotations

from nasc.compiler.lsp.completion import complete
from nasc.compiler.lsp.hover import KEYWORD_DOCS


def _labels(text: str) -> list[str]:
    return [item.label for item in complete(None, "/tmp/space.nas", text, len(text))]


def test_topology_clauses_are_completed() -> None:
    after_params = _labels("import std\ntopology T(a, b) ")
    assert {"inputs", "edges", "merge"} <= set(after_params)
    assert {"inputs", "merge"} <= set(_labels("import std\ntopology T(a) edges (0,1) (0,1)"))
    assert _labels("import std\ntopology T(a, b) edges (0,1) (0,1) merge ") == ["sum", "concat"]


def test_new_keywords_have_hover_documentation() -> None:
    assert "nodes 0 to k-1 are its inputs" in KEYWORD_DOCS["inputs"]
    assert "inputs(T, 4, 5) == k" in KEYWORD_DOCS["inputs"]
    assert "merge N concat" in KEYWORD_DOCS["merge"]
    assert "shared CELL(kind)" in KEYWORD_DOCS["shared"]
    assert "Cascade" in KEYWORD_DOCS["topology"]
