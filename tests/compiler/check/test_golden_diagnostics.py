"""Golden files: each `golden/*.nas` is checked and its diagnostics compared with
`golden/*.expected`. Regenerate with `pytest --update-golden` and review the diff."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from nasc.compiler import check
from tests.conftest import ROOT

GOLDEN = Path(__file__).parent / "golden"
CASES = sorted(GOLDEN.glob("*.nas"))


def render(path: Path) -> str:
    result = check(str(path.relative_to(ROOT)))
    status = "ok" if result.ok else "failed"
    return f"{result.format()}\n-- {status}\n"


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.stem)
def test_golden(case: Path, update_golden: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    expected_file = case.with_suffix(".expected")
    actual = render(case)
    if update_golden or not expected_file.exists():
        expected_file.write_text(actual, encoding="utf-8")
    assert actual == expected_file.read_text(encoding="utf-8")
    code = case.stem.split("_")[0]
    assert f"[{code}]" in actual, f"{case.name} must produce {code}"


def documented_codes() -> set[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    return set(re.findall(r"^\| `([EW]\d{3})` \|", readme, flags=re.MULTILINE))


def emitted_codes() -> set[str]:
    codes: set[str] = set()
    for folder in ("dsl", "compiler", "backends", "search"):
        for source in (ROOT / folder).rglob("*.py"):
            codes |= set(re.findall(r'"([EW]\d{3})"', source.read_text(encoding="utf-8")))
    return codes


def is_check_code(code: str) -> bool:
    """Codes that `nasc check` reports (E1xx-E4xx, W5xx); the rest come from commands."""
    return int(code[1:]) < 600


def test_every_check_code_has_a_golden_case() -> None:
    covered = {case.stem.split("_")[0] for case in CASES}
    missing = {code for code in emitted_codes() if is_check_code(code)} - covered
    assert not missing, f"codes without a golden case: {sorted(missing)}"


def test_every_command_code_is_tested() -> None:
    tests = "".join(p.read_text(encoding="utf-8") for p in (ROOT / "tests").rglob("test_*.py"))
    asserted = set(re.findall(r"\b([EW]\d{3})\b", tests))
    untested = {c for c in emitted_codes() if not is_check_code(c)} - asserted
    assert not untested, f"codes no test asserts: {sorted(untested)}"


def test_every_code_is_documented_in_the_readme() -> None:
    missing = emitted_codes() - documented_codes()
    assert not missing, f"codes missing from the README's table: {sorted(missing)}"
