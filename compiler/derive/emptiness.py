"""At check time: a space whose constraints leave no architecture is an error (E711).

Structural constraints (depth bounds, `constraint connected`, edge limits, shared
nonterminals) are part of the exact count: a count of 0 means no architecture.
Budgets (`constraint params <= ...`) are honoured by rejection, so they are probed:
up to `PROBES` uniform draws; when the space has no more architectures than that,
every one is measured and none fitting is an error, otherwise a warning (W711)
says that none of the draws fit (sampling would then likely fail with E711).
"""

from __future__ import annotations

import random

from nasc.compiler.check.pipeline import register_space_check
from nasc.compiler.derive.budget import over_budget
from nasc.compiler.derive.counting import Infinite, count
from nasc.compiler.derive.sampling import empty_error, sample_unbudgeted, unrank
from nasc.compiler.space import Space
from nasc.dsl import Diagnostic, NascError
from nasc.dsl.diagnostics import error, warning

PROBES = 32  # draws (or architectures, when there are no more) measured against the budgets


def no_architecture(space: Space) -> list[Diagnostic]:
    """E711 when the constraints exclude every architecture; W711 when no probe
    keeps the budgets."""
    constrained = space.connected or space.depth_bounds or space.edge_limits or space.shared
    if not constrained and not space.budgets:
        return []
    try:
        total = count(space)
    except (Infinite, NascError, RecursionError):
        return []  # infinite, or too large to count: the count command says so
    if total == 0:
        return list(empty_error(space).diagnostics)
    if not space.budgets:
        return []
    return _budget_probe(space, total)


def _budget_probe(space: Space, total: int) -> list[Diagnostic]:
    exhaustive = total <= PROBES
    rng = random.Random(0)
    reasons: list[str] = []
    for index in range(min(total, PROBES)):
        try:
            d = unrank(space, index) if exhaustive else sample_unbudgeted(space, rng)
        except NascError:
            return []
        reason = over_budget(space, d)
        if reason is None:
            return []
        reasons.append(reason)
    budgets = ", ".join(f"{metric} <= {limit:g}" for metric, limit in space.budgets)
    rule = space.rule_map.get(space.start)
    span = rule.span if rule else None
    if exhaustive:
        return [
            error(
                "E711",
                f"no architecture of the space keeps the budgets ({budgets}): "
                + ("its only one breaks them" if total == 1 else f"all {total:,} break one"),
                span,
                f"for example: {reasons[0]}",
                "loosen the budgets or narrow the space",
            )
        ]
    return [
        warning(
            "W711",
            f"none of {PROBES} uniformly drawn architectures keeps the budgets ({budgets})",
            span,
            f"for example: {reasons[0]}",
            "sampling honours budgets by rejection and gives up after 2,000 draws (E711)",
        )
    ]


register_space_check(no_architecture)

__all__ = ["PROBES", "no_architecture"]
