"""`nasc show` and `nasc compile` from the command line."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from nasc.compiler.cli import main
from nasc.compiler.derive.terms import format_term
from nasc.compiler.graph import build
from tests.compiler.graph_cases import FIXED, example, example_path

HAS_TORCH = importlib.util.find_spec("torch") is not None


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def test_show_text_of_a_term_matches_the_graph_dump() -> None:
    term = format_term(example("mnist1d"), FIXED["mnist1d"])
    code, out = _run("show", str(example_path("mnist1d")), "--arch", term)
    assert code == 0, out
    graph = build(example("mnist1d"), FIXED["mnist1d"])
    assert out.splitlines()[0] == f"graph [1, 40] -> vector [10]  # {term}"
    assert len(out.splitlines()) == len(graph.nodes) + 3  # header, column names, total


def test_show_dot_of_a_sample_to_a_file(tmp_path: Path) -> None:
    out_file = tmp_path / "arch.dot"
    code, out = _run(
        "show",
        str(example_path("nb201")),
        "--sample",
        "--seed",
        "3",
        "--format",
        "dot",
        "-o",
        str(out_file),
    )
    assert code == 0, out
    assert out_file.read_text().startswith('digraph "architecture" {')


def test_show_reads_a_term_from_a_file(tmp_path: Path) -> None:
    term_file = tmp_path / "arch.txt"
    term_file.write_text(format_term(example("nb201"), FIXED["nb201"]) + "\n")
    code, out = _run("show", str(example_path("nb201")), "--arch", f"@{term_file}")
    assert code == 0 and "total:" in out


def test_png_without_graphviz_is_a_clear_message(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("shutil.which", lambda name: None)
    code, out = _run(
        "show", str(example_path("nb201")), "--sample", "--format", "png", "-o", "x.png"
    )
    assert code == 1 and "Graphviz" in out and "--format dot" in out


def test_bad_term_and_missing_choice_are_diagnostics_not_tracebacks() -> None:
    code, out = _run("show", str(example_path("nb201")), "--arch", "Sequential(foo)")
    assert code == 1 and "error[E700]" in out and "Traceback" not in out
    code, out = _run("show", str(example_path("nb201")))
    assert code == 2 and "exactly one of --arch TERM and --sample" in out
    code, out = _run(
        "compile", str(example_path("nb201")), "--sample", "--backend", "tpu", "-o", "x"
    )
    assert code == 1 and "unknown backend 'tpu'" in out and "torch" in out


@pytest.mark.skipif(
    not HAS_TORCH, reason="compiling to torch needs torch: pip install 'nasc[torch]'"
)
def test_compile_writes_a_program_that_loads_without_nasc(tmp_path: Path) -> None:
    model = tmp_path / "model.pt2"
    code, out = _run(
        "compile", str(example_path("nb201")), "--sample", "--seed", "3", "-o", str(model)
    )
    assert code == 0, out
    lines = dict(line.split(":", 1) for line in out.splitlines() if ":" in line)
    assert lines["input"].strip() == "[3, 32, 32]" and lines["output"].strip() == "vector [10]"
    assert int(lines["params"].replace(",", "")) > 0
    script = (
        "import sys; sys.modules['nasc'] = None\n"  # any import of nasc now fails
        "import torch\n"
        f"program = torch.export.load({str(model)!r})\n"
        "y = program.module()(torch.randn(5, 3, 32, 32))\n"
        "assert y.shape == (5, 10) and torch.isfinite(y).all(), y.shape\n"
        "print('ok')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr[-2000:]


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")
def test_png_through_graphviz(tmp_path: Path) -> None:
    png = tmp_path / "arch.png"
    code, out = _run(
        "show", str(example_path("mnist1d")), "--sample", "--format", "png", "-o", str(png)
    )
    assert code == 0, out
    assert png.read_bytes().startswith(b"\x89PNG")
