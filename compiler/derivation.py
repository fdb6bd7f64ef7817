"""Derivations: the tree of choices that names one architecture of a space."""

from __future__ import annotations


class Derivation:
    """The choice made at one nonterminal.

    ``alt`` indexes ``space.rule(nt).alternatives``; ``children`` are the
    derivations of the nonterminals that alternative's template names, in the
    order `nasc.compiler.space.nonterminals_in` yields them (left to right).
    Everything else in the template (primitives, topologies) is fixed by it.
    A `shared` nonterminal has the same child at every one of its places.
    """

    __slots__ = ("_hash", "alt", "children", "nt")

    nt: str
    alt: int
    children: tuple[Derivation, ...]

    def __init__(self, nt: str, alt: int, children: tuple[Derivation, ...] = ()) -> None:
        self.nt = nt
        self.alt = alt
        self.children = children
        self._hash = hash((nt, alt, children))

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other: object) -> bool:
        if self is other:
            return True
        if not isinstance(other, Derivation):
            return NotImplemented
        return (
            self._hash == other._hash
            and self.nt == other.nt
            and self.alt == other.alt
            and self.children == other.children
        )

    def __repr__(self) -> str:
        return f"Derivation({self.nt!r}, {self.alt}, {self.children!r})"
