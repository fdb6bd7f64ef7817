"""Regularised (ageing) evolution: tournament selection, one mutation, the oldest dies.

Real et al.'s regularised evolution as the paper's baseline runs it: the first
``population`` proposals are random; afterwards each proposal mutates the best of
``sample`` members drawn from the population of the latest results, and each result
joins the population, pushing its oldest member out. Mutation resamples one subtree
at a node whose nonterminal has several alternatives (`nasc.compiler.mutate`).
"""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Mapping
from typing import Any

from nasc.compiler import Derivation, mutate
from nasc.dsl import NascError
from nasc.search.strategies.base import StrategyContext, ask_rng
from nasc.search.strategies.options import Options, positive
from nasc.search.strategies.proposals import MAX_DRAWS, Proposals, finite

DEFAULTS: dict[str, Any] = {"population": 30, "sample": 10, "sampler": "uniform"}


class RegularisedEvolution:
    """Ageing evolution over one space (defaults: population 30, sample 10).

    >>> from nasc.compiler import load
    >>> space = load("examples/nb201.nas")
    >>> evolution = RegularisedEvolution(StrategyContext(space, seed=0), population=2, sample=2)
    >>> for value in (0.3, 0.2):
    ...     evolution.tell(evolution.ask(), value)
    >>> len(evolution.population)
    2
    """

    def __init__(
        self,
        context: StrategyContext,
        population: int = 30,
        sample: int = 10,
        sampler: str = "uniform",
    ) -> None:
        self.context = context
        self.size = population
        self.sample = sample
        self.sampler = sampler
        self.proposals = Proposals(context.space)
        self.population: deque[tuple[Derivation, float]] = deque()

    def ask(self) -> Derivation:
        rng = ask_rng(self.context.seed, self.proposals.asks)
        derivation = None
        if self.proposals.asks >= self.size and self.population:
            derivation = self._child(rng)
        if derivation is None:
            derivation = self.proposals.fresh_sample(rng, self.sampler)
        self.proposals.record_ask(derivation)
        return derivation

    def _child(self, rng: random.Random) -> Derivation | None:
        members = list(self.population)
        for _ in range(MAX_DRAWS):
            contenders = rng.sample(members, min(self.sample, len(members)))
            parent = min(contenders, key=lambda member: member[1])[0]
            try:
                child = mutate(self.context.space, parent, rng)
            except NascError:  # no node of the parent can change
                continue
            if not self.proposals.seen(child):
                return child
        return None

    def tell(self, derivation: Derivation, value: float | None) -> None:
        self.proposals.record_tell(derivation)
        if value is not None and finite(value):
            self.population.append((derivation, value))
            if len(self.population) > self.size:
                self.population.popleft()

    def asked(self, derivation: Derivation) -> None:
        self.proposals.record_ask(derivation)


def make_evolution(context: StrategyContext, settings: Mapping[str, Any]) -> RegularisedEvolution:
    """The registry's factory: ``population``, ``sample`` and ``sampler``."""
    options = Options("evolution", settings, DEFAULTS)
    population = positive("evolution", "population", options.get("population"))
    sample = positive("evolution", "sample", options.get("sample"))
    return RegularisedEvolution(context, population, sample, options.get("sampler"))


__all__ = ["RegularisedEvolution", "make_evolution"]
