"""Tables computed once per Space, each kept under its own type.

A Space is immutable, so whatever is derived from it alone (counting engines,
term formats, subtree indexes, the graph builder's compiled rules) can be made
once and reused. Each table is a class built from the space; the memo keys it
by that class, so a reader gets back exactly the type it asked for:

>>> class Sizes:
...     def __init__(self, space: object) -> None:
...         self.made = True
>>> memo = SpaceMemo(object())
>>> memo.get(Sizes) is memo.get(Sizes) and memo.get(Sizes).made
True
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar, cast

if TYPE_CHECKING:
    from nasc.compiler.space import Space

T = TypeVar("T")


class SpaceMemo:
    """The per-space tables of one Space, keyed by their type."""

    __slots__ = ("_tables", "space")

    def __init__(self, space: Space | object) -> None:
        self.space = space
        self._tables: dict[type, Any] = {}

    def get(self, kind: type[T], make: Callable[[Any], T] | None = None) -> T:
        """The table of type ``kind``, made now by ``make(space)`` (default ``kind(space)``)
        when this space has none yet."""
        try:
            return cast(T, self._tables[kind])
        except KeyError:
            factory = make if make is not None else cast(Callable[[Any], T], kind)
            table: T = factory(self.space)
            self._tables[kind] = table
            return table

    def __contains__(self, kind: type) -> bool:
        return kind in self._tables


__all__ = ["SpaceMemo"]
