"""Diagnostics that say exactly what is wrong: the character, the argument, the place."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest

from nasc.compiler import check, parse_term
from nasc.compiler.values import Relative
from nasc.dsl import NascError
from nasc.dsl.diagnostics import Diagnostic

SPACE = (
    "import std\ninput [3, 8, 8]\nNET ::= Sequential(OP, OP)\nOP ::= conv(channels=16) | avg_pool\n"
)


def _diagnostics(text: str, tmp_path: Path, name: str = "space.nas") -> list[Diagnostic]:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return check(str(path)).diagnostics


def _only_error(text: str, tmp_path: Path) -> Diagnostic:
    errors = [d for d in _diagnostics(text, tmp_path) if d.severity.name == "ERROR"]
    assert len(errors) == 1, errors
    return errors[0]


def test_a_no_break_space_is_named_not_called_the_end_of_the_line(tmp_path: Path) -> None:
    found = _only_error("import std\nNET ::=\u00a0id\n", tmp_path)
    assert found.code == "E100"
    assert "non-ASCII U+00A0 NO-BREAK SPACE" in found.message
    assert "end of the line" not in found.message
    assert found.span is not None and (found.span.line, found.span.col) == (2, 8)


@pytest.mark.parametrize(
    ("word", "col", "char"),
    [("\u0421onv", 9, "U+0421 CYRILLIC CAPITAL LETTER ES"), ("c\u043env", 10, "U+043E CYRILLIC")],
)
def test_a_lookalike_letter_is_named_by_its_code_point(
    tmp_path: Path, word: str, col: int, char: str
) -> None:
    found = _only_error(f"import std\nNET ::= {word}\n", tmp_path)
    assert f"non-ASCII {char}" in found.message and repr(word) in found.message
    assert found.span is not None and (found.span.line, found.span.col) == (2, col)
    assert any("ASCII" in note for note in found.notes)


def test_a_real_end_of_line_is_still_called_so(tmp_path: Path) -> None:
    found = _only_error("import std\nNET ::= id |\nOP ::= id\n", tmp_path)
    assert "found 'OP'" in found.message or "end of" in found.message


@pytest.mark.parametrize(
    "call",
    [
        "conv(kernel=3, 16)",
        "B(w=16, 2)",
        "conv_bn(k=3, 16)",
    ],
)
def test_a_positional_after_a_keyword_is_named_so(tmp_path: Path, call: str) -> None:
    """Primitives, parametrised rules and composite operations bind arguments alike."""
    text = (
        "import std\ninput [3, 8, 8]\nB(w, s) ::= conv(channels=w, stride=s)\n"
        "op conv_bn(width, k=3) = Sequential(conv(width, kernel=k), batchnorm)\n"
        f"NET ::= {call}\n"
    )
    found = _only_error(text, tmp_path)
    assert found.code == "E202"
    assert "positional argument follows the keyword argument" in found.message
    assert "twice" not in found.message


def test_terms_refuse_what_a_nas_file_refuses(tmp_path: Path) -> None:
    path = tmp_path / "space.nas"
    path.write_text(SPACE)
    from nasc.compiler import load

    space = load(str(path))
    with pytest.raises(NascError) as twice:
        parse_term(space, "Sequential(conv(channels=16, channels=16), avg_pool)")
    assert twice.value.diagnostics[0].code == "E203"
    assert "given twice" in twice.value.diagnostics[0].message
    with pytest.raises(NascError) as after:
        parse_term(space, "Sequential(conv(kernel=3, 16), avg_pool)")
    assert after.value.diagnostics[0].code == "E202"
    assert parse_term(space, "Sequential(conv(16, kernel=3), avg_pool)") is not None


def test_a_huge_relative_factor_prints_without_pythons_digit_limit() -> None:
    assert str(Relative(Fraction(10) ** 5000 * 3)) == "*3e5000"
    assert str(Relative(Fraction(2))) == "*2"


def test_constraints_that_exclude_every_architecture_fail_the_check(tmp_path: Path) -> None:
    cut = (
        "import std\ninput [3, 8, 8]\ntopology Par(a, b) edges (0,1) (0,1)\n"
        "NET ::= Par(OP, OP)\nOP ::= zero\nconstraint connected\n"
    )
    assert [d.code for d in _diagnostics(cut, tmp_path)] == ["E711"]
    # a 3 -> 16 channel 3x3 convolution has 3 * 16 * 9 = 432 weights
    budget = "import std\ninput [3, 8, 8]\nNET ::= conv(channels=16)\nconstraint params <= 10\n"
    found = _only_error(budget, tmp_path)
    assert found.code == "E711" and "432 params" in found.notes[0]
    fits = budget.replace("<= 10", "<= 432")
    assert _diagnostics(fits, tmp_path) == []


def test_budgets_no_probe_keeps_are_a_warning(tmp_path: Path) -> None:
    text = (
        "import std\ninput [3, 8, 8]\nNET ::= Sequential(OP, OP, OP, OP, OP, OP, OP)\n"
        "OP ::= conv(16) | conv(32) | conv(64) | id\nconstraint params <= 10\n"
    )
    result = _diagnostics(text, tmp_path)
    assert [d.code for d in result] == ["W711"]


def test_every_problem_arrives_in_one_run(tmp_path: Path) -> None:
    """A name error, a value error, an operation's shape error and a merge error in
    one file: all four in the first run, not one more per fix."""
    text = (
        "import std\ninput [3, 8, 8]\nNET ::= Sequential(conv(16), A, B)\n"
        "A ::= conv(bogus=1) | linear(10) | id\nB ::= Residual(conv(32), id, id) | nope\n"
    )
    assert sorted(d.code for d in _diagnostics(text, tmp_path)) == ["E200", "E201", "E400", "E401"]


def test_a_rule_used_only_by_a_broken_alternative_is_not_called_unused(tmp_path: Path) -> None:
    text = "import std\ninput [3, 8, 8]\nNET ::= Sequential(conv(bogus=3), OP)\nOP ::= relu\nX ::= id\n"
    found = _diagnostics(text, tmp_path)
    assert [d.code for d in found] == ["E201", "W500"]
    assert "'X'" in found[1].message  # the rule nothing uses still is


def test_an_arch_file_error_points_into_the_file(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from nasc.compiler.cli import main

    (tmp_path / "space.nas").write_text(SPACE)
    (tmp_path / "f.txt").write_text("Sequential(\n conv(channels=17), avg_pool)\n")
    args = ["show", str(tmp_path / "space.nas"), "--arch", f"@{tmp_path / 'f.txt'}"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code != 0
    assert f"{tmp_path / 'f.txt'}:2:2: error[E700]" in result.output
    assert "<term>" not in result.output


def test_a_garbage_keras_file_is_unreadable_not_missing(tmp_path: Path) -> None:
    pytest.importorskip("keras", reason="needs keras: pip install 'nasc[tensorflow]'")
    from nasc.backends import _tensorflow
    from nasc.compiler import build, load

    (tmp_path / "space.nas").write_text(SPACE)
    space = load(str(tmp_path / "space.nas"))
    graph = build(space, parse_term(space, "Sequential(conv(channels=16), avg_pool)"))
    garbage = tmp_path / "g.keras"
    garbage.write_bytes(bytes(range(256)) * 4)
    with pytest.raises(NascError) as caught:
        _tensorflow.read_weights(garbage, graph)
    (found,) = caught.value.diagnostics
    assert found.code == "E801"
    assert "not found" not in found.message.lower() and "g.keras" in found.message
