"""A space travels to workers as text: it loads without the files it came from."""

from __future__ import annotations

import shutil
from pathlib import Path

from nasc.compiler import load
from nasc.search.source import SpaceSource

SPACES = Path(__file__).resolve().parents[1] / "compiler" / "check" / "spaces"


def test_a_space_and_its_imports_load_from_their_texts_alone(tmp_path: Path) -> None:
    for name in ("main.nas", "blocks.nas"):
        shutil.copy(SPACES / name, tmp_path / name)
    source = SpaceSource.read(tmp_path / "main.nas", {"width": "4"})
    expected = load(str(tmp_path / "main.nas"), {"width": "4"})
    assert list(source.imports) == [str(tmp_path / "blocks.nas")]
    for name in ("main.nas", "blocks.nas"):
        (tmp_path / name).unlink()
    assert source.load() == expected


def test_the_hash_follows_the_texts_not_the_overrides(tmp_path: Path) -> None:
    for name in ("main.nas", "blocks.nas"):
        shutil.copy(SPACES / name, tmp_path / name)
    first = SpaceSource.read(tmp_path / "main.nas")
    assert SpaceSource.read(tmp_path / "main.nas", {"width": "4"}).hash == first.hash
    blocks = tmp_path / "blocks.nas"
    blocks.write_text(blocks.read_text() + "\n# a comment\n")
    assert SpaceSource.read(tmp_path / "main.nas").hash != first.hash
