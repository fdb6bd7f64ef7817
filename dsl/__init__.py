"""The `.nas` language: grammar, standard library, parsing and diagnostics."""

from nasc.dsl.diagnostics import (
    Diagnostic,
    NascError,
    Severity,
    Span,
    format_all,
    format_diagnostic,
    summary,
)
from nasc.dsl.parse import STD_DISPLAY_PATH, STD_NAME, Source, decode, parse, read_source, std_text

__all__ = [
    "STD_DISPLAY_PATH",
    "STD_NAME",
    "Diagnostic",
    "NascError",
    "Severity",
    "Source",
    "Span",
    "decode",
    "format_all",
    "format_diagnostic",
    "parse",
    "read_source",
    "std_text",
    "summary",
]
