"""The GP: the fit agrees with gpytorch, recovers a graph objective, survives duplicates."""

from __future__ import annotations

import random

import numpy as np
import pytest
from scipy.stats import spearmanr

from nasc.compiler import Derivation, IROp, Space, build, sample
from nasc.search.bo.features import FeatureStore
from nasc.search.bo.gp import FitSettings, fit_gp, fit_hyper, gpytorch_log_marginal_likelihood
from nasc.search.bo.views import SINGLE_WL, ViewSpec


def conv3x3_count(space: Space, d: Derivation) -> int:
    """A synthetic objective defined on the final graph: its number of 3x3 convolutions."""
    return sum(
        1
        for node in build(space, d).nodes
        if node.op == IROp.CONV and dict(node.attrs).get("kernel") == 3
    )


@pytest.fixture(scope="module")
def samples(hnb201: Space) -> list[Derivation]:
    rng = random.Random(7)
    found: dict[Derivation, None] = {}
    while len(found) < 160:
        found[sample(hnb201, rng)] = None
    return list(found)


@pytest.mark.parametrize("optimizer", ["adam", "lbfgs"])
def test_fit_reaches_the_gpytorch_marginal_likelihood(
    hnb201: Space, samples: list[Derivation], optimizer: str
) -> None:
    store = FeatureStore(hnb201, ViewSpec())
    ds = samples[:40]
    y = np.asarray([conv3x3_count(hnb201, d) for d in ds], dtype=np.float64)
    y = (y - y.mean()) / y.std()
    raw, diag, _ = store.raw_grams(ds)
    grams = store.view_grams(raw, diag, diag, 2)
    (hyper,) = fit_hyper(grams[None], y, FitSettings(optimizer=optimizer))
    assert abs(sum(hyper.weights) - 1) < 1e-9 and hyper.noise >= 1e-4
    reference = gpytorch_log_marginal_likelihood(grams, y, hyper)
    assert abs(hyper.log_marginal_likelihood - reference) < 1e-6 * abs(reference)
    start = fit_hyper(grams[None], y, FitSettings(steps=0))[0]
    assert hyper.log_marginal_likelihood > start.log_marginal_likelihood


@pytest.mark.parametrize("spec", [ViewSpec(), SINGLE_WL], ids=["hwl", "wl"])
def test_gp_recovers_conv3x3_count(
    hnb201: Space, samples: list[Derivation], spec: ViewSpec
) -> None:
    store = FeatureStore(hnb201, spec)
    values = [1.0 + conv3x3_count(hnb201, d) for d in samples]
    fitted = fit_gp(store, samples[:100], values[:100])
    predicted = fitted.predict_value(samples[100:])
    rho = spearmanr(predicted, values[100:]).statistic
    assert rho >= 0.8, rho
    assert fitted.hyper.final_h in range(5)


def test_four_hundred_identical_architectures(hnb201: Space, samples: list[Derivation]) -> None:
    store = FeatureStore(hnb201, ViewSpec())
    ds = [samples[0]] * 400
    rng = np.random.default_rng(0)
    values = list(0.3 + 0.01 * rng.random(400))
    for optimizer in ("adam", "lbfgs"):
        settings = FitSettings(optimizer=optimizer, steps=10, final_h=(2,))
        fitted = fit_gp(store, ds, values, settings)
        mean, std = fitted.predict(samples[:5])
        assert np.all(np.isfinite(mean)) and np.all(np.isfinite(std)) and np.all(std > 0)
        assert np.isfinite(fitted.hyper.log_marginal_likelihood)
    same = fit_gp(store, ds, [0.25] * 400, FitSettings(steps=10, final_h=(2,)))  # no spread
    mean, std = same.predict([samples[0]])
    assert np.all(np.isfinite(mean)) and np.isclose(same.predict_value([samples[0]])[0], 0.25)


def test_kriging_believer_keeps_hyperparameters(hnb201: Space, samples: list[Derivation]) -> None:
    store = FeatureStore(hnb201, ViewSpec())
    values = [1.0 + conv3x3_count(hnb201, d) for d in samples[:30]]
    fitted = fit_gp(store, samples[:30], values)
    believer = fitted.with_fantasies(samples[30:33])
    assert believer.hyper == fitted.hyper and believer.observed == 30
    assert believer.best == fitted.best
    _, std_before = fitted.predict(samples[30:33])
    _, std_after = believer.predict(samples[30:33])
    assert np.all(std_after < std_before)  # a believed point is no longer uncertain
