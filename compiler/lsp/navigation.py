"""Go to definition, find references and the document outline, across imports."""

from __future__ import annotations

from lsprotocol import types
from pygls.uris import from_fs_path

from nasc.compiler.lsp.positions import LineIndex
from nasc.compiler.lsp.project import Project, on_disk
from nasc.compiler.lsp.scan import Occurrence, imports_of, scan

_SYMBOL_KINDS = {
    "rule": types.SymbolKind.Class,
    "primitive": types.SymbolKind.Function,
    "alias": types.SymbolKind.Function,
    "topology": types.SymbolKind.Struct,
    "param": types.SymbolKind.Constant,
}


def location(project: Project, path: str, start: int, end: int, encoding: str) -> types.Location:
    index = LineIndex(project.text(path) or "", encoding)
    return types.Location(uri=from_fs_path(on_disk(path)) or path, range=index.range(start, end))


def definition(project: Project, path: str, offset: int, encoding: str) -> list[types.Location]:
    """Where the name (or the imported file) under the cursor is defined."""
    text = project.text(path) or ""
    occurrence = scan(text).at(offset)
    if occurrence is None:
        return []
    if occurrence.role == "import":
        for written, target in imports_of(path, text):
            if written.start == occurrence.start:
                return [location(project, target, 0, 0, encoding)]
        return []
    if occurrence.role == "key" and occurrence.owner is not None:
        return _key_definition(project, path, occurrence, encoding)
    if occurrence.role == "local":
        return _local_definition(project, path, occurrence, encoding)
    return [
        location(project, file, found.start, found.end, encoding)
        for file, found in project.definitions(path, occurrence.name)
    ][:1]


def _key_definition(
    project: Project, path: str, key: Occurrence, encoding: str
) -> list[types.Location]:
    for file, owner in project.definitions(path, key.owner or ""):
        found = scan(project.text(file) or "")
        if owner.kind == "alias":  # the parameter belongs to the aliased primitive
            target = next(
                (o for o in found.occurrences if o.role == "reference" and o.start > owner.end),
                None,
            )
            if target is not None:
                return _key_definition(
                    project, file, Occurrence(key.name, 0, 0, "key", owner=target.name), encoding
                )
        for declared in found.occurrences:
            if (
                declared.role == "key"
                and declared.owner == owner.name
                and declared.name == key.name
                and declared.start > owner.start
            ):
                return [location(project, file, declared.start, declared.end, encoding)]
    return []


def _local_definition(
    project: Project, path: str, local: Occurrence, encoding: str
) -> list[types.Location]:
    found = scan(project.text(path) or "")
    statement = next((s for s in reversed(found.statements) if s.start <= local.start), None)
    for occurrence in found.occurrences:
        if (
            occurrence.role == "local"
            and occurrence.name == local.name
            and statement is not None
            and statement.start <= occurrence.start <= statement.end
        ):
            return [location(project, path, occurrence.start, occurrence.end, encoding)]
    return []


def references(
    project: Project, path: str, offset: int, include_declaration: bool, encoding: str
) -> list[types.Location]:
    """Every use of the name under the cursor in the files that see its definition."""
    occurrence = scan(project.text(path) or "").at(offset)
    if occurrence is None or occurrence.role not in ("definition", "reference"):
        return []
    name = occurrence.name
    home = next(iter(project.definitions(path, name)), None)
    files = dict.fromkeys(project.closure(path))
    for main in list(project.open):
        reach = project.closure(main)
        if home is None or home[0] in reach:
            files.update(dict.fromkeys(reach))
    found = []
    for file in files:
        for use in scan(project.text(file) or "").occurrences:
            if use.name != name or use.role not in ("definition", "reference"):
                continue
            if use.role == "definition" and not include_declaration:
                continue
            found.append(location(project, file, use.start, use.end, encoding))
    return found


def symbols(text: str, encoding: str) -> list[types.DocumentSymbol]:
    """The outline: imports and every definition, each over its whole statement."""
    index = LineIndex(text, encoding)
    found = scan(text)
    outline = []
    for statement in found.statements:
        named = statement.definition
        if statement.keyword == "import":
            named = next(
                (o for o in found.imports if statement.start <= o.start <= statement.end), None
            )
        if named is None:
            continue
        kind = types.SymbolKind.Module if named.role == "import" else _SYMBOL_KINDS[named.kind]
        outline.append(
            types.DocumentSymbol(
                name=named.name,
                kind=kind,
                range=index.range(statement.start, max(statement.end, named.end)),
                selection_range=index.range(named.start, named.end),
                detail="import" if named.role == "import" else named.kind,
            )
        )
    return outline
