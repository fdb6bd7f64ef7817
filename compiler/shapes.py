"""Tensor shapes as nasc reasons about them, without a batch dimension.

Three layouts cover the spaces nasc describes:

- ``channels``: channels first, then 1-3 spatial sizes: ``[C, L]``, ``[C, H, W]``, ``[C, D, H, W]``;
- ``sequence``: ``L`` tokens of width ``D``, written ``[L, D]``;
- ``vector``: a flat feature vector ``[D]``.

``features`` is C or D; ``extent`` holds the spatial sizes, or ``(L,)`` for a sequence.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

Layout = Literal["channels", "sequence", "vector"]
LAYOUTS: tuple[Layout, ...] = ("channels", "sequence", "vector")


class ShapeError(Exception):
    """An operation cannot take the shape it is given; the message says why."""


@dataclass(frozen=True, slots=True)
class Shape:
    layout: Layout
    features: int
    extent: tuple[int, ...] = ()

    @classmethod
    def from_dims(cls, layout: Layout, dims: tuple[int, ...]) -> Shape:
        if layout == "channels":
            return cls("channels", dims[0], tuple(dims[1:]))
        if layout == "sequence":
            return cls("sequence", dims[1], (dims[0],))
        return cls("vector", dims[0], ())

    @property
    def dims(self) -> tuple[int, ...]:
        """The tensor's dimensions without the batch, in nasc's (channels-first) order."""
        if self.layout == "channels":
            return (self.features, *self.extent)
        if self.layout == "sequence":
            return (self.extent[0], self.features)
        return (self.features,)

    @property
    def rank(self) -> int:
        """Number of spatial dimensions (0 for sequences and vectors)."""
        return len(self.extent) if self.layout == "channels" else 0

    @property
    def size(self) -> int:
        total = 1
        for dim in self.dims:
            total *= dim
        return total

    def with_features(self, features: int) -> Shape:
        return Shape(self.layout, features, self.extent)

    def __str__(self) -> str:
        inner = ", ".join(str(d) for d in self.dims)
        return f"[{inner}]" if self.layout == "channels" else f"{self.layout} [{inner}]"


def broadcast(shapes: Iterable[Shape]) -> Shape | None:
    """The shape of an elementwise binary operation's result on ``shapes``, or None
    when they cannot meet.

    Equal shapes meet as they are; a vector ``[C]`` also meets an image or signal
    ``[C, ...]`` (one value per channel, repeated over the positions) or a sequence
    ``[L, C]`` (repeated over the tokens): squeeze-and-excitation's gate.

    >>> image, gate = Shape("channels", 8, (4, 4)), Shape("vector", 8)
    >>> str(broadcast([image, gate])), broadcast([image, Shape("vector", 3)])
    ('[8, 4, 4]', None)
    """
    distinct = set(shapes)
    if len(distinct) <= 1:
        return next(iter(distinct), None)
    wide = [s for s in distinct if s.layout != "vector"]
    if len(wide) != 1:
        return None
    target = wide[0]
    if any(s.features != target.features for s in distinct):
        return None
    return target
