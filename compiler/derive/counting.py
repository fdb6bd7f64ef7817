"""Exact counting of a space's architectures, with Python integers.

Counts honour every constraint without enumerating architectures:

- ``constraint connected``: a topology application is counted once per pattern of
  its edges that derive exactly ``zero`` (2^m patterns over the m edges that can
  be zero), keeping only patterns that leave a path from node 0 to the last node;
- ``shared X``: X is counted once, not per place. Counts are tables from the set of
  shared nonterminals used (a bit mask) to a number, so that X multiplies the
  total only when it is used; whether each shared value is ``zero`` is assumed
  up front (one `Engine` per assumption), so that its edges are counted right;
- ``depth(X) <= k``: the remaining budget of every bounded nonterminal is part of
  the state; recursion without a bound makes the space infinite (`count_by_depth`).

Duplicate alternatives (E301) are counted once: only the first of equal
alternatives is ever derived.

>>> from nasc.compiler import load
>>> count(load("examples/nb201.nas"))
15284
"""

from __future__ import annotations

import itertools
import math
from bisect import bisect_right
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from nasc.compiler.derive.count_tables import Table, add, product
from nasc.compiler.derive.pattern_counts import ANY as ANY  # the modes, for the modules that count
from nasc.compiler.derive.pattern_counts import NONZERO as NONZERO
from nasc.compiler.derive.pattern_counts import ZERO as ZERO
from nasc.compiler.derive.pattern_counts import PatternChoice
from nasc.compiler.derive.zero_patterns import pattern_automaton
from nasc.compiler.space import NT, Alternative, Prim, Space, Template, Topo
from nasc.dsl import NascError
from nasc.dsl.diagnostics import error

Budget = tuple[int, ...]
Factor = tuple[Template, int, Budget]

ENUMERATED_BITS = 10
"""Topology applications with at most this many edges that can be zero list one option per
allowed zero pattern; larger ones are counted over their automaton (`pattern_counts`)."""

INTERN_LIMIT = 4096
"""Nonterminals with at most this many derivations keep them all in a list."""


class Infinite(Exception):
    """Raised inside the engine when a nonterminal can derive itself without bound."""

    def __init__(self, nt: str) -> None:
        super().__init__(nt)
        self.nt = nt


@dataclass(eq=False)
class Option:
    """One way to derive a choice: an alternative of a rule, or a zero pattern of a topology.

    ``factors`` are independent parts (templates with their mode and budget) whose
    counts multiply; ``tables`` their count tables, ``table`` the product.
    """

    label: int
    factors: tuple[Factor, ...]
    tables: tuple[Table, ...]
    table: Table
    _combos: dict[int, tuple[list[int], list[tuple[tuple[int, int], ...]]]] = field(
        default_factory=dict
    )
    plan: list[tuple[int, int, Any]] | None = None
    """Compiled steps for unranking without shared values (built by `sampling`)."""

    def combos(self, mask: int) -> tuple[list[int], list[tuple[tuple[int, int], ...]]]:
        """The ways the factors' shared-use masks unite to ``mask``: cumulative counts and,
        per way, each factor's (mask, count)."""
        found = self._combos.get(mask)
        if found is None:
            cumulative: list[int] = []
            ways: list[tuple[tuple[int, int], ...]] = []
            total = 0
            for way in itertools.product(*(sorted(t.items()) for t in self.tables)):
                union = 0
                product = 1
                for sub, n in way:
                    union |= sub
                    product *= n
                if union == mask:
                    total += product
                    cumulative.append(total)
                    ways.append(way)
            found = self._combos[mask] = (cumulative, ways)
        return found


@dataclass(eq=False)
class Choice:
    """Everything a nonterminal (or topology application) can become in one state."""

    options: list[Option]
    total: Table
    _picks: dict[int, tuple[list[int], list[Option]]] = field(default_factory=dict)
    interned: dict[int, list[object]] = field(default_factory=dict)
    index: dict[int, dict[object, int]] = field(default_factory=dict)

    def picks(self, mask: int) -> tuple[list[int], list[Option]]:
        found = self._picks.get(mask)
        if found is None:
            cumulative, options, total = [], [], 0
            for option in self.options:
                n = option.table.get(mask, 0)
                if n:
                    total += n
                    cumulative.append(total)
                    options.append(option)
            found = self._picks[mask] = (cumulative, options)
        return found

    def pick(self, mask: int, rank: int) -> tuple[Option, int]:
        """The option holding ``rank`` among derivations using ``mask``, and the rank in it."""
        cumulative, options = self.picks(mask)
        i = bisect_right(cumulative, rank)
        return options[i], rank - (cumulative[i - 1] if i else 0)

    def offset(self, mask: int, label: int) -> int | None:
        cumulative, options = self.picks(mask)
        for i, option in enumerate(options):
            if option.label == label:
                return cumulative[i - 1] if i else 0
        return None


