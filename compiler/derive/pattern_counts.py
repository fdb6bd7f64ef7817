"""A topology application counted, unranked and ranked over the paths of its automaton.

Where a topology has too many zero patterns to list one option per pattern (`counting`
lists them for up to `ENUMERATED_BITS` edges that can be zero), its derivations are
counted over the layers of its `zero_patterns.Automaton`: per layer and state, the count
table of the edges still to come. Unranking walks the layers from the first state,
taking at each edge ``zero`` or live by the counts of what follows; ranking walks the
same path back. Both are linear in the number of edges, and exact: every architecture
is one rank.
"""

from __future__ import annotations

from dataclasses import dataclass

from nasc.compiler.derive.count_tables import Table, add, product
from nasc.compiler.derive.zero_patterns import Automaton

ANY, ZERO, NONZERO = 0, 1, 2
"""Modes: what a place needs of its derivation (anything, exactly `zero`, not `zero`)."""

Part = tuple[int, int, int]
"""(mode, shared-use mask, rank) of one argument's derivation."""


@dataclass(eq=False)
class PatternChoice:
    """Everything a topology application can become, over its automaton's paths.

    ``weights[t]``: the count tables of layer t's argument when ``zero`` and when live
    (None: not allowed); ``rest[t][s]``: the count table of all ways to finish the
    pattern from state s before layer t; ``total``: the whole application's table."""

    automaton: Automaton
    weights: list[tuple[Table | None, Table | None]]
    rest: list[list[Table]]
    total: Table

    @classmethod
    def build(
        cls, automaton: Automaton, zero: list[Table | None], live: list[Table | None]
    ) -> PatternChoice:
        """Counts from each argument's tables when ``zero`` and when live (per argument;
        None or empty: the argument cannot be that)."""
        weights = [
            (zero[layer.arg] or None, live[layer.arg] or None) if layer.arg >= 0 else (None, {0: 1})
            for layer in automaton.layers
        ]
        rest: list[list[Table]] = [[{0: 1}] * automaton.ends]
        for layer, (w_zero, w_live) in zip(
            reversed(automaton.layers), reversed(weights), strict=True
        ):
            nxt = rest[-1]
            row: list[Table] = []
            for z, v in zip(layer.zero, layer.live, strict=True):
                table: Table = {}
                if z >= 0 and w_zero is not None and nxt[z]:
                    table = product([w_zero, nxt[z]])
                if v >= 0 and w_live is not None and nxt[v]:
                    live_table = product([w_live, nxt[v]])
                    if table:
                        table = dict(table)
                        add(table, live_table)
                    else:
                        table = live_table
                row.append(table)
            rest.append(row)
        rest.reverse()
        total = rest[0][0] if rest[0] else {}
        return cls(automaton, weights, rest, total)

    def _ways(self, t: int, state: int, mask: int) -> list[tuple[bool, int, int, int, int, int]]:
        """The ways layer t can go from ``state`` to reach ``mask`` in all: (zero, next
        state, argument mask, its count, mask of the rest, its count), in rank order."""
        layer = self.automaton.layers[t]
        following = self.rest[t + 1]
        ways = []
        for is_zero, nxt, w in (
            (True, layer.zero[state], self.weights[t][0]),
            (False, layer.live[state], self.weights[t][1]),
        ):
            if nxt < 0 or w is None:
                continue
            for a, na in w.items():
                for b, nb in following[nxt].items():
                    if a | b == mask:
                        ways.append((is_zero, nxt, a, na, b, nb))
        return ways

    def unrank(self, mask: int, rank: int) -> list[Part]:
        """Per argument, in argument order, the mode, mask and rank of its derivation in
        the application's derivation of index ``rank`` among those using ``mask``."""
        parts: list[Part] = [(ANY, 0, 0)] * len(self.weights)
        state = 0
        for t, layer in enumerate(self.automaton.layers):
            for is_zero, nxt, a, na, b, nb in self._ways(t, state, mask):
                n = na * nb
                if rank < n:
                    rank, own = divmod(rank, na)
                    if layer.arg >= 0:
                        mode = ANY if layer.free else ZERO if is_zero else NONZERO
                        parts[layer.arg] = (mode, a, own)
                    state, mask = nxt, b
                    break
                rank -= n
            else:
                raise ValueError("rank outside the topology's derivations")
        return parts

    def rank(self, zeros: int, parts: list[tuple[int, int]]) -> tuple[int, int] | None:
        """(mask, rank) of the derivation whose arguments in ``zeros`` are ``zero`` and
        whose argument i has (mask, rank) ``parts[i]``; None when it is not one."""
        path = self.automaton.path(zeros)
        if path is None:
            return None
        mask, rank = 0, 0
        for t in reversed(range(len(self.automaton.layers))):
            layer = self.automaton.layers[t]
            is_zero = not layer.free and layer.arg >= 0 and bool(zeros >> layer.arg & 1)
            a, own = parts[layer.arg] if layer.arg >= 0 else (0, 0)
            whole = a | mask
            offset = 0
            for way in self._ways(t, path[t], whole):
                if way[0] == is_zero and way[2] == a and way[4] == mask:
                    if own >= way[3]:
                        return None
                    rank = offset + rank * way[3] + own
                    break
                offset += way[3] * way[5]
            else:
                return None
            mask = whole
        return mask, rank

    def mode(self, arg: int, is_zero: bool) -> int:
        """The mode argument ``arg`` is derived in when it is (or is not) ``zero``."""
        for layer in self.automaton.layers:
            if layer.arg == arg:
                return ANY if layer.free else ZERO if is_zero else NONZERO
        return ANY
