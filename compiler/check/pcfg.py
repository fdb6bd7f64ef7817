"""Whether pcfg sampling of unbounded recursion ends: the expected size of a draw.

A pcfg draw is a branching process: expanding nonterminal A picks an alternative
with probability weight / (sum of A's weights), and that alternative names other
nonterminals. With M[A][B] the expected number of B's one expansion of A names,
the expected size of a draw is finite exactly when the spectral radius of M over
each recursive component is below 1 (subcritical). At 1 or more, a draw grows
without end with positive probability (or has infinite expected size): ``B ::=
conv3x3 | Sequential(B, B) | Residual(B, id, B)`` expands one B into (0 + 2 + 2)/3
= 1.33 B's on average. `supercritical_pcfg` warns about such recursion (W506) at
check time, with the computation; the sampler bounds every draw in any case.
"""

from __future__ import annotations

from nasc.compiler.nonterminals import recursive_components
from nasc.compiler.space import Space, nonterminals_in
from nasc.dsl import Diagnostic
from nasc.dsl.diagnostics import warning


def offspring(space: Space, component: set[str]) -> dict[str, dict[str, float]]:
    """M restricted to ``component``: expected uses of each member per expansion."""
    matrix: dict[str, dict[str, float]] = {}
    for name in component:
        rule = space.rule(name)
        total = sum(alt.weight for alt in rule.alternatives)
        row: dict[str, float] = {}
        for alt in rule.alternatives:
            share = alt.weight / total if total else 0.0
            for ref in nonterminals_in(alt.template):
                if ref.name in component:
                    row[ref.name] = row.get(ref.name, 0.0) + share
        matrix[name] = row
    return matrix


def spectral_radius(matrix: dict[str, dict[str, float]], rounds: int = 200) -> float:
    """The Perron root of a non-negative matrix (power iteration on an irreducible block)."""
    vector = dict.fromkeys(matrix, 1.0)
    radius = 0.0
    for _ in range(rounds):
        step = {
            name: sum(w * vector[ref] for ref, w in row.items()) for name, row in matrix.items()
        }
        norm = max(step.values(), default=0.0)
        if norm == 0.0:
            return 0.0
        radius = norm / max(vector.values())
        vector = {name: value / norm for name, value in step.items()}
    return radius


def supercritical_pcfg(space: Space) -> list[Diagnostic]:
    """W506 for each unbounded recursive component whose pcfg draws grow without end."""
    found = []
    bounded = space.depth_bound
    for component in recursive_components(space):
        if component & bounded.keys():
            continue
        matrix = offspring(space, component)
        radius = spectral_radius(matrix)
        if radius < 1.0 - 1e-9:
            continue
        first = min(component)
        if len(component) == 1:
            rule = space.rule(first)
            total = sum(alt.weight for alt in rule.alternatives)
            terms = " + ".join(
                f"{alt.weight:g}·{sum(r.name == first for r in nonterminals_in(alt.template))}"
                for alt in rule.alternatives
            )
            how = f"({terms}) / {total:g} = {radius:.3g} {first}'s per {first}"
        else:
            how = f"the expected-offspring matrix of {', '.join(sorted(component))} has spectral radius {radius:.3g}"
        found.append(
            warning(
                "W506",
                f"pcfg draws of {first} grow without end: each expansion yields on average "
                f"{radius:.3g} more (1 or more is supercritical)",
                space.rule(first).span,
                f"expected size: {how}",
                "give the alternatives that end more weight (e.g. `9: conv3x3`) so that "
                "it falls below 1, or add `constraint depth(...) <= k`",
            )
        )
    return found


__all__ = ["offspring", "spectral_radius", "supercritical_pcfg"]
