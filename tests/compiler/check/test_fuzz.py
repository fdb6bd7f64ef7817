"""Randomly damaged example files give diagnostics or success, never an exception."""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nasc.compiler import check
from nasc.dsl import Severity
from tests.conftest import EXAMPLES

TOKEN = re.compile(r"\s*(::=|\"[^\"]*\"|#[^\n]*|[A-Za-z_]\w*|\d+(?:\.\d+)?|\S)")
VOCABULARY = [
    "::=", "|", "(", ")", ",", "=", ":", "*", "[", "]", "import", "input", "param", "op",
    "topology", "edges", "merge", "shared", "constraint", "depth", "<=", "start", "primitive",
    "Sequential", "Cell", "Residual", "conv", "zero", "id", "relu", "linear", "0", "2", "-1",
    "1.5", '"doc"', "true", "sequence", "\n", "OP", "ARCH", "CELL", "é", "\t", "#",
]  # fmt: skip
SOURCES = {path.name: path.read_text(encoding="utf-8") for path in EXAMPLES}
CODES = re.compile(r"^[EW]\d{3}$")


def tokens(text: str) -> list[str]:
    return [match.group(0) for match in TOKEN.finditer(text)]


edit = st.one_of(
    st.tuples(st.just("delete"), st.integers(0, 10_000), st.just("")),
    st.tuples(st.just("insert"), st.integers(0, 10_000), st.sampled_from(VOCABULARY)),
    st.tuples(st.just("swap"), st.integers(0, 10_000), st.integers(0, 10_000).map(str)),
)


def damage(text: str, edits: list[tuple[str, int, str]]) -> str:
    parts = tokens(text)
    for kind, where, what in edits:
        if not parts:
            break
        i = where % len(parts)
        if kind == "delete":
            del parts[i]
        elif kind == "insert":
            parts.insert(i, " " + what)
        else:
            j = int(what) % len(parts)
            parts[i], parts[j] = parts[j], parts[i]
    return "".join(parts)


@settings(
    max_examples=2000,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    name=st.sampled_from(sorted(SOURCES)),
    edits=st.lists(edit, min_size=1, max_size=4),
)
def test_damaged_examples_give_diagnostics(name: str, edits: list[tuple[str, int, str]]) -> None:
    text = damage(SOURCES[name], edits)
    path = f"fuzz/{name}"
    result = check(path, overlays={path: text})
    lines = text.count("\n") + 1
    for diag in result.diagnostics:
        assert CODES.match(diag.code), diag
        assert diag.message
        if diag.span is not None and diag.span.path == path:
            assert 1 <= diag.span.line <= lines + 1
            assert diag.span.col >= 1
    assert result.ok == (result.space is not None and not result.errors)
    if not result.ok:
        assert any(d.severity is Severity.ERROR for d in result.diagnostics) or result.space is None
    result.format()


def test_the_damage_is_real() -> None:
    text = SOURCES["hnb201.nas"]
    assert tokens(text) and "".join(tokens(text)).split() == text.split()
    assert damage(text, [("delete", 5, "")]) != text
