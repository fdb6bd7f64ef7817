"""The bookkeeping every strategy shares: what was asked, what is pending, what was told."""

from __future__ import annotations

import math
import random

from nasc.compiler import Derivation, Space, sample
from nasc.search.errors import search_error
from nasc.search.strategies.base import Exhausted

# Draws of a fresh architecture before a strategy declares the space used up.
MAX_DRAWS = 2_000


class Proposals:
    """Asks made, derivations pending (asked, not told) and derivations told."""

    def __init__(self, space: Space) -> None:
        self.space = space
        self.asks = 0
        self.pending: set[Derivation] = set()
        self.told: set[Derivation] = set()
        self._size: int | None = None

    def seen(self, derivation: Derivation) -> bool:
        return derivation in self.pending or derivation in self.told

    def record_ask(self, derivation: Derivation) -> None:
        self.asks += 1
        self.pending.add(derivation)

    def record_tell(self, derivation: Derivation) -> None:
        self.pending.discard(derivation)
        self.told.add(derivation)

    def size(self) -> int | None:
        """The number of architectures of the space, None when it is infinite."""
        if self._size is None:
            try:
                self._size = self.space.count()
            except Exception:  # an infinite (recursive) space has no count
                self._size = -1
        return None if self._size < 0 else self._size

    def check_room(self) -> None:
        """Exhausted when every architecture of the space was already proposed."""
        size = self.size()
        used = len(self.pending) + len(self.told)
        if size is not None and used >= size:
            raise Exhausted(
                search_error(
                    "E962",
                    f"every architecture of the space ({size}) has been proposed",
                    "a smaller --budget fits this space",
                ).diagnostics
            )

    def fresh_sample(self, rng: random.Random, sampler: str = "uniform") -> Derivation:
        """A sampled derivation not seen before, drawn with ``rng``."""
        self.check_room()
        for _ in range(MAX_DRAWS):
            derivation = sample(self.space, rng, sampler)
            if not self.seen(derivation):
                return derivation
        raise Exhausted(
            search_error(
                "E962",
                f"no architecture that was not proposed before in {MAX_DRAWS} draws",
                "the space is nearly used up: a smaller --budget fits it",
            ).diagnostics
        )


def finite(value: float | None) -> bool:
    """True for a real, finite objective value."""
    return value is not None and math.isfinite(value)


__all__ = ["MAX_DRAWS", "Proposals", "finite"]
