"""Plugin primitives from an installed distribution (`nasc.primitives` entry points):
a real fake distribution, a module and its dist-info on the path of a fresh process,
used by a space, compiled by every backend, and checked by its author's conformance
tests; broken plugins fail alone, in one line."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

DIST = Path(__file__).parent / "plugin_dist"


@pytest.fixture
def installed(tmp_path: Path) -> Path:
    site = tmp_path / "site"
    shutil.copytree(DIST, site)
    (site / "author_tests.py").rename(site / "test_channel_scale.py")
    return site


def _python(site: Path, *args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(site)}
    return subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=600
    )


def _nasc(site: Path, *args: str) -> subprocess.CompletedProcess[str]:
    code = "from nasc.compiler.cli import main; main(prog_name='nasc')"
    return _python(site, "-c", code, *args)


def test_the_authors_conformance_tests_pass(installed: Path) -> None:
    done = _python(
        installed,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "test_channel_scale.py",
        "--rootdir",
        str(installed),
        cwd=installed,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "4 passed" in done.stdout or "passed" in done.stdout.splitlines()[-1]
    assert "failed" not in done.stdout.splitlines()[-1]


def test_a_space_uses_a_plugin_and_every_backend_compiles_it(
    installed: Path, tmp_path: Path
) -> None:
    space = tmp_path / "plugged.nas"
    space.write_text(
        "import std\ninput [4, 6, 6]\n"
        "NET ::= Sequential(conv(8), channel_scale(offset=0.5), global_avg_pool, linear(3))\n"
    )
    checked = _nasc(installed, "check", str(space))
    assert checked.returncode == 0, checked.stderr
    shown = _nasc(installed, "show", str(space), "--sample")
    assert shown.returncode == 0, shown.stderr
    assert 'plugin(%1) primitive="channel_scale" offset=0.5' in shown.stdout
    row = next(line for line in shown.stdout.splitlines() if line.startswith("%2 = plugin"))
    assert row.split()[-3] == "8"  # its 8 scales: the plugin's tensor, counted
    for suffix, backend in ((".pt2", "torch"), (".onnx", "onnx"), (".keras", "tensorflow")):
        out = tmp_path / f"model{suffix}"
        made = _nasc(
            installed, "compile", str(space), "--sample", "--backend", backend, "-o", str(out)
        )
        assert made.returncode == 0 and out.exists(), made.stderr


def test_a_missing_lowering_is_e602_and_broken_plugins_fail_alone(
    installed: Path, tmp_path: Path
) -> None:
    torch_only = tmp_path / "torch_only.nas"
    torch_only.write_text("import std\ninput [4, 6, 6]\nNET ::= torch_only\n")
    out = tmp_path / "model.onnx"
    made = _nasc(
        installed, "compile", str(torch_only), "--sample", "--backend", "onnx", "-o", str(out)
    )
    assert made.returncode == 1 and "E602" in made.stderr and "'torch_only'" in made.stderr
    assert "Traceback" not in made.stderr
    ok = _nasc(installed, "compile", str(torch_only), "--sample", "-o", str(tmp_path / "m.pt2"))
    assert ok.returncode == 0, ok.stderr
    for name, reason in (
        ("missing", "nasc_no_such_module"),
        ("number", "not a nasc PluginPrimitive"),
    ):
        space = tmp_path / f"{name}.nas"
        space.write_text(f"import std\ninput [4, 6, 6]\nNET ::= {name}\n")
        done = _nasc(installed, "check", str(space))
        assert done.returncode == 1 and "E200" in done.stdout, done.stdout + done.stderr
        notes = [line for line in done.stdout.splitlines() if reason in line]
        assert len(notes) == 1 and "Traceback" not in done.stdout + done.stderr
    conv = tmp_path / "conv.nas"  # a plugin cannot take a built-in's name; the built-in works
    conv.write_text("import std\ninput [4, 6, 6]\nNET ::= conv(8)\n")
    assert _nasc(installed, "check", str(conv)).returncode == 0
    assert _nasc(installed, "check", str(ROOT / "examples" / "nb201.nas")).returncode == 0
