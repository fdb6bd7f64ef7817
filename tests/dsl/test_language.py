"""textX registration: `textx list-languages` shows `nas`; `textx check` parses an example."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

BIN = Path(sys.executable).parent


def test_textx_lists_the_language_and_checks_an_example() -> None:
    textx = shutil.which("textx", path=str(BIN))
    if textx is None:
        pytest.skip(f"the textx command is not installed beside {sys.executable}")
    listing = subprocess.run([textx, "list-languages"], capture_output=True, text=True, check=False)
    assert listing.returncode == 0, listing.stderr
    assert any(
        line.split()[:2] == ["nas", "(*.nas)"]
        for line in (listing.stdout + listing.stderr).splitlines()
    )
    path = ROOT / "examples" / "hnb201.nas"
    checked = subprocess.run(
        [textx, "check", str(path)], capture_output=True, text=True, check=False
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "OK" in checked.stdout + checked.stderr


def test_textx_check_reports_a_syntax_error_with_its_position(tmp_path: Path) -> None:
    textx = shutil.which("textx", path=str(BIN))
    if textx is None:
        pytest.skip(f"the textx command is not installed beside {sys.executable}")
    path = tmp_path / "broken.nas"
    path.write_text("A ::= Sequential(relu,\n", encoding="utf-8")
    checked = subprocess.run(
        [textx, "check", str(path)], capture_output=True, text=True, check=False
    )
    assert checked.returncode != 0
    assert f"{path}:2:1" in checked.stdout + checked.stderr
