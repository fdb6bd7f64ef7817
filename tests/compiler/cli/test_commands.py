"""`nasc` is filled from the entry-point group `nasc.commands`: built-in commands and
a third-party distribution's alike; a command that cannot load fails alone, in one line."""

from __future__ import annotations

import os
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

import pytest

from nasc.compiler.cli import group as cli
from tests.conftest import ROOT

BUILT_IN = {"check", "count", "sample", "mutate", "crossover", "show", "fmt", "lsp", "compile"}
BUILT_IN |= {"search", "report", "export"}  # nasc.search's commands


def test_every_built_in_command_is_an_entry_point() -> None:
    points = {point.name: point.value for point in entry_points(group=cli.COMMAND_GROUP)}
    assert set(points) >= BUILT_IN
    assert points["compile"].startswith("nasc.backends.")  # defined above the compiler
    assert cli.main.commands.keys() <= set(points)  # nothing is wired in by hand


def test_the_group_names_no_layer_above_it() -> None:
    source = Path(cli.__file__).read_text(encoding="utf-8")
    assert "nasc.backends" not in source and "nasc.search" not in source


@pytest.fixture
def plugin_path(tmp_path: Path) -> Path:
    """An installed third-party distribution: a module and its dist-info on the path."""
    (tmp_path / "nasc_hello.py").write_text(
        "import click\n\n"
        "@click.command('hello')\n"
        "@click.argument('name')\n"
        "def hello(name: str) -> None:\n"
        "    '''Greet NAME.'''\n"
        "    click.echo(f'hello {name}')\n\n"
        "NOT_A_COMMAND = 42\n",
        encoding="utf-8",
    )
    info = tmp_path / "nasc_hello-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: nasc-hello\nVersion: 1.0\n", encoding="utf-8"
    )
    (info / "entry_points.txt").write_text(
        "[nasc.commands]\n"
        "hello = nasc_hello:hello\n"
        "broken = nasc_no_such_module:command\n"
        "number = nasc_hello:NOT_A_COMMAND\n",
        encoding="utf-8",
    )
    return tmp_path


def _nasc(plugin_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(plugin_path)}
    code = "from nasc.compiler.cli import main; main(prog_name='nasc')"
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )


def test_a_third_party_command_joins_the_cli(plugin_path: Path) -> None:
    done = _nasc(plugin_path, "hello", "world")
    assert done.returncode == 0 and done.stdout == "hello world\n", done.stderr
    listing = _nasc(plugin_path, "--help")
    assert listing.returncode == 0, listing.stderr
    rows = listing.stdout.split("Commands:")[1].splitlines()
    listed = {row.split()[0] for row in rows if row.startswith("  ") and row[2] != " "}
    installed = {point.name for point in entry_points(group=cli.COMMAND_GROUP)}
    assert installed >= BUILT_IN
    assert listed == installed | {"hello", "broken", "number"}
    assert "cannot be loaded" in listing.stdout


def test_a_broken_plugin_fails_alone_in_one_line(plugin_path: Path) -> None:
    for name, reason in (("broken", "nasc_no_such_module"), ("number", "not a command")):
        done = _nasc(plugin_path, name, "some", "--args")
        assert done.returncode == 1 and done.stdout == ""
        assert len(done.stderr.splitlines()) == 1, done.stderr
        assert f"'{name}'" in done.stderr and reason in done.stderr
        assert "Traceback" not in done.stderr
    works = _nasc(plugin_path, "check", "-q", str(ROOT / "examples" / "nb201.nas"))
    assert works.returncode == 0, works.stderr
