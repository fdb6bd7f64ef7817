from __future__ import annotations

import random
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from nasc.compiler import check
from nasc.compiler.cli import main
from nasc.dsl import NascError
from nasc.dsl.fmt import format_text, tokenize
from tests.conftest import EXAMPLES, ROOT


def scramble(text: str, seed: int) -> str:
    """The same tokens with random spacing and line breaks between them."""
    rng = random.Random(seed)
    out: list[str] = []
    for token in tokenize(text):
        gap = rng.choice(["", " ", "  ", "\n", " \n\n\n  ", "\t"])
        if out and (out[-1][-1].isalnum() or out[-1][-1] in "_\"'") and not gap:
            gap = " "
        out.append(gap + token.text + ("\n" if token.kind == "comment" else ""))
    return "".join(out)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_examples_are_in_the_canonical_layout(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert format_text(text, str(path)) == text


def test_the_standard_library_is_in_the_canonical_layout() -> None:
    text = (ROOT / "dsl" / "std.nas").read_text(encoding="utf-8")
    assert format_text(text) == text


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
@pytest.mark.parametrize("seed", range(3))
def test_formatting_scrambled_examples_keeps_meaning_and_is_idempotent(
    path: Path, seed: int
) -> None:
    original = path.read_text(encoding="utf-8")
    scrambled = scramble(original, seed)
    formatted = format_text(scrambled, str(path))
    assert format_text(formatted, str(path)) == formatted
    before = check(str(path), overlays={str(path): scrambled})
    after = check(str(path), overlays={str(path): formatted})
    assert before.ok and after.ok, after.format()
    assert after.space == before.space
    assert [c.text for c in tokenize(formatted) if c.kind == "comment"] == [
        c.text.rstrip() for c in tokenize(original) if c.kind == "comment"
    ]


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10**6), path=st.sampled_from(EXAMPLES))
def test_formatting_any_spacing_gives_one_layout(seed: int, path: Path) -> None:
    original = path.read_text(encoding="utf-8")
    once = format_text(scramble(original, seed))
    assert format_text(once) == once


def test_rules_align_and_spacing_is_normalised() -> None:
    text = 'import std\nA::=B|C\n"the B"\nLONGER::=conv( 16,kernel = 3 )|  2:id\nB ::= relu\n'
    assert format_text(text) == (
        "import std\n"
        "A      ::= B | C\n"
        '"the B"\n'
        "LONGER ::= conv(16, kernel=3) | 2: id\n"
        "B      ::= relu\n"
    )


def test_prune_unreachable_is_a_statement_of_its_own() -> None:
    assert format_text("import std\nA ::= relu\nprune   unreachable\n") == (
        "import std\nA ::= relu\nprune unreachable\n"
    )


def test_another_statement_ends_a_run_of_aligned_rules() -> None:
    text = "A ::= B\nLONGER ::= x\nparam p = 1\nB ::= y\n"
    assert format_text(text) == "A      ::= B\nLONGER ::= x\nparam p = 1\nB ::= y\n"


def test_a_long_rule_gets_one_alternative_per_line() -> None:
    alternatives = [f"Sequential(conv(channels=*{i}, kernel=3), batchnorm, relu)" for i in range(4)]
    text = "OP ::= " + " | ".join(alternatives) + "\n"
    lines = format_text(text).splitlines()
    assert lines == [
        "OP ::= " + alternatives[0],
        *("     | " + alt for alt in alternatives[1:]),
    ]


def test_a_long_call_is_filled_and_aligned_after_its_parenthesis() -> None:
    args = ", ".join(f"conv(channels=*{i})" for i in range(1, 9))
    lines = format_text(f"NET ::= Sequential({args})\n").splitlines()
    assert len(lines) == 2
    assert all(len(line) <= 100 for line in lines)
    assert lines[1].startswith(" " * len("NET ::= Sequential(") + "conv(")


def test_author_breaks_between_alternatives_are_kept_and_bars_aligned() -> None:
    text = "OP ::= id |\n zero\n    | avg_pool\n"
    assert format_text(text) == "OP ::= id\n     | zero\n     | avg_pool\n"


def test_comments_and_docs_are_kept() -> None:
    text = (
        "# head\n\n\n\nimport std # lib\n"
        '"doc" param p=1\n'
        "OP ::= id # skip\n  # between\n | zero\n# tail\n"
    )
    assert format_text(text) == (
        "# head\n\n"
        "import std                       # lib\n"
        '"doc"\n'
        "param p = 1\n"
        "OP ::= id                        # skip\n"
        "       # between\n"
        "     | zero\n"
        "# tail\n"
    )


def test_declarations_are_canonical() -> None:
    text = (
        "input  sequence[ 64,128 ]\nshared A,B\nconstraint depth( A )<=3\n"
        "op c=conv( kernel=5 )\nprimitive foo( a=1,b=*2 )\n"
        "topology T( a,b )edges(0, 1)  (0 ,1) merge a\nstart A\n"
    )
    assert format_text(text) == (
        "input sequence [64, 128]\nshared A, B\nconstraint depth(A) <= 3\n"
        "op c = conv(kernel=5)\nprimitive foo(a=1, b=*2)\n"
        "topology T(a, b) edges (0,1) (0,1) merge a\nstart A\n"
    )


def test_windows_line_endings_are_kept() -> None:
    assert format_text("A ::= x|y\r\nB ::= z\r\n") == "A ::= x | y\r\nB ::= z\r\n"


