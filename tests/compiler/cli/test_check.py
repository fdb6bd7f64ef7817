from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from nasc.compiler.cli import main
from tests.conftest import EXAMPLES, ROOT


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_check_examples_exit_zero() -> None:
    code, out, err = run("check", *map(str, EXAMPLES))
    assert code == 0, out + err
    assert out == ""
    assert err.count(": ok (no problems)") == len(EXAMPLES)


def test_check_reports_and_exits_one(tmp_path: Path) -> None:
    bad = tmp_path / "bad.nas"
    bad.write_text("import std\ninput [3, 8, 8]\nA ::= Sequential(conv(4), rleu)\n")
    code, out, err = run("check", str(bad))
    assert code == 1
    assert f"{bad}:3:27: error[E200]: unknown name 'rleu'; did you mean 'relu'?" in out
    assert "^^^^" in out and "Traceback" not in out + err
    assert "failed (1 error)" in err


def test_warnings_do_not_fail(tmp_path: Path) -> None:
    path = tmp_path / "warn.nas"
    path.write_text("import std\ninput [3, 8, 8]\nA ::= relu\nB ::= gelu\n")
    code, out, _ = run("check", str(path))
    assert code == 0 and "warning[W500]" in out


def test_set_option() -> None:
    path = str(ROOT / "examples" / "hnb201.nas")
    assert run("check", path, "--set", "classes=100")[0] == 0
    code, out, err = run("check", path, "--set", "clases=100")
    assert code == 1 and "E205" in out and "did you mean 'classes'" in out
    code, _, err = run("check", path, "--set", "novalue")
    assert code == 2 and "expected NAME=VALUE" in err


def test_missing_file_is_a_diagnostic(tmp_path: Path) -> None:
    code, out, err = run("check", str(tmp_path / "nope.nas"))
    assert code == 1 and "error[E101]: cannot read" in out and "Traceback" not in err
