"""The files the editor works on: open buffers, what they import, and the standard library.

The standard library is package data (`nasc.dsl.std_text()`); the compiler names it
``<std>/std.nas``. The editor sees it as the file shipped in the installed package
(or, when the package is not a plain folder, a read-only copy in the temporary
folder), so that go-to-definition can open it.
"""

from __future__ import annotations

import functools
import os
import tempfile
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

from nasc.compiler.check.pipeline import check
from nasc.compiler.lsp.scan import Occurrence, imports_of, scan
from nasc.compiler.space import Space
from nasc.dsl import STD_DISPLAY_PATH, std_text

_STD_PROBE = "<nasc-std-probe>.nas"


@functools.cache
def std_file() -> str:
    """A path on disk holding the standard library's text."""
    shipped = resources.files("nasc.dsl").joinpath("std.nas")
    if isinstance(shipped, Path) and shipped.is_file():
        return str(shipped.resolve())
    folder = Path(tempfile.gettempdir()) / "nasc-std"
    folder.mkdir(exist_ok=True)
    copy = folder / "std.nas"
    if not copy.is_file() or copy.read_text(encoding="utf-8") != std_text():
        copy.write_text(std_text(), encoding="utf-8")
        copy.chmod(0o444)
    return str(copy)


def on_disk(path: str) -> str:
    """Where the editor finds a file the compiler names ``path``."""
    return std_file() if path == STD_DISPLAY_PATH else path


def compiler_path(path: str) -> str:
    """The name the compiler gives a file the editor has at ``path``."""
    return STD_DISPLAY_PATH if os.path.normcase(path) == os.path.normcase(std_file()) else path


@functools.cache
def std_space() -> Space | None:
    """The standard library as a space: its primitives, aliases and topologies with docs."""
    probe = "import std\ninput [3, 8, 8]\nA ::= id\n"
    return check(_STD_PROBE, overlays={_STD_PROBE: probe}).space


class Project:
    """Texts of open documents and of the files they import, and their last good spaces."""

    def __init__(self) -> None:
        self.open: dict[str, str] = {}
        self.known: dict[str, str] = {STD_DISPLAY_PATH: std_text()}
        self.spaces: dict[str, Space] = {}
        self.clean: dict[str, bool] = {}

    def text(self, path: str) -> str | None:
        """An open buffer's text, else the last text a check read, else the file on disk."""
        if path in self.open:
            return self.open[path]
        if path not in self.known:
            try:
                with open(path, encoding="utf-8") as handle:
                    self.known[path] = handle.read()
            except (OSError, UnicodeDecodeError):
                return None
        return self.known[path]

    def learn(self, main: str, sources: dict[str, str], space: Space | None, ok: bool) -> None:
        """Remember what a check of ``main`` read, its space if it lowered, and if it was clean."""
        for path, text in sources.items():
            if path not in self.open:
                self.known[path] = text
        if space is not None:
            self.spaces[main] = space
        self.clean[main] = ok

    def space(self, main: str) -> Space | None:
        """The last space that ``main`` lowered to, or the standard library's."""
        return self.spaces.get(main) or std_space()

    def closure(self, main: str) -> list[str]:
        """``main`` and every file it imports, directly or not, nearest first."""
        order = [main]
        for path in order:
            text = self.text(path)
            if text is None:
                continue
            for _, target in imports_of(path, text):
                if target not in order:
                    order.append(target)
        return order

    def definitions(self, main: str, name: str) -> Iterator[tuple[str, Occurrence]]:
        """Where ``name`` is defined among the files ``main`` sees, nearest first."""
        for path in self.closure(main):
            text = self.text(path)
            if text is not None and name in scan(text).definitions:
                yield path, scan(text).definitions[name]

    def import_lines(self, main: str) -> list[tuple[Occurrence, set[str]]]:
        """Each import of ``main`` with every file that it brings in."""
        text = self.text(main) or ""
        return [
            (occurrence, set(self.closure(target))) for occurrence, target in imports_of(main, text)
        ]