def test_a_syntax_error_is_a_diagnostic() -> None:
    with pytest.raises(NascError) as caught:
        format_text("A ::= (", "bad.nas")
    assert caught.value.diagnostics[0].code == "E100"


def test_fmt_check_fails_on_unformatted_input_and_names_it(tmp_path: Path) -> None:
    messy = tmp_path / "messy.nas"
    messy.write_text("import std\nA::=relu|gelu\n", encoding="utf-8")
    clean = tmp_path / "clean.nas"
    clean.write_text("import std\nA ::= relu | gelu\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["fmt", "--check", str(messy), str(clean)])
    assert result.exit_code == 1
    assert result.output == f"would reformat {messy}\n"
    assert messy.read_text(encoding="utf-8") == "import std\nA::=relu|gelu\n"


def test_fmt_check_passes_on_the_examples() -> None:
    result = CliRunner().invoke(main, ["fmt", "--check", *map(str, EXAMPLES)])
    assert result.exit_code == 0, result.output
    assert result.output == ""


def test_fmt_prints_and_writes(tmp_path: Path) -> None:
    messy = tmp_path / "messy.nas"
    messy.write_text("A::=relu|gelu\n", encoding="utf-8")
    printed = CliRunner().invoke(main, ["fmt", str(messy)])
    assert printed.exit_code == 0
    assert printed.output == "A ::= relu | gelu\n"
    written = CliRunner().invoke(main, ["fmt", "--write", str(messy)])
    assert written.exit_code == 0
    assert messy.read_text(encoding="utf-8") == "A ::= relu | gelu\n"
    piped = CliRunner().invoke(main, ["fmt", "-"], input="B::=x\n")
    assert piped.output == "B ::= x\n"


def test_fmt_reports_syntax_errors_with_their_place(tmp_path: Path) -> None:
    bad = tmp_path / "bad.nas"
    bad.write_text("A ::= relu |\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["fmt", "--check", str(bad)])
    assert result.exit_code == 1
    assert f"{bad}:2:1: error[E100]" in result.output


def test_a_keyword_glued_to_a_name_is_refused_with_its_place() -> None:
    with pytest.raises(NascError) as caught:
        format_text("importstd\n", "glued.nas")
    [diagnostic] = caught.value.diagnostics
    assert diagnostic.span is not None and (diagnostic.span.line, diagnostic.span.col) == (1, 1)
    assert "write them apart" in diagnostic.message


LONG_TOPOLOGY = (
    "import std\n"
    "topology Cell(op_a, op_b, op_c, op_d, op_e, op_f)\n"
    "  edges (0, 1) (0, 2) (1, 2) (0, 3) (1, 3) (2, 3) (0, 4) (1, 4) (2, 4) (3, 4) (0, 5)\n"
    "        (1, 5) (2, 5) (3, 5) (4, 5) (0, 6) (1, 6) (2, 6) (3, 6) (4, 6) (5, 6) (0, 7)\n"
    "        (1, 7) (2, 7) (3, 7) (4, 7) (5, 7) (6, 7)\n"
    "  merge add\n"
    "NET ::= Cell(id, id, id, id, id, id)\n"
)


def test_a_long_topology_is_wrapped_between_edges_like_a_long_rule() -> None:
    out = format_text(LONG_TOPOLOGY)
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= 100
    topology = lines[1 : lines.index("NET ::= Cell(id, id, id, id, id, id)")]
    # the author's breaks before `edges` and between edges stay; continuation lines
    # indent by four
    assert topology[0] == "topology Cell(op_a, op_b, op_c, op_d, op_e, op_f)"
    assert topology[1].startswith("    edges (0,1) (0,2)")
    assert all(line.startswith("    (") or line == "    merge add" for line in topology[2:])
    assert topology[-1] == "    merge add"
    assert format_text(out) == out  # idempotent
    edges = [token.text for token in tokenize(out) if token.kind == "number"]
    assert len(edges) == 2 * 28


def test_a_long_one_line_topology_is_filled_to_the_line_limit() -> None:
    edges = " ".join(f"({a}, {b})" for b in range(1, 9) for a in range(b))
    out = format_text(f"import std\ntopology Big(a) edges {edges}\nNET ::= id\n")
    lines = out.splitlines()[1:-1]
    assert len(lines) > 1 and all(len(line) <= 100 for line in lines)
    assert all(len(line) > 80 for line in lines[:-1])  # filled, not one edge a line
    assert format_text(out) == out


def test_lines_break_between_outer_arguments_before_inside_a_nested_call() -> None:
    cells = ", ".join(["Cell(OP, OP, OP, OP, OP, OP)"] * 3)
    text = (
        "import std\ntopology Cell(a, b, c, d, e, f) edges (0,1) (1,2) (2,3) (3,4) (4,5) (5,6)\n"
        "OP ::= id | zero\n"
        f"NET ::= Sequential(conv(channels=16, kernel=3), {cells}, global_avg_pool, linear)\n"
    )
    out = format_text(text)
    assert max(len(line) for line in out.splitlines()) <= 100
    for line in out.splitlines()[3:]:  # every nested call whole on its line
        code = line.removesuffix(")")  # the outer call closes on the last line
        assert code.count("(") == code.count(")") or line.startswith("NET ::= Sequential(")
    assert out.splitlines()[4].strip().startswith("Cell(OP, OP, OP, OP, OP, OP), Cell(")
    assert format_text(out) == out
