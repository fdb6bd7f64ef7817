"""Imports read only regular `.nas` files inside the import roots, and never echo others.

An import of ``/abs/path/.env`` or ``../../../../etc/passwd`` once printed the
file's first line in a syntax error. Now: only `.nas` files, relative paths
resolved against the importing file and kept inside the main file's folder (or
an ``--import-path`` root), absolute paths only under a root, and FIFOs, devices
and oversized files refused before a byte is read.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from nasc.compiler.cli import main

HEAD = "import std\ninput [3, 8, 8]\n"
NASC = str(Path(sys.executable).with_name("nasc"))
SECRET = "API_KEY=sk-live-1234567890"


def _check(*args: str | Path) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["check", *map(str, args)])
    return result.exit_code, result.output


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """tmp/outside/{secret.env, lib.nas} and tmp/project/ where the main file lives."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.env").write_text(SECRET + "\n", encoding="utf-8")
    (outside / "lib.nas").write_text("LIB ::= relu | gelu\n", encoding="utf-8")
    folder = tmp_path / "project"
    folder.mkdir()
    return folder


def _main(folder: Path, imports: str, body: str = "A ::= relu\n") -> Path:
    path = folder / "main.nas"
    path.write_text(HEAD + imports + body, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "target",
    [
        "{outside}/secret.env",
        "../outside/secret.env",
        "../../../../../../etc/passwd",
        "/etc/passwd",
    ],
)
def test_files_that_are_not_nas_are_never_read_or_echoed(project: Path, target: str) -> None:
    target = target.format(outside=project.parent / "outside")
    code, out = _check(_main(project, f'import "{target}"\n'))
    assert code == 1 and "E104" in out and ".nas files" in out
    assert SECRET not in out and "root:" not in out


def test_relative_imports_stay_inside_the_main_folder_unless_a_root_is_added(
    project: Path,
) -> None:
    path = _main(project, 'import "../outside/lib.nas"\n', "A ::= LIB\n")
    code, out = _check(path)
    assert code == 1 and "E104" in out and "leaves the import roots" in out
    assert "E200" not in out  # the names the refused file would define are not errors too
    code, out = _check(path, "--import-path", project.parent / "outside")
    assert code == 0, out


def test_absolute_imports_only_under_an_import_root(project: Path) -> None:
    lib = project.parent / "outside" / "lib.nas"
    path = _main(project, f'import "{lib}"\n', "A ::= LIB\n")
    code, out = _check(path)
    assert code == 1 and "E104" in out and "absolute path outside" in out
    code, out = _check(path, "--import-path", lib.parent)
    assert code == 0, out
    inside = project / "inner.nas"
    inside.write_text("IN ::= relu\n", encoding="utf-8")
    code, out = _check(_main(project, f'import "{inside}"\n', "A ::= IN\n"))
    assert code == 0, out


def test_a_link_out_of_the_root_is_refused(project: Path) -> None:
    (project / "link.nas").symlink_to(project.parent / "outside" / "lib.nas")
    code, out = _check(_main(project, 'import "link.nas"\n', "A ::= LIB\n"))
    assert code == 1 and "E104" in out


def test_an_empty_import_and_a_link_loop_say_what_they_are(project: Path) -> None:
    code, out = _check(_main(project, 'import ""\n'))
    assert code == 1 and "empty path" in out and "None.nas" not in out
    (project / "loop.nas").symlink_to(project / "loop.nas")
    code, out = _check(_main(project, 'import "loop.nas"\n'))
    assert code == 1 and "symbolic links" in out and "cannot find" not in out


def test_fifos_devices_and_huge_files_are_refused_without_blocking(project: Path) -> None:
    os.mkfifo(project / "pipe.nas")
    (project / "zero.nas").symlink_to("/dev/zero")
    (project / "big.nas").write_text("A ::= relu\n" * 2000, encoding="utf-8")
    for name, words in [("pipe.nas", "FIFO"), ("zero.nas", "device"), ("big.nas", "limit")]:
        path = _main(project, f'import "{name}"\n')
        done = subprocess.run(
            [NASC, "check", str(path)],
            capture_output=True,
            text=True,
            timeout=60,
            env={**os.environ, "NASC_MAX_SOURCE_BYTES": "10000"},
        )
        assert done.returncode == 1 and words in done.stdout + done.stderr, done.stdout
    code, out = _check(_main(project, 'import "/dev/zero"\n'))
    assert code == 1 and "E104" in out
    for special in ("/dev/zero", str(project / "pipe.nas")):
        result = CliRunner().invoke(
            main, ["show", str(_main(project, "")), "--arch", f"@{special}"]
        )
        assert result.exit_code == 1 and "E605" in result.output and "regular file" in result.output
