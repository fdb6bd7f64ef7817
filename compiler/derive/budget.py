"""Budgets on the whole architecture: ``constraint params <= 5e6``, ``constraint macs <= 600e6``.

A budget depends on every choice at once (and on shapes), so the counting
structure cannot honour it: counts are of the space without its budgets, and
sampling, mutation and crossover honour budgets by rejection, drawing again until
an architecture fits (`nasc count` estimates the acceptance rate from uniform draws). A derivation
over a budget is not an architecture of the space (`nasc.compiler.derive.derivation.validate`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from nasc.compiler.space import Space
from nasc.dsl import NascError
from nasc.dsl.diagnostics import error

if TYPE_CHECKING:
    from nasc.compiler.derive.derivation import Derivation

MAX_DRAWS = 2_000  # draws before sampling says no architecture fits the budgets

# what an architecture uses ({"params": ..., "macs": ...}); the graph layer, which can
# build and cost a derivation, registers it (`nasc.compiler.graph`)
Measure = Callable[[Space, "Derivation"], Mapping[str, int]]
_MEASURE: list[Measure] = []


def register_measure(measure: Measure) -> None:
    """Set how budgets measure an architecture (done once by `nasc.compiler.graph`)."""
    _MEASURE[:] = [measure]


def over_budget(space: Space, d: Derivation) -> str | None:
    """Why ``d`` breaks a budget of the space, or None when it keeps every one."""
    if not space.budgets:
        return None
    assert _MEASURE, "importing nasc.compiler registers the measure of nasc.compiler.graph"
    try:
        used = _MEASURE[0](space, d)
    except NascError as exc:
        return exc.diagnostics[0].message
    for metric, limit in space.budgets:
        if used[metric] > limit:
            return f"{used[metric]:,} {metric} exceed `constraint {metric} <= {limit:g}`"
    return None


def within_budget(space: Space, draw: Callable[[], Derivation], what: str) -> Derivation:
    """The first of ``draw()``'s architectures that keeps the budgets (E711 after
    `MAX_DRAWS` draws that all break one)."""
    for _ in range(MAX_DRAWS):
        d = draw()
        if over_budget(space, d) is None:
            return d
    budgets = ", ".join(f"{metric} <= {limit:g}" for metric, limit in space.budgets)
    raise NascError(
        error(
            "E711",
            f"no {what} within the budgets ({budgets}) in {MAX_DRAWS:,} draws",
            None,
            "budgets are honoured by rejection: loosen them, or narrow the space",
        )
    )
