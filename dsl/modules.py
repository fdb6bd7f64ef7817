"""Finding and reading the files of a space: the main file and what it imports.

``import std`` is the standard library shipped with nasc; ``import name`` reads
``name.nas`` beside the importing file; ``import "path/to/file.nas"`` a relative path.
Imports are read once each; a cycle is an error at the import that closes it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from nasc.dsl import STD_DISPLAY_PATH, STD_NAME, Diagnostic, NascError, Source, parse, std_text
from nasc.dsl.diagnostics import error
from nasc.dsl.parse import read_source


@dataclass
class Module:
    source: Source
    model: Any
    imports: list[str] = field(default_factory=list)


@dataclass
class ModuleSet:
    """The parsed main file and its imports, in dependency order (imports first)."""

    main: str
    modules: dict[str, Module]
    order: list[str]
    diagnostics: list[Diagnostic]
    sources: dict[str, Source]


_STD_CACHE: dict[str, Module] = {}


def _std_module() -> Module:
    if STD_DISPLAY_PATH not in _STD_CACHE:
        source = Source.of(STD_DISPLAY_PATH, std_text())
        _STD_CACHE[STD_DISPLAY_PATH] = Module(source, parse(source))
    return _STD_CACHE[STD_DISPLAY_PATH]


def _import_target(importer: str, statement: Any) -> str:
    if statement.path:
        relative = str(statement.path)
    elif statement.name == STD_NAME:
        return STD_DISPLAY_PATH
    else:
        relative = str(statement.name) + ".nas"
    if importer == STD_DISPLAY_PATH:
        return relative
    return os.path.normpath(os.path.join(os.path.dirname(importer), relative))


def load_modules(path: str, overlays: Mapping[str, str] | None = None) -> ModuleSet:
    """Parse ``path`` and everything it imports; problems come back as diagnostics.

    ``overlays`` maps paths to text that replaces the file on disk (an editor's
    unsaved buffers).
    """
    overlays = overlays or {}
    found = ModuleSet(path, {}, [], [], {})

    def read(target: str) -> Source:
        if target in overlays:
            return Source.of(target, overlays[target])
        return read_source(target)

    def visit(target: str, stack: list[str], via: tuple[Source, Any] | None) -> None:
        if target in found.modules:
            return
        if target in stack:
            assert via is not None
            cycle = " -> ".join([*stack[stack.index(target) :], target])
            found.diagnostics.append(
                error(
                    "E103",
                    f"import cycle: {cycle}",
                    via[0].span_of(via[1]),
                    "move what both files need into a third file that both import",
                )
            )
            return
        try:
            if target == STD_DISPLAY_PATH:
                module = _std_module()
            else:
                source = read(target)
                found.sources[target] = source
                module = Module(source, parse(source))
        except NascError as exc:
            if via is not None and exc.diagnostics[0].code == "E101" and not os.path.exists(target):
                found.diagnostics.append(
                    error(
                        "E102",
                        f"cannot find the imported file '{target}'",
                        via[0].span_of(via[1]),
                        "imports are relative to the importing file; `import std` is the standard library",
                    )
                )
            else:
                found.diagnostics.extend(exc.diagnostics)
                if via is not None and target != STD_DISPLAY_PATH:
                    found.diagnostics.append(
                        error(
                            "E102",
                            f"the imported file '{target}' has errors",
                            via[0].span_of(via[1]),
                        )
                    )
            return
        found.sources[target] = module.source
        stack.append(target)
        for statement in module.model.statements:
            if type(statement).__name__ == "Import":
                child = _import_target(target, statement)
                module.imports.append(child)
                visit(child, stack, (module.source, statement))
        stack.pop()
        found.modules[target] = module
        found.order.append(target)

    visit(path, [], None)
    return found
