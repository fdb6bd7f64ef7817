"""textX language registration: `textx list-languages` shows `nas`,
and `textx check file.nas` parses a file with this grammar."""

from __future__ import annotations

from typing import Any

from textx import language

from nasc.dsl.parse import metamodel


@language("nas", "*.nas")  # type: ignore[untyped-decorator]
def nas_language() -> Any:
    "nasc neural-architecture search spaces"
    return metamodel()