class Engine:
    """Count tables of one space under one assumption about its shared values.

    ``zero_shared`` has bit i set when the i-th shared nonterminal's value is
    ``zero``; ``max_depth`` (per-depth counting) bounds every derivation path.
    """

    def __init__(
        self,
        space: Space,
        zero_shared: int = 0,
        max_depth: int | None = None,
        enumerated_bits: int | None = None,
    ) -> None:
        self.space = space
        self.enumerated_bits = ENUMERATED_BITS if enumerated_bits is None else enumerated_bits
        self.zero_shared = zero_shared
        self.max_depth = max_depth
        self.shared = sorted(space.shared)
        self.shared_bit = {name: 1 << i for i, name in enumerate(self.shared)}
        bounded = [name for name, _ in space.depth_bounds]
        self.bounded = {name: i for i, name in enumerate(bounded)}
        limits = [k for _, k in space.depth_bounds]
        if max_depth is not None:
            limits.append(max_depth)
        self.full_budget: Budget = tuple(limits)
        self.canonical = canonical_alternatives(space)
        self._rules: dict[tuple[str, int, Budget], Choice] = {}
        self._topos: dict[tuple[int, Budget], Choice | PatternChoice] = {}
        self._active: set[tuple[str, int, Budget]] = set()
        self._connected: dict[tuple[str, int, int], bool] = {}

    # ---- budgets

    def child_budget(self, nt: str, budget: Budget) -> Budget | None:
        """The budget below a node of ``nt``, or None when none is left."""
        j = self.bounded.get(nt)
        if j is None and self.max_depth is None:
            return budget
        spent = list(budget)
        if j is not None:
            if spent[j] == 0:
                return None
            spent[j] -= 1
        if self.max_depth is not None:
            if spent[-1] == 0:
                return None
            spent[-1] -= 1
        return tuple(spent)

    # ---- tables

    def rule(self, nt: str, mode: int, budget: Budget) -> Choice:
        """The derivations of ``nt``'s own rule in a mode and budget."""
        key = (nt, mode, budget)
        found = self._rules.get(key)
        if found is not None:
            return found
        if key in self._active:
            raise Infinite(nt)
        self._active.add(key)
        try:
            options: list[Option] = []
            total: Table = {}
            below = self.child_budget(nt, budget)
            if below is not None:
                for index, alt in self.canonical[nt]:
                    table = self.template(alt.template, mode, below)
                    if table:
                        factor = (alt.template, mode, below)
                        options.append(Option(index, (factor,), (table,), table))
                        add(total, table)
        finally:
            self._active.discard(key)
        choice = self._rules[key] = Choice(options, total)
        return choice

    def leaf(self, nt: str, mode: int, budget: Budget) -> Table:
        """A shared nonterminal as a leaf: its value is counted once, elsewhere."""
        bit = self.shared_bit[nt]
        j = self.bounded.get(nt)
        if j is not None and budget[j] == 0:
            return {}
        is_zero = bool(self.zero_shared & bit)
        if mode == ANY or (mode == ZERO) == is_zero:
            return {bit: 1}
        return {}

    def template(self, template: Template, mode: int, budget: Budget) -> Table:
        if isinstance(template, Prim):
            if (template.op == "zero") == (mode == ZERO) or mode == ANY:
                return {0: 1}
            return {}
        if isinstance(template, NT):
            if template.name in self.shared_bit:
                return self.leaf(template.name, mode, budget)
            return self.rule(template.name, mode, budget).total
        if mode == ZERO:
            return {}
        return self.topo(template, budget).total

    def topo(self, template: Topo, budget: Budget) -> Choice | PatternChoice:
        """A topology application; under `connected`, one option per connected zero
        pattern, or, past `ENUMERATED_BITS` edges that can be zero, a `PatternChoice`."""
        key = (id(template), budget)
        found = self._topos.get(key)
        if found is not None:
            return found
        args = template.args
        options: list[Option] = []
        total: Table = {}
        if not self.space.connected and template.name not in self.space.limits_of:
            factors = tuple((arg, ANY, budget) for arg in args)
            tables = tuple(self.template(arg, ANY, budget) for arg in args)
            table = product(list(tables))
            if table:
                options.append(Option(0, factors, tables, table))
                total = dict(table)
        else:
            edge_args = self.edge_args(template)
            any_t = {
                i: self.template(a, ANY, budget) for i, a in enumerate(args) if i not in edge_args
            }
            zero_t = {i: self.template(args[i], ZERO, budget) for i in edge_args}
            nonzero_t = {i: self.template(args[i], NONZERO, budget) for i in edge_args}
            zeroable = [i for i in sorted(edge_args) if zero_t[i]]
            if len(zeroable) > self.enumerated_bits:
                live_t = {**any_t, **nonzero_t}
                found = self._topos[key] = self.patterns(template, zero_t, live_t)
                return found
            for pattern in range(1 << len(zeroable)):
                zeros = 0
                for b, i in enumerate(zeroable):
                    if pattern >> b & 1:
                        zeros |= 1 << i
                if not self.connects(template, zeros):
                    continue
                modes = [
                    ANY if i not in edge_args else ZERO if zeros >> i & 1 else NONZERO
                    for i in range(len(args))
                ]
                tables = tuple(
                    any_t[i] if m == ANY else zero_t[i] if m == ZERO else nonzero_t[i]
                    for i, m in enumerate(modes)
                )
                table = product(list(tables))
                if table:
                    factors = tuple((a, m, budget) for a, m in zip(args, modes, strict=True))
                    options.append(Option(zeros, factors, tables, table))
                    add(total, table)
        choice = self._topos[key] = Choice(options, total)
        return choice

    def patterns(
        self, template: Topo, zero_t: dict[int, Table], live_t: dict[int, Table]
    ) -> PatternChoice:
        """A topology application counted over the paths of its zero-pattern automaton:
        ``zero_t`` and ``live_t`` are its arguments' tables when zero and when not."""
        arity = len(template.args)
        may_zero = sum(1 << i for i, table in zero_t.items() if table)
        may_live = sum(1 << i for i, table in live_t.items() if table)
        automaton = pattern_automaton(self.space, template.name, arity, may_zero, may_live)
        zero = [zero_t.get(i) for i in range(arity)]
        live = [live_t.get(i) for i in range(arity)]
        return PatternChoice.build(automaton, zero, live)

    # ---- connectivity

    def edge_args(self, template: Topo) -> set[int]:
        topology = self.space.topology(template.name)
        return {e.arg for e in topology.edges_for(len(template.args)) if e.arg >= 0}

    def connects(self, template: Topo, zeros: int) -> bool:
        """Whether node 0 still reaches the last node when the args in ``zeros`` are zero."""
        arity = len(template.args)
        key = (template.name, arity, zeros)
        found = self._connected.get(key)
        if found is None:
            found = self._connected[key] = connects(self.space, template.name, arity, zeros)
        return found


