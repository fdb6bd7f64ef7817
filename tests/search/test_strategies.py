"""Random search and regularised evolution: the shared contract, and what each promises."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from nasc.compiler import Derivation, Space
from nasc.dsl import NascError
from nasc.search.strategies import (
    STRATEGIES,
    RegularisedEvolution,
    StrategyContext,
    StrategyFactory,
    make_strategy,
)
from tests.search.strategy_contract import StrategyContract, score


class TestEveryRegisteredStrategy(StrategyContract):
    @pytest.fixture(params=sorted(STRATEGIES))
    def factory(self, request: pytest.FixtureRequest) -> StrategyFactory:
        return STRATEGIES[request.param]


class TestSmallEvolution(StrategyContract):
    """Evolution past its random start (population 5): the contract still holds."""

    settings: Mapping[str, Any] = {"population": 5, "sample": 3}

    @pytest.fixture
    def factory(self) -> StrategyFactory:
        return STRATEGIES["evolution"]


def difference_root(a: Derivation, b: Derivation) -> tuple[int, ...]:
    """The path to the smallest subtree that holds every difference between a and b."""
    if a.nt != b.nt or a.alt != b.alt:
        return ()
    differing = [i for i, (x, y) in enumerate(zip(a.children, b.children, strict=True)) if x != y]
    if len(differing) != 1:
        return ()
    i = differing[0]
    return (i, *difference_root(a.children[i], b.children[i]))


def test_evolution_defaults_are_the_papers() -> None:
    assert RegularisedEvolution.__init__.__defaults__ == (30, 10, "uniform")


def test_evolution_mutates_the_tournament_winner(space: Space) -> None:
    # population 3 and sample 3: the tournament sees every member, so the winner is the best.
    evolution = make_strategy(
        "evolution", StrategyContext(space, 0), {"population": 3, "sample": 3}
    )
    members = [evolution.ask() for _ in range(3)]
    for value, member in zip((0.5, 0.1, 0.9), members, strict=True):
        evolution.tell(member, value)
    child = evolution.ask()
    assert child not in members
    # NET has one alternative, so a mutation resamples a subtree below it: one subtree
    # of the winner changed and nothing else.
    assert child != members[1]
    assert difference_root(child, members[1]) != ()


def test_evolution_ages_out_the_oldest(space: Space) -> None:
    evolution = RegularisedEvolution(StrategyContext(space, 0), population=4, sample=2)
    told = []
    for _ in range(7):
        derivation = evolution.ask()
        evolution.tell(derivation, score(derivation))
        told.append(derivation)
    assert [member for member, _ in evolution.population] == told[-4:]


def test_failures_stay_out_of_the_population(space: Space) -> None:
    evolution = RegularisedEvolution(StrategyContext(space, 0), population=4, sample=2)
    for i in range(6):
        evolution.tell(evolution.ask(), None if i % 2 else 0.5)
    assert len(evolution.population) == 3


@pytest.mark.parametrize(
    ("name", "settings", "code"),
    [
        ("annealing", {}, "E963"),
        ("evolution", {"popsize": 3}, "E960"),
        ("evolution", {"population": "many"}, "E961"),
        ("evolution", {"sample": 0}, "E961"),
        ("naswot", {}, "E967"),
        ("area", {}, "E967"),
    ],
)
def test_bad_strategy_or_setting_is_a_clear_error(
    space: Space, name: str, settings: dict[str, Any], code: str
) -> None:
    with pytest.raises(NascError) as caught:
        make_strategy(name, StrategyContext(space, 0), settings)
    assert caught.value.diagnostics[0].code == code


@pytest.fixture
def space() -> Space:
    from nasc.compiler import load
    from tests.search.strategy_contract import MNIST1D

    return load(str(MNIST1D))
