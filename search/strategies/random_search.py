"""Random search: every proposal drawn uniformly (or by the grammar's weights), never a repeat."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from nasc.compiler import Derivation
from nasc.search.strategies.base import StrategyContext, ask_rng
from nasc.search.strategies.options import Options
from nasc.search.strategies.proposals import Proposals

DEFAULTS: dict[str, Any] = {"sampler": "uniform"}


class RandomSearch:
    """Uniform random search (``sampler="pcfg"`` for infinite, recursive spaces).

    >>> from nasc.compiler import load
    >>> space = load("examples/nb201.nas")
    >>> search = RandomSearch(StrategyContext(space, seed=0))
    >>> first = search.ask()
    >>> search.tell(first, 0.5)
    >>> search.ask() != first
    True
    """

    def __init__(self, context: StrategyContext, sampler: str = "uniform") -> None:
        self.context = context
        self.sampler = sampler
        self.proposals = Proposals(context.space)

    def ask(self) -> Derivation:
        rng = ask_rng(self.context.seed, self.proposals.asks)
        derivation = self.proposals.fresh_sample(rng, self.sampler)
        self.proposals.record_ask(derivation)
        return derivation

    def tell(self, derivation: Derivation, value: float | None) -> None:
        self.proposals.record_tell(derivation)

    def asked(self, derivation: Derivation) -> None:
        self.proposals.record_ask(derivation)


def make_random(context: StrategyContext, settings: Mapping[str, Any]) -> RandomSearch:
    """The registry's factory: ``sampler`` is the only setting."""
    options = Options("random", settings, DEFAULTS)
    return RandomSearch(context, sampler=options.get("sampler"))


__all__ = ["RandomSearch", "make_random"]