def connects(space: Space, name: str, arity: int, zeros: int) -> bool:
    """Whether a topology applied to ``arity`` args keeps its last node reached from an
    input (node 0, or one of nodes ``0 .. inputs - 1``: a cell may ignore an input),
    and keeps its edge limits, when the args whose bits are set in ``zeros`` are ``zero``."""
    topology = space.topology(name)
    edges = [e for e in topology.edges_for(arity) if not (e.arg >= 0 and zeros >> e.arg & 1)]
    last = topology.node_count(arity) - 1
    for limit in space.limits_of.get(name, ()):
        if limit.kind == "edges" and sum(e.arg >= 0 for e in edges) > limit.bound:
            return False
        if limit.kind == "inputs":
            for node in limit.counted_nodes(topology, arity):
                if sum(e.target == node for e in edges) != limit.bound:
                    return False
    if not space.connected:
        return True
    seen = set(range(topology.inputs))
    for edge in sorted(edges, key=lambda e: e.source):
        if edge.source in seen:
            seen.add(edge.target)
    return last in seen


def canonical_alternatives(space: Space) -> dict[str, list[tuple[int, Alternative]]]:
    """Per rule, (index, alternative) of each alternative that is not a repeat of an earlier one."""
    result: dict[str, list[tuple[int, Alternative]]] = {}
    for rule in space.rules:
        first = rule.first_alternatives()
        result[rule.name] = [
            (index, alt)
            for index, alt in enumerate(rule.alternatives)
            if first[alt.template] == index
        ]
    return result


@dataclass(frozen=True)
class Configuration:
    """A global choice for shared nonterminals: which are used, which are zero, and the
    shared-use mask of the root and of every used value; ``count`` architectures share it."""

    engine: Engine
    root_mask: int
    values: tuple[tuple[str, int, int], ...]  # (nt, mode, mask), dependencies first
    counts: tuple[int, ...]  # root first, then each value
    count: int


