"""Where the nodes of a derivation are, without listing them.

Every subtree remembers how many nodes it has, in all and per nonterminal, so
that the n-th node in preorder (or the n-th node of one nonterminal) is found by
walking one path down. The nodes of a subtree stop at `shared` nonterminals:
a shared value is counted once, as a tree of its own. Derivations share their subtrees (sampling interns small
ones, mutation and crossover keep what they do not change), so the counts of a
new derivation mostly come from subtrees seen before. Crossover draws its points
from here.

>>> import random
>>> from nasc.compiler import load
>>> space = load("examples/nb201.nas")
>>> d = space.sample(seed=0)
>>> index = subtree_index(space)
>>> path, node = index.nth(d, 0)
>>> path == () and node == d
True
"""

from __future__ import annotations

from nasc.compiler.derive.derivation import Derivation
from nasc.compiler.nonterminals import below
from nasc.compiler.space import Space

Path = tuple[int, ...]
_LIMIT = 200_000  # remembered subtrees per table before it starts again


class SubtreeIndex:
    """Node counts of the derivations of one space, remembered per subtree."""

    def __init__(self, space: Space) -> None:
        self.space = space
        self.shared = space.shared
        self.below = below(space, through_shared=False)
        self.sizes: dict[Derivation, int] = {}
        self.counts: dict[str, dict[Derivation, int]] = {}

    def size(self, d: Derivation) -> int:
        """The number of nodes of ``d``, itself included."""
        sizes = self.sizes
        found = sizes.get(d)
        if found is None:
            if len(sizes) > _LIMIT:
                sizes.clear()
            found = 1
            known = sizes.get
            shared = self.shared
            for c in d.children:
                if c.nt not in shared:
                    found += known(c) or self.size(c)
            sizes[d] = found
        return found

    def count(self, d: Derivation, nt: str) -> int:
        """The number of nodes of ``d`` (itself included) rooted at ``nt``."""
        memo = self.counts.get(nt)
        if memo is None or len(memo) > _LIMIT:
            memo = self.counts[nt] = {}
        return self._count(d, nt, memo)

    def _count(self, d: Derivation, nt: str, memo: dict[Derivation, int]) -> int:
        found = memo.get(d)
        if found is None:
            found = int(d.nt == nt)
            if nt in self.below[d.nt]:
                known = memo.get
                shared = self.shared
                for c in d.children:
                    if c.nt not in shared:
                        n = known(c)
                        found += self._count(c, nt, memo) if n is None else n
            memo[d] = found
        return found

    def nth(self, d: Derivation, n: int) -> tuple[Path, Derivation]:
        """The path to and the node of the ``n``-th node of ``d`` in preorder (0: ``d``)."""
        path: list[int] = []
        while n:
            n -= 1
            for i, c in enumerate(d.children):
                if c.nt in self.shared:
                    continue
                size = self.size(c)
                if n < size:
                    path.append(i)
                    d = c
                    break
                n -= size
            else:
                raise IndexError(n)
        return tuple(path), d

    def nth_of(self, d: Derivation, nt: str, n: int) -> tuple[Path, Derivation]:
        """The path to and the node of the ``n``-th node rooted at ``nt`` in ``d``, in
        preorder (``d`` itself first when it is one)."""
        path: list[int] = []
        while True:
            if d.nt == nt:
                if n == 0:
                    return tuple(path), d
                n -= 1
            for i, c in enumerate(d.children):
                if c.nt in self.shared:
                    continue
                size = self.count(c, nt)
                if n < size:
                    path.append(i)
                    d = c
                    break
                n -= size
            else:
                raise IndexError(n)


def subtree_index(space: Space) -> SubtreeIndex:
    """The space's subtree index, made on first use."""
    return space.memo.get(SubtreeIndex)
