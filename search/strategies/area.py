"""AREA: regularised evolution assisted by the NASWOT score (Mellor et al. 2021, §5).

The variant implemented:

* **initial population**: ``initial_sample`` uniform samples are scored by NASWOT
  (untrained) and the ``population`` best are proposed first, best first;
* **evolution**: afterwards each ask draws ``sample`` members of the population (the
  ``population`` latest results, the oldest ageing out), takes the best by its trained
  result as parent, makes ``children`` mutants of it, scores them by NASWOT and
  proposes the best-scoring one not yet told or pending: children are scored, and
  only the best of them is trained.

All draws of ask k come from ``ask_rng(seed, k)``; the initial ranking is drawn at
ask 0 and, after a resume, drawn again from ``ask_rng(seed, 0)``, so it is the same.
"""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Mapping
from typing import Any

from nasc.compiler import Derivation, mutate, sample
from nasc.dsl import NascError
from nasc.search.strategies.base import StrategyContext, ask_rng
from nasc.search.strategies.naswot import NaswotScorer
from nasc.search.strategies.options import Options, positive
from nasc.search.strategies.proposals import Proposals, finite

DEFAULTS: dict[str, Any] = {
    "population": 30,
    "sample": 10,
    "children": 10,
    "initial_sample": 300,
    "batch": 128,
}


class Area:
    """NASWOT-assisted regularised evolution (defaults: population 30, sample 10,
    10 scored children per proposal, 300 scored samples for the initial population)."""

    def __init__(
        self,
        context: StrategyContext,
        population: int = 30,
        sample: int = 10,
        children: int = 10,
        initial_sample: int = 300,
        batch: int = 128,
    ) -> None:
        self.context = context
        self.size = population
        self.sample = sample
        self.children = children
        self.initial_sample = max(initial_sample, population)
        self.scorer = NaswotScorer(context, batch, strategy="area")
        self.proposals = Proposals(context.space)
        self.population: deque[tuple[Derivation, float]] = deque()
        self._initial: list[Derivation] | None = None

    def initial(self) -> list[Derivation]:
        """The initial sample ranked by NASWOT score, best first (drawn from ask 0's RNG)."""
        if self._initial is None:
            rng = ask_rng(self.context.seed, 0)
            drawn: dict[Derivation, None] = {}
            for _ in range(self.initial_sample):
                drawn[sample(self.context.space, rng)] = None
            order = {d: i for i, d in enumerate(drawn)}
            self._initial = sorted(drawn, key=lambda d: (-self.scorer.score(d), order[d]))
        return self._initial

    def ask(self) -> Derivation:
        k = self.proposals.asks
        rng = ask_rng(self.context.seed, k)
        derivation: Derivation | None = None
        if k < self.size or len(self.population) < 2:
            derivation = next((d for d in self.initial() if not self.proposals.seen(d)), None)
        else:
            derivation = self._child(rng)
        if derivation is None:
            derivation = self.proposals.fresh_sample(rng)
        self.proposals.record_ask(derivation)
        return derivation

    def _child(self, rng: random.Random) -> Derivation | None:
        members = list(self.population)
        entrants = rng.sample(members, min(self.sample, len(members)))
        parent = min(entrants, key=lambda item: item[1])[0]
        made: dict[Derivation, None] = {}
        for _ in range(self.children):
            try:
                child = mutate(self.context.space, parent, rng)
            except NascError:
                break
            if not self.proposals.seen(child):
                made[child] = None
        if not made:
            return None
        order = {d: i for i, d in enumerate(made)}
        return max(made, key=lambda d: (self.scorer.score(d), -order[d]))

    def tell(self, derivation: Derivation, value: float | None) -> None:
        self.proposals.record_tell(derivation)
        if finite(value):
            assert value is not None
            self.population.append((derivation, value))
            if len(self.population) > self.size:
                self.population.popleft()

    def asked(self, derivation: Derivation) -> None:
        self.proposals.record_ask(derivation)


def make_area(context: StrategyContext, settings: Mapping[str, Any]) -> Area:
    """The ``area`` strategy; settings population, sample, children, initial_sample, batch."""
    options = Options("area", settings, DEFAULTS)
    return Area(
        context,
        **{name: positive("area", name, options.get(name)) for name in DEFAULTS},
    )


__all__ = ["Area", "make_area"]