class Counts:
    """The counting state of one space: engines per assumption, configurations per root."""

    def __init__(self, space: Space, enumerated_bits: int | None = None) -> None:
        self.space = space
        self.enumerated_bits = enumerated_bits
        self._engines: dict[tuple[int, int | None], Engine] = {}
        self._configurations: dict[tuple[str, int | None], tuple[list[int], list[Configuration]]]
        self._configurations = {}

    def engine(self, zero_shared: int = 0, max_depth: int | None = None) -> Engine:
        key = (zero_shared, max_depth)
        found = self._engines.get(key)
        if found is None:
            found = self._engines[key] = Engine(
                self.space, zero_shared, max_depth, self.enumerated_bits
            )
        return found

    def configurations(
        self, root: str | None = None, max_depth: int | None = None
    ) -> tuple[list[int], list[Configuration]]:
        """Configurations with cumulative counts (raises `Infinite` for an infinite space)."""
        root = root or self.space.start
        key = (root, max_depth)
        found = self._configurations.get(key)
        if found is None:
            configs = list(self._enumerate(root, max_depth))
            cumulative = list(itertools.accumulate(c.count for c in configs))
            found = self._configurations[key] = (cumulative, configs)
        return found

    def _enumerate(self, root: str, max_depth: int | None) -> Iterator[Configuration]:
        shared = sorted(self.space.shared)
        for zero_shared in range(1 << len(shared)):
            engine = self.engine(zero_shared, max_depth)
            budget = engine.full_budget
            root_bit = engine.shared_bit.get(root, 0)

            def mode_of(name: str, engine: Engine = engine) -> int:
                return ZERO if engine.zero_shared & engine.shared_bit[name] else NONZERO

            def value_table(name: str, engine: Engine = engine) -> Table:
                return engine.rule(name, mode_of(name), engine.full_budget).total

            for root_mask, root_count in sorted(engine.rule(root, ANY, budget).total.items()):
                for chosen, n in _closures(shared, value_table, root_mask, {}, root_count):
                    used = root_mask
                    for mask in chosen.values():
                        used |= mask
                    if zero_shared & ~used or used & root_bit:
                        continue
                    order = _dependency_order(chosen, engine.shared_bit)
                    if order is None:
                        continue
                    values = tuple((name, mode_of(name), chosen[name]) for name in order)
                    counts = (root_count, *(value_table(name)[chosen[name]] for name in order))
                    yield Configuration(engine, root_mask, values, counts, n)


def _closures(
    shared: list[str],
    value_table: Callable[[str], Table],
    mask: int,
    chosen: dict[str, int],
    n: int,
) -> Iterator[tuple[dict[str, int], int]]:
    """Every assignment of a mask to each shared value reachable from ``mask``."""
    used = mask
    for m in chosen.values():
        used |= m
    for i, name in enumerate(shared):
        if used >> i & 1 and name not in chosen:
            table = value_table(name)
            for sub, count in sorted(table.items()):
                if sub >> i & 1:
                    continue
                yield from _closures(shared, value_table, mask, {**chosen, name: sub}, n * count)
            return
    yield chosen, n


def _dependency_order(chosen: dict[str, int], bits: dict[str, int]) -> list[str] | None:
    """Shared values ordered so that each comes after those it contains; None on a cycle."""
    order: list[str] = []
    placed: set[str] = set()
    pending = dict(chosen)
    while pending:
        ready = [
            name
            for name, mask in pending.items()
            if all(not mask & bits[other] or other in placed for other in bits)
        ]
        if not ready:
            return None
        for name in sorted(ready):
            order.append(name)
            placed.add(name)
            del pending[name]
    return order


def counts_of(space: Space) -> Counts:
    """The counting state of a space, made once (kept in the space's memo)."""
    return space.memo.get(Counts)


def infinite_error(space: Space, nt: str) -> NascError:
    rule = space.rule_map.get(nt)
    return NascError(
        error(
            "E710",
            f"the space is infinite: '{nt}' can derive itself without a depth bound",
            rule.span if rule else None,
            f"add `constraint depth({nt}) <= k`, count per depth (`count_by_depth`, "
            "`nasc count --depth N`), or sample with the pcfg sampler",
        )
    )


def count(space: Space, nt: str | None = None) -> int:
    """The exact number of distinct architectures of the space (or of one nonterminal).

    Raises NascError (E710) when the space is infinite.

    >>> from nasc.compiler import load
    >>> count(load("examples/activation.nas"))
    393762525
    """
    try:
        cumulative, _ = counts_of(space).configurations(nt)
    except Infinite as exc:
        raise infinite_error(space, exc.nt) from None
    return cumulative[-1] if cumulative else 0


def count_by_depth(space: Space, depth: int, nt: str | None = None) -> int:
    """The number of architectures whose derivation nests at most ``depth`` nonterminals
    on any path from the root: finite for every space, growing with ``depth``."""
    if depth < 0:
        raise ValueError("depth must be at least 0")
    cumulative, _ = counts_of(space).configurations(nt, max_depth=depth)
    return cumulative[-1] if cumulative else 0


def log10(n: int) -> float:
    """log10 of a count of any size (-inf for 0)."""
    return math.log10(n) if n > 0 else float("-inf")


def count_table(space: Space) -> dict[str, int | None]:
    """For every nonterminal, its number of distinct derivations (None: infinite)."""
    table: dict[str, int | None] = {}
    for rule in space.rules:
        try:
            table[rule.name] = count(space, rule.name)
        except NascError:
            table[rule.name] = None
    return table
