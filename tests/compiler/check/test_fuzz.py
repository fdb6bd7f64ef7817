"""Randomly damaged inputs give diagnostics or success, never an exception.

Damaged example files (with hostile tokens: huge numbers, odd whitespace, look-alike
letters), imports of random paths (never reading outside the import roots or
echoing a file that is not `.nas`), damaged weight files of every kind (E801/E800
only), and the language server's frames (a good frame after any garbage is read).
"""

from __future__ import annotations

import functools
import os
import random
import re
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nasc.compiler import check, load
from nasc.compiler.derive.sampling import sample
from nasc.compiler.graph import Graph, build
from nasc.dsl import STD_DISPLAY_PATH, NascError, Severity
from tests.conftest import EXAMPLES, ROOT

TOKEN = re.compile(r"\s*(::=|\"[^\"]*\"|#[^\n]*|[A-Za-z_]\w*|\d+(?:\.\d+)?|\S)")
VOCABULARY = [
    "::=", "|", "(", ")", ",", "=", ":", "*", "[", "]", "import", "input", "param", "op",
    "topology", "edges", "merge", "shared", "constraint", "depth", "<=", "start", "primitive",
    "Sequential", "Cell", "Residual", "conv", "zero", "id", "relu", "linear", "0", "2", "-1",
    "1.5", '"doc"', "true", "sequence", "\n", "OP", "ARCH", "CELL", "é", "\t", "#",
    "9" * 1200, "1e400", "\r", "\u00a0", "\u0421", "\x00", "import \"\"", "import \"../x.nas\"",
    "(1, 100000000000000000000)", "*1e300",
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


# ---- imports of random paths: nothing outside the roots is read, nothing else is echoed

SECRET = "API_KEY=sk-fuzz-0000"
PATH_PARTS = ["..", ".", "sub", "lib.nas", "secret.env", "secret.nas", "etc", "passwd", "", "x"]


@settings(max_examples=150, deadline=None, database=None, derandomize=True)
@given(
    parts=st.lists(st.sampled_from(PATH_PARTS), min_size=0, max_size=6),
    absolute=st.booleans(),
)
def test_fuzzed_imports_never_leave_the_roots(parts: list[str], absolute: bool) -> None:
    with tempfile.TemporaryDirectory() as folder:
        top = Path(folder)
        (top / "secret.env").write_text(SECRET + "\n", encoding="utf-8")
        (top / "secret.nas").write_text(SECRET + "\n", encoding="utf-8")
        root = top / "project"
        (root / "sub").mkdir(parents=True)
        (root / "lib.nas").write_text("LIB ::= relu\n", encoding="utf-8")
        (root / "sub" / "lib.nas").write_text("LIB ::= gelu\n", encoding="utf-8")
        written = ("/" if absolute else "") + "/".join(parts)
        main = root / "main.nas"
        main.write_text(f'import std\nimport "{written}"\ninput [3, 8, 8]\nA ::= relu\n')
        result = check(str(main))
        real_root = os.path.realpath(root)
        for path in result.sources:
            if path != STD_DISPLAY_PATH:
                assert os.path.realpath(path).startswith(real_root + os.sep), path
        assert SECRET not in result.format()


# ---- damaged weight files: E801 or E800, never another exception


@functools.cache
def _weight_files() -> tuple[Graph, dict[str, bytes]]:
    torch = pytest.importorskip("torch", reason="needs torch: pip install 'nasc[torch]'")
    from nasc.backends._torch.export import export
    from nasc.backends._torch.weights import module_with_weights
    from nasc.backends.weights import init_weights

    space = load(str(ROOT / "examples" / "mnist1d.nas"))
    graph = build(space, sample(space, random.Random(0)))
    weights = init_weights(graph, 1)
    found: dict[str, bytes] = {}
    with tempfile.TemporaryDirectory() as folder:
        npz, pt2, pt = (Path(folder) / f"w{s}" for s in (".npz", ".pt2", ".pt"))
        weights.save(npz)
        module = module_with_weights(graph, weights)
        export(graph, pt2, module=module)
        torch.save(module.state_dict(), pt)
        for path in (npz, pt2, pt):
            found[path.suffix] = path.read_bytes()
    return graph, found


damage_bytes = st.lists(
    st.tuples(
        st.sampled_from(["flip", "cut", "insert"]), st.integers(0, 1 << 30), st.binary(max_size=8)
    ),
    min_size=1,
    max_size=3,
)


def _damaged(data: bytes, edits: list[tuple[str, int, bytes]]) -> bytes:
    buffer = bytearray(data)
    for kind, where, what in edits:
        i = where % max(1, len(buffer))
        if kind == "flip" and buffer:
            buffer[i] ^= 0xFF
        elif kind == "cut":
            del buffer[i:]
        else:
            buffer[i:i] = what
    return bytes(buffer)


@settings(max_examples=60, deadline=None, database=None, derandomize=True)
@given(suffix=st.sampled_from([".npz", ".pt2", ".pt"]), edits=damage_bytes)
def test_damaged_weight_files_are_e801_or_e800(
    suffix: str, edits: list[tuple[str, int, bytes]]
) -> None:
    from nasc.backends.weights import read_any_weights

    graph, files = _weight_files()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"damaged{suffix}"
        path.write_bytes(_damaged(files[suffix], edits))
        try:
            read_any_weights(path, graph)
        except NascError as exc:
            assert {d.code for d in exc.diagnostics} <= {"E800", "E801"}, exc


# ---- the language server's frames

frame_junk = st.lists(
    st.one_of(
        st.binary(max_size=40),
        st.sampled_from([b"Content-Length: ", b"\r\n", b"\r\n\r\n", b"{", b"}", b"7", b'{"a":']),
    ),
    max_size=12,
)


@settings(max_examples=300, deadline=None, database=None, derandomize=True)
@given(before=frame_junk, between=frame_junk)
def test_a_good_frame_after_any_garbage_is_read(before: list[bytes], between: list[bytes]) -> None:
    from nasc.compiler.lsp.transport import FrameReader

    good = b'{"jsonrpc": "2.0", "id": 7, "method": "shutdown"}'
    frame = b"Content-Length: %d\r\n\r\n" % len(good) + good
    reader = FrameReader()
    for chunk in [*before, frame, *between, frame]:
        reader.feed(chunk)
    reader.feed(b"")
    bodies = []
    while (body := reader.next_body(idle=True)) is not None:
        bodies.append(body)
    assert good in bodies


TERM_VOCABULARY = [
    "(", ")", ",", "=", "channels=16", "kernel=3", "channels", "16", "*2", "id", "zero",
    "conv", "Sequential", "\u00a0", "\u0421", "é", '"x"', "true", "9" * 60, "-1",
]  # fmt: skip


@functools.cache
def _example_terms() -> dict[str, tuple[object, str]]:
    from nasc.compiler import format_term

    terms = {}
    for name in ("nb201", "mnist1d", "transformer"):
        space = load(str(ROOT / "examples" / f"{name}.nas"))
        terms[name] = (space, format_term(space, sample(space, random.Random(0))))
    return terms


@settings(
    max_examples=300,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    name=st.sampled_from(["nb201", "mnist1d", "transformer"]),
    edits=st.lists(
        st.one_of(
            st.tuples(st.just("delete"), st.integers(0, 10_000), st.just("")),
            st.tuples(st.just("insert"), st.integers(0, 10_000), st.sampled_from(TERM_VOCABULARY)),
            st.tuples(st.just("swap"), st.integers(0, 10_000), st.integers(0, 10_000).map(str)),
        ),
        min_size=1,
        max_size=3,
    ),
)
def test_damaged_terms_parse_or_give_a_diagnostic_in_the_term(
    name: str, edits: list[tuple[str, int, str]]
) -> None:
    """Terms as `--arch` reads them: the same codes as a `.nas` file (E202 for a
    positional after a keyword, E203 for a keyword given twice), always inside the term."""
    from nasc.compiler import format_term, parse_term
    from nasc.compiler.derive.terms import TERM_PATH

    space, term = _example_terms()[name]
    text = damage(term, edits)
    try:
        d = parse_term(space, text)  # type: ignore[arg-type]
    except NascError as exc:
        for diag in exc.diagnostics:
            assert CODES.match(diag.code) and diag.message, diag
            if diag.span is not None and diag.span.path == TERM_PATH:
                assert 1 <= diag.span.col <= len(text) + 1, diag
        return
    assert parse_term(space, format_term(space, d)) == d  # type: ignore[arg-type]
