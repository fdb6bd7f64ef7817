"""Expected improvement and the evolutionary acquisition optimiser."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest
from scipy.stats import norm

from nasc.compiler import Derivation, Space, load, sample, validate
from nasc.search.bo.acquisition import (
    EvolutionSettings,
    evolve,
    expected_improvement,
    log_expected_improvement,
)
from nasc.search.bo.optimiser import BayesianOptimiser, BOSettings

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
SMALL = EvolutionSettings(pool=24, children=12, max_generations=4, patience=2)


@pytest.fixture(scope="module")
def nb201() -> Space:
    return load(str(EXAMPLES / "nb201.nas"))


def test_expected_improvement_is_the_closed_form() -> None:
    mean = np.array([0.0, 1.0, -2.0, 0.5, 3.0])
    std = np.array([1.0, 0.5, 2.0, 0.1, 0.3])
    best = 0.2
    z = (best - mean) / std
    reference = std * (z * norm.cdf(z) + norm.pdf(z))
    assert np.allclose(expected_improvement(mean, std, best), reference, rtol=1e-12)


def test_log_expected_improvement_stays_finite_and_ordered_in_the_tail() -> None:
    mean = np.array([5.0, 10.0, 40.0, 1e3, 1e9])  # EI underflows to 0 for most of these
    values = log_expected_improvement(mean, np.ones(5), 0.0)
    assert np.all(np.isfinite(values))
    assert np.all(np.diff(values) < 0)  # worse means, lower log EI
    z = -5.0  # where both are accurate, they agree
    direct = np.log(z * norm.cdf(z) + norm.pdf(z))
    assert abs(log_expected_improvement(np.array([5.0]), np.array([1.0]), 0.0)[0] - direct) < 1e-9


def test_evolution_never_returns_excluded_even_when_they_score_best(nb201: Space) -> None:
    rng = random.Random(0)
    excluded = {sample(nb201, rng) for _ in range(30)}

    def score(candidates: list[Derivation]) -> np.ndarray:  # the excluded score best
        return np.array([10.0 if d in excluded else rng_score(d) for d in candidates])

    result = evolve(nb201, score, sorted(excluded, key=repr), excluded, random.Random(1), SMALL)
    ranked = result.ranked(excluded)
    assert ranked and all(d not in excluded for _, d in ranked)
    assert any(d in excluded for d in result.scores)  # they were scored, and bred
    assert all(validate(nb201, d) == [] for _, d in ranked[:10])


def rng_score(d: Derivation) -> float:
    return float(hash(repr(d)) % 1000) / 1000


def test_optimiser_never_proposes_evaluated_or_pending(nb201: Space) -> None:
    bo = BayesianOptimiser(nb201, BOSettings(initial=4, evolution=SMALL))
    proposals: list[Derivation] = []
    for k in range(12):
        d = bo.propose(random.Random(k))
        assert not bo.excluded(d)
        proposals.append(d)
        bo.record_ask(d)
        if k % 3 != 2:  # every third stays pending
            bo.record_tell(d, 0.1 + rng_score(d))
    assert len(set(proposals)) == len(proposals)
    assert len(bo.pending) == 4 and bo.model() is not None


def test_kriging_believer_gives_workers_distinct_proposals(nb201: Space) -> None:
    bo = BayesianOptimiser(nb201, BOSettings(initial=3, evolution=SMALL))
    for k in range(6):
        d = bo.propose(random.Random(k))
        bo.record_ask(d)
        bo.record_tell(d, 0.1 + rng_score(d))
    batch = []
    for k in range(6, 10):  # four workers ask before any result comes back
        d = bo.propose(random.Random(k))
        bo.record_ask(d)
        batch.append(d)
    assert len(set(batch)) == 4
