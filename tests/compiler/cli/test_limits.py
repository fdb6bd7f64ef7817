"""Hostile sizes: deep nesting, huge numbers, huge counts and empty texts are diagnostics.

Each test is one root cause: the same limit must hold in every command (check,
count, sample, fmt, show, terms), with a clear error and exit status 1, never a
traceback, a crash of the interpreter or a hang.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from click.testing import CliRunner

from nasc.compiler.cli import main
from nasc.compiler.limits import decimal, decimal_digits

HEAD = "import std\ninput [3, 8, 8]\n"


def _run(*args: str | Path, stdin: str | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(main, [str(a) for a in args], input=stdin)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.output


def _space(tmp_path: Path, text: str, name: str = "space.nas") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_count_over_4300_digits_is_exact(tmp_path: Path) -> None:
    n = 15000  # 2^15000 architectures: 4,516 digits, past Python's default limit
    rules = "".join(f"R{i} ::= relu | gelu\n" for i in range(n))
    chain = "A ::= Sequential(" + ", ".join(f"R{i}" for i in range(n)) + ")\n"
    path = _space(tmp_path, HEAD + chain + rules)
    code, out = _run("count", path)
    assert code == 0, out
    assert "4,516 digits" in out and "--digits" in out
    code, out = _run("count", path, "--digits")
    assert code == 0 and out.splitlines()[0] == decimal(2**n)
    code, out = _run("count", path, "--json")
    data = json.loads(out)
    assert data["count"] == decimal(2**n) and data["digits"] == 4516
    assert abs(data["log10"] - n * math.log10(2)) < 1e-3


def test_decimal_digits_is_exact_at_powers_of_ten() -> None:
    for k in (1, 2, 15, 16, 300, 4301, 10_000):
        assert decimal_digits(10**k) == k + 1
        assert decimal_digits(10**k - 1) == k
    assert decimal_digits(0) == 1


def test_a_doubly_exponential_count_stops_in_bounded_time(tmp_path: Path) -> None:
    path = _space(tmp_path, HEAD + "B ::= relu | Sequential(B, B)\nconstraint depth(B) <= 100\n")
    code, out = _run("count", path)
    assert code == 1 and "E713" in out and "too many to count" in out


@pytest.mark.parametrize(
    "args",
    [
        ["count", "--depth", "200"],
        ["sample", "--sampler", "uniform"],
    ],
)
def test_deep_recursion_gets_room_in_every_command(tmp_path: Path, args: list[str]) -> None:
    path = _space(tmp_path, HEAD + "B ::= relu | Sequential(relu, B)\nconstraint depth(B) <= 400\n")
    code, out = _run(args[0], path, *args[1:])
    assert code == 0, out


def test_a_depth_bound_past_every_limit_is_e714(tmp_path: Path) -> None:
    text = HEAD + "B ::= relu | Sequential(relu, B)\nconstraint depth(B) <= 1000000000000\n"
    path = _space(tmp_path, text)
    for command in ("count", "sample"):
        code, out = _run(command, path)
        assert code == 1 and "E714" in out, out


def test_a_term_nested_2000_deep_works_in_every_command(tmp_path: Path) -> None:
    path = _space(
        tmp_path, HEAD + "B ::= relu | Sequential(relu, B)\nconstraint depth(B) <= 3000\n"
    )
    term = "Sequential(relu, " * 2000 + "relu" + ")" * 2000
    arch = tmp_path / "arch.txt"
    arch.write_text(term, encoding="utf-8")
    for args in (["show", "--arch", f"@{arch}"], ["mutate", "--arch", term]):
        code, out = _run(args[0], path, *args[1:])
        assert code == 0, out[:300]
    code, out = _run("fmt", "-", stdin="A ::= " + "Sequential(relu, " * 300 + "relu" + ")" * 300)
    assert code == 0, out[:300]


def test_a_number_of_5001_digits_is_e203_with_its_place(tmp_path: Path) -> None:
    path = _space(tmp_path, HEAD + "A ::= conv(" + "9" * 5001 + ")\n")
    code, out = _run("check", path)
    assert code == 1 and "E203" in out and "5,001 digits" in out
    assert f"{path}:3:12" in out
    assert len(out) < 2000  # the line is shown as a window around the caret
    code, out = _run("fmt", path)
    assert code == 1 and "E203" in out


@pytest.mark.parametrize("text", ["", "   \n\t\n", "# only a comment\n", "\ufeff"])
def test_empty_texts_are_diagnostics(tmp_path: Path, text: str) -> None:
    empty = _space(tmp_path, text, "empty.nas")
    code, out = _run("check", empty)
    assert code == 1 and "E300" in out and "Traceback" not in out
    main_file = _space(tmp_path, HEAD + 'import "empty.nas"\nA ::= relu\n')
    code, out = _run("check", main_file)
    assert code == 0, out
    code, out = _run("fmt", "-", stdin=text)
    assert code == 0 and out.strip() == text.strip().lstrip("\ufeff")


def test_sizes_no_framework_can_build_are_errors_at_check_time(tmp_path: Path) -> None:
    cases = {
        "A ::= Sequential(conv(16), conv(channels=*1e300))\n": "E400",
        "A ::= conv(16, kernel=1000000000000000000000000000000)\n": "E203",
        "A ::= conv(3000000000)\n": "E203",
    }
    for body, code in cases.items():
        out = _run("check", _space(tmp_path, HEAD + body))[1]
        assert code in out and ("framework" in out or "device" in out), out[:500]


def test_a_model_over_the_memory_budget_is_refused_before_allocating(tmp_path: Path) -> None:
    path = _space(
        tmp_path, "import std\ninput [3, 300, 300]\nA ::= Sequential(flatten, linear(300000))\n"
    )
    code, out = _run("check", path)
    assert code == 0, out
    code, out = _run("compile", path, "--sample", "--backend", "onnx", "-o", tmp_path / "m.onnx")
    assert code == 1 and "E609" in out and "NASC_MEMORY_BUDGET" in out
    assert not (tmp_path / "m.onnx").exists()
    code, out = _run("show", path, "--sample")
    assert code == 0 and "memory budget" in out


@pytest.mark.parametrize(
    ("edge", "words"),
    [("(1, 100000000000000000000)", "at most 10,000 nodes"), ("(-1, 2)", "negative node")],
)
def test_topology_edges_out_of_range_are_e305_at_once(
    tmp_path: Path, edge: str, words: str
) -> None:
    path = _space(tmp_path, HEAD + f"topology T(a) edges {edge}\nA ::= T(relu)\n")
    code, out = _run("check", path)
    assert code == 1 and "E305" in out and words in out


def test_supercritical_pcfg_warns_with_the_computation_and_every_draw_is_bounded(
    tmp_path: Path,
) -> None:
    path = _space(tmp_path, HEAD + "B ::= conv3x3 | Sequential(B, B) | Residual(B, id, B)\n")
    code, out = _run("check", path)
    assert code == 0 and "W506" in out and "(1·0 + 1·2 + 1·2) / 3 = 1.33" in out
    code, out = _run("sample", path, "--sampler", "pcfg", "-n", "20")
    assert code == 1 and "E722" in out
    subcritical = _space(tmp_path, HEAD + "B ::= 9: conv3x3 | Sequential(B, B)\n", "sub.nas")
    code, out = _run("check", subcritical)
    assert code == 0 and "W506" not in out
    code, out = _run("sample", subcritical, "--sampler", "pcfg", "-n", "20")
    assert code == 0 and len(out.splitlines()) == 20


def test_infinite_and_huge_pcfg_weights_are_e203(tmp_path: Path) -> None:
    for weight in ("1" + "0" * 400, "1" + "0" * 20, "0"):
        code, out = _run("check", _space(tmp_path, HEAD + f"A ::= {weight}: relu | gelu\n"))
        assert code == 1 and "E203" in out and "weight" in out, out[:300]


def test_lone_cr_line_ends_and_a_nul_on_stdin_are_reported_where_they_are(tmp_path: Path) -> None:
    path = tmp_path / "cr.nas"
    path.write_bytes(b"import std\rinput [3, 8, 8]\rA ::= relu | bogus\r")
    code, out = _run("check", path)
    assert code == 1 and f"{path}:3:14" in out, out
    code, out = _run("fmt", "-", stdin="A ::= relu\x00\n")
    assert code == 1 and "E101" in out
