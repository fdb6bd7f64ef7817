"""Checking a space end to end: read, parse, lower, check the grammar, check shapes."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

from nasc.compiler.check import grammar as grammar_checks
from nasc.compiler.check.lower import lower
from nasc.compiler.check.pcfg import supercritical_pcfg
from nasc.compiler.check.shape_check import check_shapes
from nasc.compiler.space import Space
from nasc.dsl import Diagnostic, NascError, format_all
from nasc.dsl.diagnostics import Severity
from nasc.dsl.modules import load_modules
from nasc.dsl.parse import deep_recursion

# Checks that stay meaningful when names failed to resolve; the others would only
# repeat those errors in other words.
_TEMPLATE_DROPPED = {
    "E100",
    "E101",
    "E102",
    "E103",
    "E104",
    "E200",
    "E201",
    "E202",
    "E203",
    "E206",
    "E210",
}
_IMPORT_FAILED = {"E100", "E101", "E102", "E103", "E104"}
# "never used" and "unreachable": not said of a rule that an alternative left out
# for its own error uses
_USE_WARNINGS = {"W500", "W501"}
_ROBUST = (
    grammar_checks.duplicate_alternatives,
    grammar_checks.unused_and_unreachable,
    grammar_checks.topology_shapes,
)


@dataclass
class CheckResult:
    """A space (when it lowered) and every diagnostic about it, sorted by position."""

    space: Space | None
    diagnostics: list[Diagnostic]
    sources: dict[str, str]

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity is Severity.ERROR]

    @property
    def ok(self) -> bool:
        return self.space is not None and not self.errors

    def format(self) -> str:
        return format_all(self.diagnostics, self.sources)


def check(
    path: str,
    overrides: Mapping[str, str] | None = None,
    overlays: Mapping[str, str] | None = None,
) -> CheckResult:
    """All problems of the space in ``path`` at once.

    ``overrides`` sets params (``{"classes": "100"}``); ``overlays`` replaces files'
    text (an editor's unsaved buffers).

    >>> result = check("examples/hnb201.nas")
    >>> result.ok, result.space.start
    (True, 'ARCH')
    """
    with deep_recursion(), _collector_paused():
        return _check(path, overrides, overlays)


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """No cyclic garbage collection while a check builds its (acyclic, short-lived) syntax
    model: full collections over its many objects made checking superlinear in size."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


# checks of a whole, error-free space that need the layers above this one (counting,
# measuring architectures); they register themselves (`nasc.compiler.derive.emptiness`)
SpaceCheck = Callable[[Space], list[Diagnostic]]
_SPACE_CHECKS: list[SpaceCheck] = []


def register_space_check(run: SpaceCheck) -> None:
    """Run ``run`` on every space that checks without errors (once per function)."""
    if run not in _SPACE_CHECKS:
        _SPACE_CHECKS.append(run)


def _check(
    path: str,
    overrides: Mapping[str, str] | None,
    overlays: Mapping[str, str] | None,
) -> CheckResult:
    modules = load_modules(path, overlays)
    sources = {p: s.text for p, s in modules.sources.items()}
    diagnostics = list(modules.diagnostics)
    space: Space | None = None
    if modules.main in modules.modules:
        dropped: set[str] = set()
        space, found = lower(modules, overrides, dropped)
        if any(d.code in _IMPORT_FAILED for d in diagnostics):
            # Names the missing file would have defined: its own error says it all.
            found = [d for d in found if d.code != "E200"]
        diagnostics.extend(found)
        if space is not None:
            complete = not any(d.code in _TEMPLATE_DROPPED for d in diagnostics)
            for run in grammar_checks.CHECKS if complete else _ROBUST:
                diagnostics.extend(
                    d
                    for d in run(space)
                    if d.code not in _USE_WARNINGS or not _names_one_of(d, dropped)
                )
            if complete:
                diagnostics.extend(supercritical_pcfg(space))
            # shapes too when alternatives were left out for their errors: what remains
            # are real derivations, so their shape errors are real, found in the same run
            diagnostics.extend(check_shapes(space))
            if complete and not any(d.severity is Severity.ERROR for d in diagnostics):
                for late in _SPACE_CHECKS:
                    diagnostics.extend(late(space))
    diagnostics.sort(key=Diagnostic.sort_key)
    return CheckResult(space, _unique(diagnostics), sources)


def _names_one_of(diagnostic: Diagnostic, names: set[str]) -> bool:
    """Whether the diagnostic is about a nonterminal named in ``names`` (quoted first)."""
    _, _, rest = diagnostic.message.partition("'")
    return rest.partition("'")[0] in names


def _unique(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    seen: set[Diagnostic] = set()
    unique = []
    for diag in diagnostics:
        if diag not in seen:
            seen.add(diag)
            unique.append(diag)
    return unique


def load(path: str, overrides: Mapping[str, str] | None = None) -> Space:
    """The checked Space of a `.nas` file; NascError carries the errors if it has any.

    >>> space = load("examples/nb201.nas")
    >>> sorted(space.shared)
    ['CELL']
    """
    result = check(path, overrides)
    if not result.ok or result.space is None:
        raise NascError(result.errors or result.diagnostics)
    return result.space
