"""The contract every search strategy keeps; a strategy's tests subclass `StrategyContract`.

A subclass provides the ``factory`` fixture (a `StrategyFactory`) and may set
``settings``; every test here then runs against that strategy.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from nasc.compiler import Derivation, Space, load, validate
from nasc.search.strategies import Exhausted, Strategy, StrategyContext, StrategyFactory

SPACES = Path(__file__).resolve().parent / "spaces"
MNIST1D = Path(__file__).resolve().parents[2] / "examples" / "mnist1d.nas"


def score(derivation: Derivation) -> float:
    """A deterministic stand-in for a trained model's error: depends on the
    architecture only (the number of nodes and the alternatives chosen)."""
    total, stack = 0, [derivation]
    while stack:
        node = stack.pop()
        total += (node.alt + 1) * (len(node.nt) % 5 + 1)
        stack.extend(node.children)
    return (total % 97) / 97


def run(strategy: Strategy, asks: int) -> list[Derivation]:
    """Ask and tell ``asks`` times in a row, every result told before the next ask."""
    proposed = []
    for _ in range(asks):
        derivation = strategy.ask()
        strategy.tell(derivation, score(derivation))
        proposed.append(derivation)
    return proposed


class StrategyContract:
    """Determinism, no repeats, exact replay, failures, and a used-up space."""

    settings: Mapping[str, Any] = {}
    asks = 40

    @pytest.fixture
    def space(self) -> Space:
        return load(str(MNIST1D))

    def make(self, factory: StrategyFactory, space: Space, seed: int = 0) -> Strategy:
        return factory(StrategyContext(space, seed), self.settings)

    def test_proposals_are_valid_architectures(
        self, factory: StrategyFactory, space: Space
    ) -> None:
        for derivation in run(self.make(factory, space), 10):
            assert derivation.nt == space.start
            assert validate(space, derivation) == []

    def test_same_seed_same_proposals(self, factory: StrategyFactory, space: Space) -> None:
        first = run(self.make(factory, space, seed=3), self.asks)
        assert run(self.make(factory, space, seed=3), self.asks) == first

    def test_other_seed_other_proposals(self, factory: StrategyFactory, space: Space) -> None:
        first = run(self.make(factory, space, seed=3), self.asks)
        assert run(self.make(factory, space, seed=4), self.asks) != first

    def test_never_repeats_told_architectures(self, factory: StrategyFactory, space: Space) -> None:
        proposed = run(self.make(factory, space), self.asks)
        assert len(set(proposed)) == len(proposed)

    def test_never_repeats_pending_architectures(
        self, factory: StrategyFactory, space: Space
    ) -> None:
        strategy = self.make(factory, space)
        pending = [strategy.ask() for _ in range(12)]  # none told yet
        assert len(set(pending)) == 12

    def test_failed_trials_are_not_proposed_again(
        self, factory: StrategyFactory, space: Space
    ) -> None:
        strategy = self.make(factory, space)
        proposed = []
        for i in range(self.asks):
            derivation = strategy.ask()
            strategy.tell(derivation, None if i % 3 == 0 else score(derivation))
            proposed.append(derivation)
        assert len(set(proposed)) == len(proposed)

    def test_replay_then_continue_equals_an_unbroken_run(
        self, factory: StrategyFactory, space: Space
    ) -> None:
        unbroken = self.make(factory, space, seed=7)
        history = run(unbroken, self.asks)
        pending = unbroken.ask()  # asked before the break, never told
        unbroken.tell(pending, score(pending))
        after = run(unbroken, 8)

        resumed = self.make(factory, space, seed=7)
        for derivation in history:
            resumed.asked(derivation)
            resumed.tell(derivation, score(derivation))
        resumed.asked(pending)
        resumed.tell(pending, score(pending))
        assert run(resumed, 8) == after

    def test_a_used_up_space_raises_exhausted(self, factory: StrategyFactory) -> None:
        strategy = self.make(factory, load(str(SPACES / "tiny.nas")))
        proposed = run(strategy, 4)
        assert len(set(proposed)) == 4
        with pytest.raises(Exhausted) as caught:
            strategy.ask()
        assert caught.value.diagnostics[0].code == "E962"


__all__ = ["StrategyContract", "run", "score"]
