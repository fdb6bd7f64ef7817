from __future__ import annotations

import json

from click.testing import CliRunner

from nasc.compiler.cli import main
from tests.conftest import ROOT

NB201 = str(ROOT / "examples" / "nb201.nas")
MNIST = str(ROOT / "examples" / "mnist1d.nas")


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def test_count() -> None:
    code, out = run("count", NB201)
    assert code == 0
    assert out.splitlines()[:2] == ["15284", "log10: 4.18"]


def test_count_json_by_rule() -> None:
    code, out = run("count", str(ROOT / "examples" / "hnb201.nas"), "--json", "--by-rule")
    data = json.loads(out)
    assert code == 0
    assert data["log10"] == 375.8449
    assert len(data["count"]) == 376
    assert data["rules"]["OP"] == "30"


def test_count_infinite_space(tmp_path: object) -> None:
    from pathlib import Path

    path = Path(str(tmp_path)) / "rec.nas"
    path.write_text("import std\ninput [3, 8, 8]\nNET ::= relu | Sequential(NET, NET)\n")
    code, out = run("count", str(path))
    assert code == 1
    assert "E710" in out and "infinite" in out
    code, out = run("count", str(path), "--depth", "3")
    assert code == 0 and out.startswith("5\n")


def test_sample_is_reproducible_and_parses_back() -> None:
    code, out = run("sample", MNIST, "-n", "3", "--seed", "5")
    assert code == 0
    terms = out.splitlines()
    assert len(terms) == 3
    assert run("sample", MNIST, "-n", "3", "--seed", "5")[1] == out
    code, js = run("sample", MNIST, "--seed", "5", "--format", "json")
    assert json.loads(js)["nt"] == "NET"
    code, mutated = run("mutate", MNIST, "--arch", terms[0], "--seed", "1")
    assert code == 0 and mutated.strip() != terms[0]
    code, children = run("crossover", MNIST, "--arch", terms[0], "--arch", terms[1])
    assert code == 0 and len(children.splitlines()) == 2
    code, child = run("crossover", MNIST, "--arch", terms[0])
    assert code == 0 and len(child.splitlines()) == 1


def test_bad_term_gets_a_caret() -> None:
    code, out = run("mutate", MNIST, "--arch", "Sequential(conv(32, kernel=5), relu")
    assert code == 1
    assert "<term>:1:" in out and "^" in out and "Traceback" not in out


def test_pcfg_sampler_option() -> None:
    code, out = run("sample", NB201, "--sampler", "pcfg", "--seed", "2")
    assert code == 0 and out.startswith("Sequential(")
