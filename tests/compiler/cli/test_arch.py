"""``--arch`` is read the same way by every command: a term, a JSON derivation, or @FILE."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from nasc.compiler.cli import main
from tests.conftest import ROOT

NB201 = str(ROOT / "examples" / "nb201.nas")


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def _sample(form: str, seed: int = 0) -> str:
    code, out = _run("sample", NB201, "--seed", str(seed), "--format", form)
    assert code == 0, out
    return out.strip()


def test_every_command_takes_a_term_file_and_json(tmp_path: Path) -> None:
    term, data = _sample("term"), _sample("json")
    assert json.loads(data)["nt"]
    first, second = tmp_path / "a.txt", tmp_path / "b.json"
    first.write_text(term + "\n", encoding="utf-8")
    second.write_text(_sample("json", seed=1), encoding="utf-8")
    for given in (term, data, f"@{first}", f"@{second}"):
        code, out = _run("show", NB201, "--arch", given)
        assert code == 0, (given[:40], out)
        code, out = _run("mutate", NB201, "--arch", given, "--seed", "3")
        assert code == 0 and out.strip() and out.strip() != term, (given[:40], out)
    code, out = _run("crossover", NB201, "--arch", f"@{first}", "--arch", f"@{second}")
    assert code == 0 and len(out.splitlines()) == 2, out
    code, out = _run("crossover", NB201, "--arch", data)
    assert code == 0, out


def test_an_error_in_a_term_file_points_into_the_file(tmp_path: Path) -> None:
    term = _sample("term")
    broken = term.replace("avg_pool", "conv9x9", 1)
    assert broken != term
    path = tmp_path / "arch.txt"
    path.write_text("\n  " + broken + "\n", encoding="utf-8")
    column = broken.index("conv9x9") + 3
    for command in ("show", "mutate"):
        code, out = _run(command, NB201, "--arch", f"@{path}")
        assert code == 1 and f"{path}:2:{column}" in out, out
        assert "conv9x9" in out and "^" in out


def test_malformed_json_and_a_long_bad_term_are_short_errors() -> None:
    code, out = _run("show", NB201, "--arch", '{"nt": ')
    assert code == 1 and "E703" in out
    long_term = "Sequential(" + "relu, " * 200_000 + "bogus)"
    code, out = _run("mutate", NB201, "--arch", long_term)
    assert code == 1 and "E700" in out and len(out) < 5000
