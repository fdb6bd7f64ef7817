"""The BO loop's state: what was told, what is pending, and the proposal step.

`BayesianOptimiser` holds no randomness of its own: `propose` takes the RNG of the
ask, and everything else is a function of the results told (in order) and the
pending set. The GP is refitted from the told results whenever they changed (the
fit has fixed starts and is deterministic), so a resumed run, which replays the
told results, proposes exactly what an unbroken one would have.

Proposal: the first ``initial`` asks (and any ask before two successful results)
are uniform samples; after that the GP is fitted on the successful results, the
pending architectures are added as fantasies at their posterior mean (kriging
believer, so K workers get K distinct proposals), and the architecture of highest
log EI found by `evolve` that is neither evaluated nor pending is proposed.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from nasc.compiler import Derivation, Space, sample
from nasc.search.bo.acquisition import EvolutionSettings, evolve, log_expected_improvement
from nasc.search.bo.features import FeatureStore
from nasc.search.bo.gp import FitSettings, FittedGP, fit_gp
from nasc.search.bo.threads import single_threaded
from nasc.search.bo.views import ViewSpec

F64 = npt.NDArray[np.float64]

MAX_DRAWS = 2_000  # uniform draws before the space is declared used up


class NoCandidate(Exception):
    """No architecture that is neither evaluated nor pending could be found."""


@dataclass(frozen=True)
class BOSettings:
    """Everything a BO run is configured by; the defaults are the paper's (hNB201)."""

    initial: int = 10
    spec: ViewSpec = field(default_factory=ViewSpec)
    fit: FitSettings = field(default_factory=FitSettings)
    evolution: EvolutionSettings = field(default_factory=EvolutionSettings)

    def __post_init__(self) -> None:
        if self.initial < 1:
            raise ValueError("the initial design needs at least one architecture")


class BayesianOptimiser:
    """Ask/tell bookkeeping around the GP and the acquisition optimiser."""

    def __init__(
        self, space: Space, settings: BOSettings | None = None, store: FeatureStore | None = None
    ) -> None:
        self.space = space
        self.settings = settings or BOSettings()
        self.store = store or FeatureStore(space, self.settings.spec)
        self.asks = 0
        self.told: list[tuple[Derivation, float | None]] = []
        self.evaluated: set[Derivation] = set()
        self.pending: dict[Derivation, None] = {}  # in ask order
        self._fitted: FittedGP | None = None
        self._fitted_on = -1  # len(told) when fitted
        self.timings: dict[str, float] = {}

    # ---- bookkeeping

    def record_ask(self, derivation: Derivation) -> None:
        self.asks += 1
        self.pending[derivation] = None

    def record_tell(self, derivation: Derivation, value: float | None) -> None:
        self.pending.pop(derivation, None)
        self.told.append((derivation, value))
        self.evaluated.add(derivation)

    def excluded(self, derivation: Derivation) -> bool:
        return derivation in self.evaluated or derivation in self.pending

    def successes(self) -> list[tuple[Derivation, float]]:
        return [(d, v) for d, v in self.told if v is not None and math.isfinite(v)]

    # ---- the model

    def model(self) -> FittedGP | None:
        """The GP fitted on the successful results told so far (None below two)."""
        if self._fitted_on != len(self.told):
            found = self.successes()
            self._fitted = None
            if len(found) >= 2:
                start = time.perf_counter()
                self._fitted = fit_gp(
                    self.store, [d for d, _ in found], [v for _, v in found], self.settings.fit
                )
                self.timings["fit"] = time.perf_counter() - start
            self._fitted_on = len(self.told)
        return self._fitted

    # ---- proposals

    def propose(self, rng: random.Random) -> Derivation:
        """The next architecture to evaluate (not yet recorded as asked)."""
        with single_threaded():
            return self._propose(rng)

    def _propose(self, rng: random.Random) -> Derivation:
        if self.asks < self.settings.initial:
            return self.fresh_sample(rng)
        fitted = self.model()
        if fitted is None:
            return self.fresh_sample(rng)
        start = time.perf_counter()
        believer = fitted.with_fantasies(list(self.pending))
        best = believer.best

        store = self.store

        def score(candidates: Sequence[Derivation]) -> F64:
            """log EI; -inf for an architecture without a graph."""
            out = np.full(len(candidates), -np.inf)
            store.prefetch(candidates, believer.hyper.final_h)
            ok = [i for i, d in enumerate(candidates) if store.buildable(d)]
            if ok:
                mean, std = believer.predict([candidates[i] for i in ok])
                out[ok] = log_expected_improvement(mean, std, best)
            return out

        ranked_told = sorted(self.successes(), key=lambda item: item[1])
        seeds = [d for d, _ in ranked_told[: self.settings.evolution.seeds]]
        excluded = self.evaluated | set(self.pending)
        evolution = evolve(self.space, score, seeds, excluded, rng, self.settings.evolution)
        ranked = evolution.ranked(excluded)
        self.timings["acquisition"] = time.perf_counter() - start
        self.timings["generations"] = evolution.generations
        self.timings["scored"] = len(evolution.scores)
        if ranked:
            return ranked[0][1]
        return self.fresh_sample(rng)

    def fresh_sample(self, rng: random.Random) -> Derivation:
        """A uniform sample neither evaluated nor pending."""
        for _ in range(MAX_DRAWS):
            d = sample(self.space, rng)
            if not self.excluded(d):
                return d
        raise NoCandidate(f"no new architecture in {MAX_DRAWS} uniform draws")


__all__ = ["BOSettings", "BayesianOptimiser", "NoCandidate"]
