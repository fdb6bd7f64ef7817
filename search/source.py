"""A space as text: what a worker needs to rebuild it without the driver's files.

The run store keeps the text and its hash, so a resumed run can tell whether the
space changed, and workers (local or remote) load the space from the text alone.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from nasc.compiler import Space, check
from nasc.dsl import STD_DISPLAY_PATH, NascError


@dataclass(frozen=True)
class SpaceSource:
    """The main `.nas` file's path and text, the text of each imported file, and --set values.

    >>> source = SpaceSource.read("examples/nb201.nas")
    >>> source.load().start, len(source.hash)
    ('NET', 64)
    """

    path: str
    text: str
    imports: Mapping[str, str] = field(default_factory=dict)
    overrides: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def read(cls, path: str | Path, overrides: Mapping[str, str] | None = None) -> SpaceSource:
        """Read the space at ``path`` and its imports; NascError when it has errors."""
        result = check(str(path), overrides)
        if not result.ok:
            raise NascError(result.errors or result.diagnostics)
        main = str(path)
        imports = {p: t for p, t in result.sources.items() if p not in (main, STD_DISPLAY_PATH)}
        return cls(main, result.sources[main], imports, dict(overrides or {}))

    def with_overrides(self, overrides: Mapping[str, str]) -> SpaceSource:
        return SpaceSource(self.path, self.text, self.imports, dict(overrides))

    def load(self) -> Space:
        """The checked Space, read from the texts only (never the file system)."""
        overlays = {**self.imports, self.path: self.text}
        result = check(self.path, self.overrides, overlays)
        if not result.ok or result.space is None:
            raise NascError(result.errors or result.diagnostics)
        return result.space

    @property
    def hash(self) -> str:
        """sha256 over the main text and every imported file's text (not the overrides)."""
        blob = json.dumps([self.text, sorted(self.imports.values())], ensure_ascii=False)
        return hashlib.sha256(blob.encode()).hexdigest()


__all__ = ["SpaceSource"]
