"""The strategies bo, bo-wl, naswot and area: the shared contract, the BO run on digits
with a real trainer, resume, and what each strategy promises."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from nasc.compiler import Derivation, Space, load
from nasc.dsl import NascError
from nasc.search import Study, Trial
from nasc.search.data import Dataset, load_dataset
from nasc.search.strategies import Strategy, StrategyContext, StrategyFactory, make_strategy
from nasc.search.strategies.area import Area, make_area
from nasc.search.strategies.bo import make_bo, make_bo_wl, parse_levels
from nasc.search.strategies.naswot import NaswotScorer, make_naswot
from nasc.search.training import RECIPES, Trainer
from tests.search.strategy_contract import SPACES, StrategyContract, score

SMALL_BO = {"initial": 4, "pool": 8, "children": 4, "seeds": 4, "generations": 2, "patience": 1}


def random_dataset(space: Space, n: int = 48) -> Dataset:
    """Data shaped for the space's input (the scores only need a forward pass)."""
    assert space.input is not None
    shape = tuple(space.input.shape.dims) if hasattr(space.input.shape, "dims") else ()
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, *shape)).astype(np.float32)
    y = rng.integers(0, 10, n).astype(np.int64)
    return Dataset("random", x, y, x[:8], y[:8], None, None, 10, "random")


class TestBO(StrategyContract):
    settings: Mapping[str, Any] = SMALL_BO
    asks = 10

    @pytest.fixture
    def factory(self) -> StrategyFactory:
        return make_bo


class TestBOWL(StrategyContract):
    settings: Mapping[str, Any] = SMALL_BO
    asks = 10

    @pytest.fixture
    def factory(self) -> StrategyFactory:
        return make_bo_wl


class WithData(StrategyContract):
    def make(self, factory: StrategyFactory, space: Space, seed: int = 0) -> Strategy:
        return factory(StrategyContext(space, seed, random_dataset(space)), self.settings)


class TestNaswot(WithData):
    settings: Mapping[str, Any] = {"candidates": 2, "batch": 8}
    asks = 8

    @pytest.fixture
    def factory(self) -> StrategyFactory:
        return make_naswot


class TestArea(WithData):
    settings: Mapping[str, Any] = {
        "population": 4,
        "sample": 2,
        "children": 2,
        "initial_sample": 6,
        "batch": 16,
    }
    asks = 8

    @pytest.fixture
    def factory(self) -> StrategyFactory:
        return make_area


@pytest.fixture
def mnist1d() -> Space:
    return load(str(Path(__file__).resolve().parents[3] / "examples" / "mnist1d.nas"))


def test_the_strategies_are_found_by_name(mnist1d: Space) -> None:
    context = StrategyContext(mnist1d, 0, random_dataset(mnist1d))
    for name in ("bo", "bo-wl", "naswot", "area"):
        assert hasattr(make_strategy(name, context, {}), "ask")


def test_bo_defaults_are_the_papers(mnist1d: Space) -> None:
    bo = make_bo(StrategyContext(mnist1d, 0), {})
    settings = bo.optimiser.settings  # type: ignore[attr-defined]
    assert settings.initial == 10
    assert settings.spec.views == (-1, 0, 1, 2, 3, 4)
    assert settings.spec.iterations == (4, 1, 2, 2, 2, 2)
    evolution = settings.evolution
    assert (evolution.pool, evolution.seeds, evolution.p_crossover) == (200, 10, 0.5)
    assert evolution.children == 50
    assert (evolution.p_self_crossover, evolution.tournament) == (0.5, 0.2)
    assert (evolution.max_generations, evolution.patience) == (50, 5)
    wl = make_bo_wl(StrategyContext(mnist1d, 0), {})
    assert wl.optimiser.settings.spec.views == (-1,)  # type: ignore[attr-defined]


def test_bad_settings_are_clear_errors(mnist1d: Space) -> None:
    context = StrategyContext(mnist1d, 0)
    for settings in ({"fit": "newton"}, {"levels": "a-b"}, {"pool": 1}, {"tournament": 2.0}):
        with pytest.raises(NascError) as caught:
            make_bo(context, settings)
        assert caught.value.diagnostics[0].code in ("E960", "E961")
    with pytest.raises(NascError) as caught:
        make_naswot(context, {})
    assert "dataset" in caught.value.diagnostics[0].message
    assert parse_levels("bo", "0-2,4") == (0, 1, 2, 4) and parse_levels("bo", "none") == ()


