"""Strategies by name: the built-in ones and those other packages register.

A strategy whose module is heavy is registered through `lazy`, so that naming
the strategies imports nothing. Packages add theirs through the entry-point
group ``nasc.strategies`` (an object that is a `StrategyFactory`).
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from importlib.metadata import entry_points
from typing import Any, cast

from nasc.search.errors import search_error
from nasc.search.strategies.base import Strategy, StrategyContext, StrategyFactory
from nasc.search.strategies.evolution import make_evolution
from nasc.search.strategies.random_search import make_random

ENTRY_POINT_GROUP = "nasc.strategies"


def lazy(module: str, name: str) -> StrategyFactory:
    """A factory that imports ``module`` only when a strategy is made."""

    def factory(context: StrategyContext, settings: Mapping[str, Any]) -> Strategy:
        made = getattr(importlib.import_module(module), name)
        return cast(Strategy, made(context, settings))

    return factory


STRATEGIES: dict[str, StrategyFactory] = {
    "random": make_random,
    "evolution": make_evolution,
}


def strategy_names() -> list[str]:
    """Built-in and installed strategies' names."""
    return sorted({*STRATEGIES, *(ep.name for ep in entry_points(group=ENTRY_POINT_GROUP))})


def make_strategy(name: str, context: StrategyContext, settings: Mapping[str, Any]) -> Strategy:
    """The strategy called ``name``; E963 naming the known ones when there is none."""
    factory = STRATEGIES.get(name)
    if factory is None:
        plugins = {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}
        if name not in plugins:
            raise search_error(
                "E963",
                f"unknown strategy '{name}'",
                f"choose one of: {', '.join(strategy_names())}",
            )
        factory = cast(StrategyFactory, plugins[name].load())
    return factory(context, settings)


__all__ = ["ENTRY_POINT_GROUP", "STRATEGIES", "lazy", "make_strategy", "strategy_names"]
