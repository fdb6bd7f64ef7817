"""What every search strategy offers: ask for a proposal, be told its result.

A strategy is deterministic: its k-th ask draws only from ``ask_rng(seed, k)``,
and its state is a function of the results told (in order), the number of asks
and the pending set. A resumed run replays the stored events (`asked` for every
ask, `tell` for every result) and then proposes what an unbroken run would have.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from nasc.compiler import Derivation, Space
from nasc.dsl import NascError

if TYPE_CHECKING:
    from nasc.search.data import Dataset


class Strategy(Protocol):
    """An ask/tell search strategy over the architectures of one space."""

    def ask(self) -> Derivation:
        """One proposal, never one already told or still pending (asked, not told)."""
        ...

    def tell(self, derivation: Derivation, value: float | None) -> None:
        """The objective of an asked derivation (minimised); None when its trial failed."""
        ...

    def asked(self, derivation: Derivation) -> None:
        """Replay an ask made before a resume, drawing no randomness."""
        ...


@dataclass(frozen=True)
class StrategyContext:
    """What a strategy's factory gets besides its own settings."""

    space: Space
    seed: int
    dataset: Dataset | None = None  # for training-free scores
    device: str = "cpu"
    workers: int = 1


StrategyFactory = Callable[[StrategyContext, Mapping[str, Any]], Strategy]


class Exhausted(NascError):
    """A strategy found no architecture that is neither evaluated nor pending."""


def ask_rng(seed: int, index: int) -> random.Random:
    """The random number generator of the ``index``-th ask of a run seeded ``seed``.

    >>> ask_rng(0, 3).random() == ask_rng(0, 3).random()
    True
    >>> ask_rng(0, 3).random() == ask_rng(0, 4).random()
    False
    """
    return random.Random(f"nasc-ask/{seed}/{index}")


__all__ = ["Exhausted", "Strategy", "StrategyContext", "StrategyFactory", "ask_rng"]
