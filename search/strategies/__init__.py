"""Search strategies behind one ask/tell protocol, found by name in `STRATEGIES`."""

from nasc.search.strategies.base import (
    Exhausted,
    Strategy,
    StrategyContext,
    StrategyFactory,
    ask_rng,
)
from nasc.search.strategies.evolution import RegularisedEvolution
from nasc.search.strategies.random_search import RandomSearch
from nasc.search.strategies.registry import STRATEGIES, lazy, make_strategy, strategy_names

__all__ = [
    "STRATEGIES",
    "Exhausted",
    "RandomSearch",
    "RegularisedEvolution",
    "Strategy",
    "StrategyContext",
    "StrategyFactory",
    "ask_rng",
    "lazy",
    "make_strategy",
    "strategy_names",
]