def test_bo_resume_with_pending_trials_proposes_what_an_unbroken_run_would(
    mnist1d: Space,
) -> None:
    """Three workers: asks run ahead of results; the replay restores pending trials too."""

    def drive(strategy: Strategy, events: list[tuple[str, Derivation]], steps: int) -> None:
        pending: list[Derivation] = []
        for k in range(steps):
            d = strategy.ask()
            events.append(("ask", d))
            pending.append(d)
            if len(pending) == 3 or k % 4 == 3:
                done = pending.pop(0)
                strategy.tell(done, score(done))
                events.append(("tell", done))

    unbroken = make_bo(StrategyContext(mnist1d, 11), SMALL_BO)
    events: list[tuple[str, Derivation]] = []
    drive(unbroken, events, 10)
    after: list[tuple[str, Derivation]] = []
    drive(unbroken, after, 4)

    resumed = make_bo(StrategyContext(mnist1d, 11), SMALL_BO)
    for kind, d in events:
        if kind == "ask":
            resumed.asked(d)
        else:
            resumed.tell(d, score(d))
    again: list[tuple[str, Derivation]] = []
    drive(resumed, again, 4)
    assert [d for k, d in again if k == "ask"] == [d for k, d in after if k == "ask"]


def test_naswot_score_follows_mellor(mnist1d: Space) -> None:
    """log|K_H| of the activation codes: at most n·log(N_A) (Hadamard's bound), finite
    for a network with activations, the same for the same architecture."""
    dataset = random_dataset(mnist1d, 32)
    scorer = NaswotScorer(StrategyContext(mnist1d, 0, dataset), batch=16)
    d = mnist1d.sample(seed=1)
    value = scorer.score(d)
    assert math.isfinite(value)
    again = NaswotScorer(StrategyContext(mnist1d, 0, dataset), batch=16).score(d)
    assert again == value


def test_area_starts_from_the_best_scored_and_proposes_scored_children(mnist1d: Space) -> None:
    dataset = random_dataset(mnist1d)
    area = Area(
        StrategyContext(mnist1d, 0, dataset),
        population=3,
        sample=2,
        children=4,
        initial_sample=9,
        batch=16,
    )
    ranked = area.initial()
    scores = [area.scorer.score(d) for d in ranked]
    assert scores == sorted(scores, reverse=True) and len(ranked) == len(set(ranked)) <= 9
    first = [area.ask() for _ in range(3)]
    assert first == ranked[:3]
    for d in first:
        area.tell(d, score(d))
    child = area.ask()
    assert child not in first
    assert any(differs_in_one_subtree(child, p) for p in first)  # a mutant of a member


def differs_in_one_subtree(a: Derivation, b: Derivation) -> bool:
    """Whether ``a`` and ``b`` differ, and only inside one subtree (one mutation)."""
    if a == b:
        return False
    if a.nt != b.nt or a.alt != b.alt or len(a.children) != len(b.children):
        return True
    differing = [(x, y) for x, y in zip(a.children, b.children, strict=True) if x != y]
    return len(differing) == 1 and differs_in_one_subtree(*differing[0])


def test_bo_on_digits_completes_and_resumes(tmp_path: Path) -> None:
    """A small BO run with the real trainer (one epoch on scikit-learn's digits),
    interrupted at trial 6 and resumed: it proposes the unbroken run's architectures."""
    digits = load_dataset("digits")
    trainer = Trainer(digits, replace(RECIPES["default"], epochs=1, batch_size=256))
    space = SPACES / "digits.nas"
    settings = {
        "initial": 3,
        "pool": 10,
        "children": 5,
        "seeds": 3,
        "generations": 2,
        "patience": 1,
    }

    with Study(
        space, "bo", seed=2, store=tmp_path / "a", strategy_settings=settings, dataset=digits
    ) as study:
        best = study.optimize(trainer, budget=8)
        unbroken = [t.term for t in study.trials]
        assert best is not None and 0 <= best.value <= 1  # type: ignore[operator]
        assert all(t.status == "done" for t in study.trials)

    def breaks(trial: Trial) -> dict[str, float]:
        if trial.id == 6:
            raise KeyboardInterrupt
        return trainer(trial)

    with (
        Study(
            space, "bo", seed=2, store=tmp_path / "b", strategy_settings=settings, dataset=digits
        ) as study,
        pytest.raises(KeyboardInterrupt),
    ):
        study.optimize(breaks, budget=8)
    with Study(
        space,
        "bo",
        seed=2,
        store=tmp_path / "b",
        resume=True,
        strategy_settings=settings,
        dataset=digits,
    ) as study:
        study.optimize(trainer, budget=8)
        assert [t.term for t in study.trials] == unbroken
