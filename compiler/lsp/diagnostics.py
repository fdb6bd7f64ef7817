"""The compiler's diagnostics as LSP diagnostics of one open document.

A problem in an imported file is shown on the import line that brings the file in
(with the place in that file as related information); one with no place, on the
first line.
"""

from __future__ import annotations

from lsprotocol import types
from pygls.uris import from_fs_path

from nasc.compiler.check.pipeline import CheckResult
from nasc.compiler.lsp.positions import LineIndex
from nasc.compiler.lsp.project import Project, on_disk
from nasc.compiler.lsp.scan import Occurrence
from nasc.dsl import Diagnostic, Severity

MAX_CHECKED_CHARS = 200_000
SOURCE = "nasc"


def convert(
    project: Project, result: CheckResult, path: str, index: LineIndex
) -> list[types.Diagnostic]:
    """The diagnostics of a check of ``path`` (whose text ``index`` holds), for the editor."""
    imports = project.import_lines(path)
    return [_convert(project, d, path, index, imports) for d in result.diagnostics]


def too_large(index: LineIndex) -> types.Diagnostic:
    return types.Diagnostic(
        range=index.range(0, 0),
        message=f"this document has {len(index.text):,} characters; live checking stops at "
        f"{MAX_CHECKED_CHARS:,}: run `nasc check` on it",
        severity=types.DiagnosticSeverity.Information,
        source=SOURCE,
    )


def internal(index: LineIndex, message: str) -> types.Diagnostic:
    return types.Diagnostic(
        range=index.range(0, 0),
        message=message,
        severity=types.DiagnosticSeverity.Error,
        source=SOURCE,
    )


def _message(diag: Diagnostic) -> str:
    return "\n".join([diag.message, *(f"note: {note}" for note in diag.notes)])


def _convert(
    project: Project,
    diag: Diagnostic,
    path: str,
    index: LineIndex,
    imports: list[tuple[Occurrence, set[str]]],
) -> types.Diagnostic:
    severity = (
        types.DiagnosticSeverity.Error
        if diag.severity is Severity.ERROR
        else types.DiagnosticSeverity.Warning
    )
    span = diag.span
    if span is None or span.path == path:
        where = index.span_range(span) if span is not None else index.range(0, 0)
        return types.Diagnostic(
            range=where, message=_message(diag), severity=severity, code=diag.code, source=SOURCE
        )
    where = index.range(0, 0)
    for occurrence, files in imports:
        if span.path in files:
            where = index.range(occurrence.start, occurrence.end)
            break
    there = LineIndex(project.text(span.path) or "", index.encoding)
    related = types.DiagnosticRelatedInformation(
        location=types.Location(
            uri=from_fs_path(on_disk(span.path)) or span.path, range=there.span_range(span)
        ),
        message=diag.message,
    )
    return types.Diagnostic(
        range=where,
        message=f"in {span}: {_message(diag)}",
        severity=severity,
        code=diag.code,
        source=SOURCE,
        related_information=[related],
    )
