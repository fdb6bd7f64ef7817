"""Finding and reading the files of a space: the main file and what it imports.

``import std`` is the standard library shipped with nasc; ``import name`` reads
``name.nas`` beside the importing file; ``import "path/to/file.nas"`` a relative path.
Imports are read once each; a cycle is an error at the import that closes it.

What an import may name (E104 otherwise), so that a space from elsewhere cannot
make nasc read, or echo, any other file:

* only ``.nas`` files, and only regular files of a bounded size (`nasc.dsl.files`);
* a relative path is resolved against the importing file, and must stay inside an
  *import root* once links are followed;
* an absolute path must lie inside an import root.

The import roots are the main file's folder and the folders given with
``--import-path DIR`` (on every command; ``NASC_IMPORT_PATH`` holds more, separated
by ``os.pathsep``); the language server adds its workspace folders.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from contextvars import ContextVar
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


IMPORT_ROOTS: ContextVar[tuple[str, ...]] = ContextVar("nasc_import_roots", default=())
"""Extra import roots (``--import-path``), besides the main file's folder."""


def import_roots(main: str, extra: Iterable[str] = ()) -> tuple[str, ...]:
    """The folders imports may read from: the main file's, ``extra``, ``IMPORT_ROOTS`` and
    ``NASC_IMPORT_PATH`` (all with links resolved)."""
    env = [p for p in os.environ.get("NASC_IMPORT_PATH", "").split(os.pathsep) if p]
    folders = [os.path.dirname(os.path.abspath(main)), *extra, *IMPORT_ROOTS.get(), *env]
    return tuple(dict.fromkeys(os.path.realpath(folder) for folder in folders))


def _inside(path: str, roots: tuple[str, ...]) -> bool:
    real = os.path.realpath(path)
    return any(real == root or real.startswith(root.rstrip(os.sep) + os.sep) for root in roots)


def import_problem(target: str, written: str, roots: tuple[str, ...]) -> str | None:
    """Why an import of ``written`` (resolved to ``target``) may not be read, or None."""
    if target == STD_DISPLAY_PATH:
        return None
    if not written:
        return "an import names an empty path"
    if not target.endswith(".nas"):
        return f"imports name .nas files, and '{written}' is not one"
    if not _inside(target, roots):
        where = "an absolute path outside" if os.path.isabs(written) else "a path that leaves"
        return (
            f"the import '{written}' is {where} the import roots "
            "(the main file's folder and the --import-path folders)"
        )
    return None


def _written_path(statement: Any) -> str | None:
    """The quoted path of an ``import "..."`` (possibly empty); None for ``import name``."""
    return None if statement.name else str(statement.path or "")


def _import_target(importer: str, statement: Any) -> str:
    written = _written_path(statement)
    if written is not None:
        relative = written
    elif statement.name == STD_NAME:
        return STD_DISPLAY_PATH
    else:
        relative = str(statement.name) + ".nas"
    if importer == STD_DISPLAY_PATH:
        return relative
    return os.path.normpath(os.path.join(os.path.dirname(importer), relative))


def load_modules(
    path: str, overlays: Mapping[str, str] | None = None, roots: Iterable[str] = ()
) -> ModuleSet:
    """Parse ``path`` and everything it imports; problems come back as diagnostics.

    ``overlays`` maps paths to text that replaces the file on disk (an editor's
    unsaved buffers); ``roots`` are import roots besides the main file's folder.
    """
    overlays = overlays or {}
    allowed = import_roots(path, roots)
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
            if (
                via is not None
                and exc.diagnostics[0].code == "E101"
                and not os.path.lexists(target)
            ):
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
                written = _written_path(statement)
                written = child if written is None else written
                problem = import_problem(child, written, allowed)
                if problem is not None:
                    found.diagnostics.append(
                        error(
                            "E104",
                            problem,
                            module.source.span_of(statement),
                            "import .nas files beside the main file, or add a folder with "
                            "--import-path DIR",
                        )
                    )
                    continue
                module.imports.append(child)
                visit(child, stack, (module.source, statement))
        stack.pop()
        found.modules[target] = module
        found.order.append(target)

    visit(path, [], None)
    return found
