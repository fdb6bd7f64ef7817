"""Outputs never lose data: no command writes over its inputs, over a file of another
kind (without --force), or leaves a truncated file when writing fails."""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from nasc.compiler.cli import main
from nasc.compiler.output_files import GRAPH_TEXT, SAME_FILE, write_output
from nasc.dsl import NascError

SPACE = """import std
import "blocks.nas"
input [3, 8, 8]
NET ::= Sequential(conv(8, kernel=3), BLOCK, global_avg_pool, linear(10))
"""
BLOCKS = "BLOCK ::= relu | gelu\n"
NASC = str(Path(sys.executable).with_name("nasc"))  # the installed command
TERM = "Sequential(conv(8, kernel=3), relu, global_avg_pool, linear(10))"


@pytest.fixture
def space(tmp_path: Path) -> Path:
    (tmp_path / "blocks.nas").write_text(BLOCKS, encoding="utf-8")
    path = tmp_path / "space.nas"
    path.write_text(SPACE, encoding="utf-8")
    return path


def _run(*args: str | Path) -> tuple[int, str]:
    result = CliRunner().invoke(main, [str(a) for a in args])
    return result.exit_code, result.output


def _leftovers(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if p.name.startswith(".nasc-")]


@pytest.mark.parametrize("command", ["show", "compile"])
def test_no_command_writes_over_its_inputs(space: Path, command: str) -> None:
    arch = space.parent / "arch.txt"
    arch.write_text(TERM, encoding="utf-8")
    before = {p: p.read_bytes() for p in (space, space.parent / "blocks.nas", arch)}
    extra = ["--backend", "onnx"] if command == "compile" else []
    for target in before:
        code, out = _run(command, space, "--arch", f"@{arch}", *extra, "-o", target)
        assert code == 1, out
        assert "E607" in out and "input" in out
    link = space.parent / "link.nas"
    link.symlink_to(space)
    code, out = _run(command, space, "--arch", TERM, *extra, "-o", link, "--force")
    assert code == 1 and "E607" in out  # through a link, and even with --force
    assert all(p.read_bytes() == data for p, data in before.items())
    assert not _leftovers(space.parent)


def test_compile_never_writes_over_its_weights(space: Path) -> None:
    pytest.importorskip("onnx")
    model = space.parent / "model.onnx"
    code, out = _run("compile", space, "--arch", TERM, "--backend", "onnx", "-o", model)
    assert code == 0, out
    before = model.read_bytes()
    args = ["compile", space, "--arch", TERM, "--backend", "onnx", "--weights", model]
    code, out = _run(*args, "-o", model)
    assert code == 1 and "E607" in out
    assert model.read_bytes() == before


def test_a_file_of_another_kind_is_replaced_only_with_force(space: Path) -> None:
    notes = space.parent / "notes.dot"
    notes.write_text("my notes\n", encoding="utf-8")
    code, out = _run("show", space, "--arch", TERM, "--format", "dot", "-o", notes)
    assert code == 1 and "E608" in out and "--force" in out
    assert notes.read_text(encoding="utf-8") == "my notes\n"
    code, out = _run("show", space, "--arch", TERM, "--format", "dot", "-o", notes, "--force")
    assert code == 0, out
    assert notes.read_text(encoding="utf-8").startswith("digraph")
    # a file of the output's own kind is replaced without --force
    code, out = _run("show", space, "--arch", TERM, "--format", "dot", "-o", notes)
    assert code == 0, out


def test_writing_through_a_link_keeps_the_link(space: Path) -> None:
    real = space.parent / "real.txt"
    link = space.parent / "out.txt"
    link.symlink_to(real)
    code, out = _run("show", space, "--arch", TERM, "-o", link)
    assert code == 0, out
    assert link.is_symlink() and real.read_text(encoding="utf-8").startswith("graph [3, 8, 8]")


@pytest.mark.parametrize(
    ("target", "words"),
    [
        ("missing/dir/out.txt", "does not exist"),
        ("/sys/nasc-out.txt", "cannot write"),
        ("/dev/null", "not a regular file"),
        ("/proc/self/status", "no file can be created in /proc"),
    ],
)
def test_unwritable_places_are_clear_errors(space: Path, target: str, words: str) -> None:
    if not target.startswith("/"):
        target = str(space.parent / target)
    code, out = _run("show", space, "--arch", TERM, "-o", target)
    assert code == 1, out
    assert words in out and "Traceback" not in out


def test_proc_version_is_an_error_not_an_abort(space: Path) -> None:
    """Once, SIGABRT killed the interpreter; now, with or without --force, it is E606."""
    for force in ([], ["--force"]):
        done = subprocess.run(
            [NASC, "show", str(space), "--arch", TERM, "-o", "/proc/version", *force],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 1, done.stderr
        assert "E606" in done.stderr
        assert "Traceback" not in done.stderr


def _limited(limit: int) -> None:  # runs in the child before exec
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))


def test_a_failed_fmt_write_leaves_the_original_intact(tmp_path: Path) -> None:
    """The file-size limit makes the write fail half way, as a full disk does."""
    path = tmp_path / "messy.nas"
    original = "import std\ninput [3, 8, 8]\n" + "".join(
        f"R{i}   ::=   relu|gelu   |  sigmoid\n" for i in range(400)
    )
    path.write_text(original + "A ::= Sequential(" + ", ".join(f"R{i}" for i in range(400)) + ")\n")
    before = path.read_bytes()
    done = subprocess.run(
        [NASC, "fmt", "--write", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=lambda: _limited(len(before) // 2),
    )
    assert done.returncode == 1, done.stderr
    assert "E606" in done.stderr and "larger than this system allows" in done.stderr
    assert path.read_bytes() == before
    assert not _leftovers(tmp_path)
    done = subprocess.run(
        [NASC, "fmt", "--write", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert path.read_bytes() != before


def test_write_output_keeps_the_mode_of_the_file_it_replaces(tmp_path: Path) -> None:
    path = tmp_path / "listing.txt"
    path.write_text("graph [1] -> vector [1]\n", encoding="utf-8")
    path.chmod(0o640)
    write_output(path, "graph [2] -> vector [2]\n", GRAPH_TEXT)
    assert path.read_text(encoding="utf-8") == "graph [2] -> vector [2]\n"
    assert path.stat().st_mode & 0o777 == 0o640
    with pytest.raises(NascError) as caught:
        write_output(tmp_path / "nowhere" / "x.nas", "A ::= id\n", SAME_FILE)
    assert caught.value.diagnostics[0].code == "E606"
    assert os.listdir(tmp_path) == ["listing.txt"]
