"""Expected improvement, and its optimisation by evolution over derivations.

`log_expected_improvement` is log EI for minimisation, computed stably far into the
tail (Ament et al. 2023, "Unexpected improvements to expected improvement"), so
candidates whose EI underflows to 0 in floating point are still ranked.

`evolve` is the acquisition optimiser of PAPER.md ("Search: BANAT"): a pool of
``pool`` architectures seeded with the best evaluated ones and filled with uniform
samples; each generation makes ``children`` children (50: the paper does not give a
number; a quarter of the pool keeps a proposal within seconds) from parents picked by tournament
(``tournament`` of the pool, the best acquisition wins): by mutation, or with
probability ``p_crossover`` by crossover, of which ``p_self_crossover`` swap
subtrees inside one parent; the pool keeps its ``pool`` best of parents and
children; it stops after ``max_generations`` or when the best value has not changed
for ``patience`` generations (EI up by no more than ``tolerance``, 1%: log EI moves by
tiny amounts every generation, so an exact "unchanged" would never stop). Candidates already evaluated or pending are scored
and may breed, but are never proposed.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.special

from nasc.compiler import Derivation, Space, crossover, mutate, sample, self_crossover
from nasc.dsl import NascError

F64 = npt.NDArray[np.float64]
Scorer = Callable[[Sequence[Derivation]], F64]

_C1 = math.log(2 * math.pi) / 2
_C2 = math.log(math.pi / 2) / 2


def _log1mexp(x: F64) -> F64:
    """log(1 - exp(x)) for x < 0, accurate near 0 and far below it."""
    out: F64 = np.where(x > -math.log(2), np.log(-np.expm1(x)), np.log1p(-np.exp(x)))
    return out


def log_h(z: F64) -> F64:
    """log(φ(z) + zΦ(z)), stable for very negative z."""
    z = np.asarray(z, dtype=np.float64)
    out = np.empty_like(z)
    upper = z > -1
    zu = z[upper]
    out[upper] = np.log(scipy.special.ndtr(zu) * zu + np.exp(-0.5 * zu * zu - _C1))
    zl = z[~upper]
    tail = zl < -1e8
    mid = zl[~tail]
    lower = np.empty_like(zl)
    lower[~tail] = (
        -0.5 * mid * mid
        - _C1
        + _log1mexp(np.log(scipy.special.erfcx(-mid / math.sqrt(2)) * np.abs(mid)) + _C2)
    )
    far = zl[tail]
    lower[tail] = -0.5 * far * far - _C1 - 2 * np.log(np.abs(far))
    out[~upper] = lower
    return out


def log_expected_improvement(mean: F64, std: F64, best: float) -> F64:
    """log EI of improving on ``best`` (minimisation) under N(mean, std²)."""
    std = np.maximum(np.asarray(std, dtype=np.float64), 1e-12)
    z = (best - np.asarray(mean, dtype=np.float64)) / std
    out: F64 = np.log(std) + log_h(z)
    return out


def expected_improvement(mean: F64, std: F64, best: float) -> F64:
    """EI of improving on ``best`` (minimisation): σ(zΦ(z) + φ(z)), z = (best - μ)/σ."""
    out: F64 = np.exp(log_expected_improvement(mean, std, best))
    return out


@dataclass(frozen=True)
class EvolutionSettings:
    """The acquisition optimiser's settings; the defaults are the paper's."""

    pool: int = 200
    children: int = 50  # children made per generation (the paper does not say)
    seeds: int = 10  # best evaluated architectures put in the first pool
    p_crossover: float = 0.5
    p_self_crossover: float = 0.5  # share of crossovers made inside one parent
    tournament: float = 0.2  # share of the pool in each tournament
    max_generations: int = 50
    patience: int = 5  # generations without a better value before stopping
    tolerance: float = 0.01  # "better": EI up by more than this share (log EI by log 1.01)

    def __post_init__(self) -> None:
        if self.tolerance < 0:
            raise ValueError("evolution setting tolerance must be >= 0")
        if self.pool < 2 or self.children < 1 or self.seeds < 0:
            raise ValueError("evolution settings: pool >= 2, children >= 1, seeds >= 0")
        if self.max_generations < 0 or self.patience < 1:
            raise ValueError("evolution settings: max_generations >= 0, patience >= 1")
        for name in ("p_crossover", "p_self_crossover", "tournament"):
            value = getattr(self, name)
            if not 0 <= value <= 1:
                raise ValueError(f"evolution setting {name} must lie in [0, 1], got {value}")


@dataclass
class Evolution:
    """The record of one acquisition optimisation: every scored candidate, in first-seen
    order, and the generations run."""

    scores: dict[Derivation, float]
    generations: int

    def ranked(self, excluded: Collection[Derivation]) -> list[tuple[float, Derivation]]:
        """The candidates not in ``excluded``, best first (ties: the first scored first)."""
        order = {d: i for i, d in enumerate(self.scores)}
        found = [(s, d) for d, s in self.scores.items() if d not in excluded]
        found.sort(key=lambda item: (-item[0], order[item[1]]))
        return found


def _tournament(
    pool: list[Derivation], scores: dict[Derivation, float], k: int, rng: random.Random
) -> Derivation:
    entrants = rng.sample(pool, min(k, len(pool)))
    return max(entrants, key=lambda d: scores[d])


def _children(
    space: Space,
    pool: list[Derivation],
    scores: dict[Derivation, float],
    settings: EvolutionSettings,
    rng: random.Random,
) -> list[Derivation]:
    k = max(1, round(settings.tournament * len(pool)))
    made: list[Derivation] = []
    attempts = 0
    while len(made) < settings.children and attempts < 4 * settings.children:
        attempts += 1
        parent = _tournament(pool, scores, k, rng)
        try:
            if rng.random() < settings.p_crossover:
                if rng.random() < settings.p_self_crossover:
                    made.append(self_crossover(space, parent, rng))
                else:
                    other = _tournament(pool, scores, k, rng)
                    if other == parent:
                        made.append(mutate(space, parent, rng))
                    else:
                        made.extend(crossover(space, parent, other, rng))
            else:
                made.append(mutate(space, parent, rng))
        except NascError:
            try:  # no valid crossover here: mutate instead
                made.append(mutate(space, parent, rng))
            except NascError:
                continue
    return made


def evolve(
    space: Space,
    score: Scorer,
    seeds: Sequence[Derivation],
    excluded: Collection[Derivation],
    rng: random.Random,
    settings: EvolutionSettings | None = None,
) -> Evolution:
    """Maximise ``score`` (higher is better, e.g. log EI) over architectures by evolution."""
    settings = settings or EvolutionSettings()
    pool: list[Derivation] = list(dict.fromkeys(seeds[: settings.seeds]))
    draws = 0
    while len(pool) < settings.pool and draws < 4 * settings.pool:
        draws += 1
        d = sample(space, rng)
        if d not in pool:
            pool.append(d)
    scores: dict[Derivation, float] = {}
    _score_new(pool, scores, score)

    def best_open() -> float:
        return max((s for d, s in scores.items() if d not in excluded), default=-math.inf)

    best = best_open()
    stale = generations = 0
    while generations < settings.max_generations and stale < settings.patience:
        generations += 1
        children = _children(space, pool, scores, settings, rng)
        _score_new(children, scores, score)
        merged = list(dict.fromkeys([*pool, *children]))
        merged.sort(key=lambda d: -scores[d])  # stable: ties keep first-seen order
        pool = merged[: settings.pool]
        now = best_open()
        if now > best + math.log1p(settings.tolerance):
            best, stale = now, 0
        else:
            best = max(best, now)
            stale += 1
    return Evolution(scores, generations)


def _score_new(
    candidates: Sequence[Derivation], scores: dict[Derivation, float], score: Scorer
) -> None:
    new = [d for d in dict.fromkeys(candidates) if d not in scores]
    if not new:
        return
    values = score(new)
    for d, v in zip(new, values.tolist(), strict=True):
        scores[d] = float(v) if math.isfinite(v) else -math.inf


__all__ = [
    "Evolution",
    "EvolutionSettings",
    "evolve",
    "expected_improvement",
    "log_expected_improvement",
    "log_h",
]
