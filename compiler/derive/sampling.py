"""Sampling architectures: uniform (from the exact counts) and pcfg (by weights).

Uniform sampling draws one integer below the space's size and unranks it: the
counts decide every choice, so every architecture is exactly equally likely and
every constraint holds by construction. `rank` is the inverse of `unrank`.

>>> import random
>>> from nasc.compiler import load
>>> space = load("examples/nb201.nas")
>>> d = sample(space, random.Random(0))
>>> d.nt
'NET'
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any, Literal

from nasc.compiler.derive.counting import (
    ANY,
    INTERN_LIMIT,
    NONZERO,
    ZERO,
    Budget,
    Configuration,
    Engine,
    Infinite,
    Option,
    counts_of,
    infinite_error,
)
from nasc.compiler.derive.derivation import Derivation, is_zero
from nasc.compiler.derive.pattern_counts import PatternChoice
from nasc.compiler.derive.zero_patterns import Automaton, Layer, pattern_automaton
from nasc.compiler.nonterminals import recursive_components
from nasc.compiler.space import NT, Prim, Space, Template, Topo, nonterminals_in
from nasc.dsl import NascError
from nasc.dsl.diagnostics import error

Sampler = Literal["uniform", "pcfg"]
SAMPLERS: tuple[str, ...] = ("uniform", "pcfg")

Values = dict[str, Derivation]


def sample(space: Space, rng: random.Random, sampler: str = "uniform") -> Derivation:
    """One architecture of the space, drawn with ``rng``.

    ``uniform``: every architecture of a finite space equally likely. ``pcfg``:
    alternatives drawn by their weights (works for infinite spaces too). Budgets
    (``constraint params <= ...``) are honoured by drawing again (`nasc.compiler.derive.budget`).
    """
    if space.budgets and sampler in SAMPLERS:
        from nasc.compiler.derive.budget import within_budget

        return within_budget(space, lambda: sample_unbudgeted(space, rng, sampler), "sample")
    return sample_unbudgeted(space, rng, sampler)


def sample_unbudgeted(space: Space, rng: random.Random, sampler: str = "uniform") -> Derivation:
    """`sample` without the budgets: what rejection draws from."""
    if sampler == "uniform":
        return _uniform(space, rng)
    if sampler == "pcfg":
        return sample_pcfg(space, rng)
    raise NascError(
        error(
            "E712",
            f"unknown sampler '{sampler}'",
            None,
            f"choose one of: {', '.join(SAMPLERS)}",
        )
    )


def _uniform(space: Space, rng: random.Random) -> Derivation:
    try:
        cumulative, _configs = counts_of(space).configurations()
    except Infinite as exc:
        raise infinite_error(space, exc.nt) from None
    if not cumulative or cumulative[-1] == 0:
        raise empty_error(space)
    return unrank(space, rng.randrange(cumulative[-1]))


def empty_error(space: Space) -> NascError:
    rule = space.rule_map.get(space.start)
    return NascError(
        error(
            "E711",
            f"the space has no architecture: no derivation of '{space.start}' satisfies "
            "its constraints",
            rule.span if rule else None,
            "check `constraint connected` (some topology can only be cut by `zero`), "
            "depth bounds, and shared nonterminals that would have to contain themselves",
        )
    )


def unrank(space: Space, rank: int, nt: str | None = None) -> Derivation:
    """The architecture with index ``rank`` (0 <= rank < count) in the space's fixed order."""
    from bisect import bisect_right

    cumulative, configs = counts_of(space).configurations(nt)
    if not 0 <= rank < (cumulative[-1] if cumulative else 0):
        raise ValueError(f"rank {rank} is outside the space")
    i = bisect_right(cumulative, rank)
    config = configs[i]
    return unrank_configuration(config, rank - (cumulative[i - 1] if i else 0), nt or space.start)


def unrank_configuration(config: Configuration, rank: int, root: str) -> Derivation:
    engine = config.engine
    parts = []
    for n in config.counts:
        rank, part = divmod(rank, n)
        parts.append(part)
    values: Values = {}
    for (name, mode, mask), part in zip(config.values, parts[1:], strict=True):
        values[name] = unrank_rule(engine, name, mode, engine.full_budget, mask, part, values)
    return unrank_rule(engine, root, ANY, engine.full_budget, config.root_mask, parts[0], values)


_INTERNED, _RULE, _TOPO, _PATTERNS = 0, 1, 2, 3


def _plan(engine: Engine, option: Option, values: Values) -> list[tuple[int, int, Any]]:
    """Steps that unrank an option's factors when no shared value is involved:
    (count, kind, payload) per factor that names something (primitives need no step)."""
    plan = option.plan
    if plan is None:
        plan = []
        for (template, mode, budget), table in zip(option.factors, option.tables, strict=True):
            n = table[0]
            if isinstance(template, Prim):
                continue
            if isinstance(template, NT):
                choice = engine.rule(template.name, mode, budget)
                if n <= INTERN_LIMIT:
                    unrank_rule(engine, template.name, mode, budget, 0, 0, values)
                    plan.append((n, _INTERNED, choice.interned[0]))
                else:
                    plan.append((n, _RULE, (template.name, choice)))
            else:
                topo = engine.topo(template, budget)
                if isinstance(topo, PatternChoice):
                    plan.append((n, _PATTERNS, (template, budget, topo)))
                else:
                    plan.append((n, _TOPO, topo))
        option.plan = plan
    return plan


def _fast_option(
    engine: Engine, option: Option, rank: int, values: Values, out: list[Derivation]
) -> None:
    plan = option.plan or _plan(engine, option, values)
    for n, kind, payload in plan:
        if n == 1:
            part = 0
        else:
            rank, part = divmod(rank, n)
        if kind == _INTERNED:
            out.append(payload[part])
        elif kind == _RULE:
            nt, choice = payload
            sub, part = choice.pick(0, part)
            children: list[Derivation] = []
            _fast_option(engine, sub, part, values, children)
            out.append(Derivation(nt, sub.label, tuple(children)))
        elif kind == _TOPO:
            sub, part = payload.pick(0, part)
            _fast_option(engine, sub, part, values, out)
        else:
            template, budget, patterns = payload
            _unrank_patterns(engine, template, budget, patterns, 0, part, values, out)


def unrank_rule(
    engine: Engine, nt: str, mode: int, budget: Budget, mask: int, rank: int, values: Values
) -> Derivation:
    """The derivation of ``nt``'s rule with index ``rank`` among those using ``mask``."""
    choice = engine.rule(nt, mode, budget)
    if mask == 0:
        total = choice.total.get(0, 0)
        if total <= INTERN_LIMIT:
            interned = choice.interned.get(0)
            if interned is None:
                interned = choice.interned[0] = [
                    _unrank_rule(engine, nt, mode, budget, 0, r, values) for r in range(total)
                ]
                choice.index[0] = {d: r for r, d in enumerate(interned)}
            return interned[rank]  # type: ignore[return-value]
    return _unrank_rule(engine, nt, mode, budget, mask, rank, values)


def _unrank_rule(
    engine: Engine, nt: str, mode: int, budget: Budget, mask: int, rank: int, values: Values
) -> Derivation:
    option, rank = engine.rule(nt, mode, budget).pick(mask, rank)
    children: list[Derivation] = []
    if mask == 0:
        _fast_option(engine, option, rank, values, children)
    else:
        _unrank_option(engine, option, mask, rank, values, children)
    return Derivation(nt, option.label, tuple(children))


def _unrank_option(
    engine: Engine, option: Option, mask: int, rank: int, values: Values, out: list[Derivation]
) -> None:
    from bisect import bisect_right

    cumulative, ways = option.combos(mask)
    i = bisect_right(cumulative, rank) if len(cumulative) > 1 else 0
    if i:
        rank -= cumulative[i - 1]
    for (template, mode, budget), (sub, n) in zip(option.factors, ways[i], strict=True):
        if n == 1:
            part = 0
        else:
            rank, part = divmod(rank, n)
        _unrank_template(engine, template, mode, budget, sub, part, values, out)


def _unrank_template(
    engine: Engine,
    template: Template,
    mode: int,
    budget: Budget,
    mask: int,
    rank: int,
    values: Values,
    out: list[Derivation],
) -> None:
    if isinstance(template, Prim):
        return
    if isinstance(template, NT):
        if template.name in engine.shared_bit:
            out.append(values[template.name])
        else:
            out.append(unrank_rule(engine, template.name, mode, budget, mask, rank, values))
        return
    choice = engine.topo(template, budget)
    if isinstance(choice, PatternChoice):
        _unrank_patterns(engine, template, budget, choice, mask, rank, values, out)
        return
    option, rank = choice.pick(mask, rank)
    _unrank_option(engine, option, mask, rank, values, out)


def _unrank_patterns(
    engine: Engine,
    template: Topo,
    budget: Budget,
    choice: PatternChoice,
    mask: int,
    rank: int,
    values: Values,
    out: list[Derivation],
) -> None:
    """A topology application counted over its automaton, unranked edge by edge."""
    parts = choice.unrank(mask, rank)
    for arg, (mode, sub, part) in zip(template.args, parts, strict=True):
        _unrank_template(engine, arg, mode, budget, sub, part, values, out)


# ---- ranking: the inverse of unranking


class NotInSpace(Exception):
    """A derivation that no rank names (wrong alternative, broken constraint)."""


def rank_rule(engine: Engine, nt: str, mode: int, budget: Budget, d: Derivation) -> tuple[int, int]:
    """(mask, rank) of derivation ``d`` of ``nt``'s rule in a mode and budget."""
    choice = engine.rule(nt, mode, budget)
    index = choice.index.get(0)
    if index is not None:
        found = index.get(d)
        if found is not None:
            return 0, found
    for option in choice.options:
        if option.label == d.alt:
            break
    else:
        raise NotInSpace(f"'{nt}' cannot take alternative {d.alt + 1} here")
    children = iter(d.children)
    mask, rank = _rank_option(engine, option, children)
    offset = choice.offset(mask, option.label)
    if offset is None:
        raise NotInSpace(f"'{nt}' cannot take alternative {d.alt + 1} here")
    return mask, offset + rank


def _rank_option(engine: Engine, option: Option, children: Iterator[Derivation]) -> tuple[int, int]:
    parts = [
        _rank_template(engine, template, mode, budget, children)
        for template, mode, budget in option.factors
    ]
    mask = 0
    for sub, _ in parts:
        mask |= sub
    cumulative, ways = option.combos(mask)
    subs = tuple(sub for sub, _ in parts)
    for i, way in enumerate(ways):
        if tuple(sub for sub, _ in way) == subs:
            rank, scale = 0, 1
            for (_, part), (_, n) in zip(parts, way, strict=True):
                if part >= n:
                    raise NotInSpace("a part of the derivation is outside its range")
                rank += part * scale
                scale *= n
            return mask, (cumulative[i - 1] if i else 0) + rank
    raise NotInSpace("shared nonterminals are used inconsistently")


def _rank_template(
    engine: Engine, template: Template, mode: int, budget: Budget, children: Iterator[Derivation]
) -> tuple[int, int]:
    if isinstance(template, Prim):
        return 0, 0
    if isinstance(template, NT):
        child = next(children)
        if template.name in engine.shared_bit:
            table = engine.leaf(template.name, mode, budget)
            if not table:
                raise NotInSpace(f"shared '{template.name}' does not fit here")
            return engine.shared_bit[template.name], 0
        return rank_rule(engine, template.name, mode, budget, child)
    choice = engine.topo(template, budget)
    args = list(children_of_args(template, children))
    zeros = 0
    for i, (arg, kids) in enumerate(args):
        if _arg_is_zero(engine.space, arg, kids):
            zeros |= 1 << i
    if isinstance(choice, PatternChoice):
        parts = [
            _rank_template(engine, arg, choice.mode(i, bool(zeros >> i & 1)), budget, iter(kids))
            for i, (arg, kids) in enumerate(args)
        ]
        found = choice.rank(zeros, parts)
        if found is None:
            raise NotInSpace(f"zero edges break a constraint of '{template.name}'")
        return found
    for option in choice.options:
        if option.label == (zeros & _edge_mask(engine, template)) or not engine.space.constrains(
            template.name
        ):
            break
    else:
        raise NotInSpace(f"zero edges cut the input of '{template.name}' from its output")
    mask, rank = _rank_option(engine, option, iter([k for _, kids in args for k in kids]))
    offset = choice.offset(mask, option.label)
    if offset is None:
        raise NotInSpace(f"'{template.name}' does not fit here")
    return mask, offset + rank


def children_of_args(
    template: Template, children: Iterator[Derivation]
) -> Iterator[tuple[Template, list[Derivation]]]:
    """Each argument of a topology template with the child derivations it takes."""
    assert isinstance(template, Topo)
    for arg in template.args:
        yield arg, [next(children) for _ in nonterminals_in(arg)]


def _arg_is_zero(space: Space, arg: Template, kids: list[Derivation]) -> bool:
    if isinstance(arg, Prim):
        return arg.op == "zero"
    if isinstance(arg, NT):
        return is_zero(space, kids[0])
    return False


def _edge_mask(engine: Engine, template: Template) -> int:
    assert isinstance(template, Topo)
    mask = 0
    for i in engine.edge_args(template):
        mask |= 1 << i
    return mask


# ---- pcfg: alternatives by weight


PCFG_MAX_DEPTH = 100
"""Nesting limit of pcfg derivations of spaces with unbounded recursion."""
MAX_DRAW_NODES = 100_000
"""The most nonterminals one pcfg draw may expand (E722 past it): every draw is bounded."""

_INF = 1 << 30


def _least_height(wz: int, rz: int, wl: int, rl: int) -> int:
    return min(max(wz, rz), max(wl, rl))


def _weigh(wz: float, rz: float, wl: float, rl: float) -> float:
    return wz * rz + wl * rl


def _rescale(row: list[float]) -> list[float]:
    """A layer's weights scaled to a largest of 1: only their ratios matter."""
    top = max(row, default=0.0)
    return [w / top for w in row] if top > 0 else row


class _Heights:
    """Least nesting depth of any derivation of a rule in a mode and budget (by fixpoint),
    so that pcfg sampling only takes choices that can still finish."""

    def __init__(self, engine: Engine, shared_mode: dict[str, int]) -> None:
        self.engine = engine
        self.shared_mode = shared_mode
        self.known: dict[tuple[str, int, Budget], int] = {}
        self.changed = True

    def rule(self, nt: str, mode: int, budget: Budget) -> int:
        key = (nt, mode, budget)
        found = self.known.get(key)
        if found is None:
            self.known[key] = _INF
            self.changed = True
            found = self._compute(key)
        return found

    def _compute(self, key: tuple[str, int, Budget]) -> int:
        nt, mode, budget = key
        below = self.engine.child_budget(nt, budget)
        best = _INF
        if below is not None:
            for _, alt in self.engine.canonical[nt]:
                best = min(best, 1 + self.template(alt.template, mode, below))
        if best < self.known[key]:
            self.known[key] = best
            self.changed = True
        return self.known[key]

    def template(self, template: Template, mode: int, budget: Budget) -> int:
        if isinstance(template, Prim):
            ok = mode == ANY or (template.op == "zero") == (mode == ZERO)
            return 0 if ok else _INF
        if isinstance(template, NT):
            if template.name in self.shared_mode:
                own = self.shared_mode[template.name]
                return 0 if mode in (ANY, own) else _INF
            return self.rule(template.name, mode, budget)
        if mode == ZERO:
            return _INF
        automaton = self.automaton(template)
        if automaton is not None:

            def height(layer: Layer, zero: bool) -> int | None:
                if layer.arg < 0:
                    return None if zero else 0
                arg_mode = ANY if layer.free else ZERO if zero else NONZERO
                return self.template(template.args[layer.arg], arg_mode, budget)

            rest = automaton.backward(0, _INF, height, _least_height)
            return rest[0][0] if rest[0] else _INF
        best = _INF
        for modes in self.patterns(template):
            worst = max(
                (self.template(a, m, budget) for a, m in zip(template.args, modes, strict=True)),
                default=0,
            )
            best = min(best, worst)
        return best

    def automaton(self, template: Topo) -> Automaton | None:
        """The zero-pattern automaton of a constrained topology application with more than
        `ENUMERATED_BITS` edges (None: its patterns are few enough to list)."""
        if not self.engine.space.constrains(template.name):
            return None
        edges = self.engine.edge_args(template)
        if len(edges) <= self.engine.enumerated_bits:
            return None
        every = sum(1 << i for i in edges)
        return pattern_automaton(self.engine.space, template.name, len(template.args), every, every)

    def patterns(self, template: Template) -> Iterator[list[int]]:
        """Modes of a topology's arguments for every zero pattern that keeps it connected."""
        assert isinstance(template, Topo)
        n = len(template.args)
        if not self.engine.space.constrains(template.name):
            yield [ANY] * n
            return
        edges = self.engine.edge_args(template)
        order = sorted(edges)
        for pattern in range(1 << len(order)):
            zeros = 0
            for b, i in enumerate(order):
                if pattern >> b & 1:
                    zeros |= 1 << i
            if self.engine.connects(template, zeros):
                yield [
                    ANY if i not in edges else ZERO if zeros >> i & 1 else NONZERO for i in range(n)
                ]

    def settle(self) -> None:
        while self.changed:
            self.changed = False
            for key in list(self.known):
                self._compute(key)


def sample_pcfg(space: Space, rng: random.Random, max_depth: int = PCFG_MAX_DEPTH) -> Derivation:
    """An architecture drawn top-down, each alternative with probability proportional to
    its weight among those that can still finish; for every space, finite or not.

    A shared nonterminal is drawn once, at its first place. Its value is never ``zero``
    unless nothing else can derive from it (a shared ``zero`` would sit on every edge).
    """
    recursive = set().union(*recursive_components(space)) if space.shared else set()
    for name in sorted(space.shared & recursive):
        raise NascError(
            error(
                "E721",
                f"pcfg sampling cannot draw the shared '{name}': it can contain itself",
                space.rule(name).span,
                "a shared value that contains itself never ends; use the uniform sampler",
            )
        )
    samplers = space.memo.get(_Pcfgs)
    state = samplers.get(max_depth)
    if state is None:
        state = samplers[max_depth] = _Pcfg(space, max_depth)
    state.rng = rng
    state.values = {}
    return state.draw()


class _Pcfgs(dict[int | None, "_Pcfg"]):
    """The pcfg sampler of a space per depth bound."""

    def __init__(self, space: Space) -> None:
        super().__init__()


class _Pcfg:
    def __init__(self, space: Space, max_depth: int) -> None:
        self.space = space
        self.rng = random.Random()
        self.engine = counts_of(space).engine(0, max_depth)
        probe = _Heights(self.engine, {})
        self.shared_mode: dict[str, int] = {}
        for name in sorted(space.shared):
            can = probe.rule(name, NONZERO, self.engine.full_budget)
            probe.settle()
            can = probe.known[(name, NONZERO, self.engine.full_budget)]
            self.shared_mode[name] = NONZERO if can < _INF else ZERO
        self.heights = _Heights(self.engine, self.shared_mode)
        self.values: Values = {}
        self.expansions = 0
        self.cache: dict[tuple[int, int, Budget], bool] = {}
        self.patterns: dict[tuple[int, Budget], tuple[list[list[int]], list[float]]] = {}
        self.walks: dict[tuple[int, Budget], list[list[float]]] = {}  # zero_chances
        self.uniform: set[tuple[int, Budget]] = set()

    def draw(self) -> Derivation:
        self.expansions = 0
        budget = self.engine.full_budget
        self.heights.rule(self.space.start, ANY, budget)
        self.heights.settle()
        if self.heights.known[(self.space.start, ANY, budget)] >= _INF:
            raise empty_error(self.space)
        return self.rule(self.space.start, ANY, budget)

    def feasible(self, template: Template, mode: int, budget: Budget) -> bool:
        key = (id(template), mode, budget)
        found = self.cache.get(key)
        if found is None:
            height = self.heights.template(template, mode, budget)
            if self.heights.changed:
                self.heights.settle()
                height = self.heights.template(template, mode, budget)
            found = self.cache[key] = height < _INF
        return found

    def rule(self, nt: str, mode: int, budget: Budget) -> Derivation:
        self.expansions += 1
        if self.expansions > MAX_DRAW_NODES:
            raise NascError(
                error(
                    "E722",
                    f"a pcfg draw grew past {MAX_DRAW_NODES:,} nonterminals: the recursion "
                    f"through '{nt}' is supercritical (see warning W506 of `nasc check`)",
                    self.space.rule(nt).span,
                    "give the alternatives that end more weight, or bound the recursion with "
                    "`constraint depth(...) <= k`",
                )
            )
        below = self.engine.child_budget(nt, budget)
        assert below is not None
        options = [
            (index, alt)
            for index, alt in self.engine.canonical[nt]
            if self.feasible(alt.template, mode, below)
        ]
        weights = [alt.weight for _, alt in options]
        index, alt = self.rng.choices(options, weights)[0]
        children: list[Derivation] = []
        self.template(alt.template, mode, below, children)
        return Derivation(nt, index, tuple(children))

    def template(
        self, template: Template, mode: int, budget: Budget, out: list[Derivation]
    ) -> None:
        if isinstance(template, Prim):
            return
        if isinstance(template, NT):
            name = template.name
            if name in self.shared_mode:
                if name not in self.values:
                    full = self.engine.full_budget
                    self.values[name] = self.rule(name, self.shared_mode[name], full)
                out.append(self.values[name])
            else:
                out.append(self.rule(name, mode, budget))
            return
        automaton = self.heights.automaton(template)
        if automaton is not None:
            self.walk(template, budget, automaton, out)
            return
        key = (id(template), budget)
        found = self.patterns.get(key)
        if found is None:
            patterns = [
                modes
                for modes in self.heights.patterns(template)
                if all(
                    self.feasible(a, m, budget) for a, m in zip(template.args, modes, strict=True)
                )
            ]
            found = self.patterns[key] = (patterns, [self.weight(template, m) for m in patterns])
        patterns, weights = found
        if sum(weights) <= 0:
            weights = [1.0] * len(patterns)
        modes = self.rng.choices(patterns, weights)[0] if len(patterns) > 1 else patterns[0]
        for arg, m in zip(template.args, modes, strict=True):
            self.template(arg, m, budget, out)

    def walk(
        self, template: Topo, budget: Budget, automaton: Automaton, out: list[Derivation]
    ) -> None:
        """A zero pattern drawn edge by edge through the automaton, each allowed pattern
        as likely as `weight` makes it (uniformly among them when no weight is positive)."""
        key = (id(template), budget)
        chances = self.walks.get(key)
        if chances is None:
            chances = self.walks[key] = self.zero_chances(template, budget, automaton)
        modes = [ANY] * len(template.args)
        state = 0
        random = self.rng.random
        for layer, chance in zip(automaton.layers, chances, strict=True):
            p = chance[state]
            zero = p >= 1.0 or (p > 0.0 and random() < p)
            state = layer.zero[state] if zero else layer.live[state]
            if layer.arg >= 0 and not layer.free:
                modes[layer.arg] = ZERO if zero else NONZERO
        for arg, m in zip(template.args, modes, strict=True):
            self.template(arg, m, budget, out)

    def zero_chances(
        self, template: Topo, budget: Budget, automaton: Automaton
    ) -> list[list[float]]:
        """Per layer and state, the probability that the edge is zero, given the state."""

        def weight(layer: Layer, zero: bool) -> float:
            return self.choice_weight(template, budget, layer, zero)

        rest = automaton.backward(1.0, 0.0, weight, _weigh, _rescale)
        if not rest[0] or rest[0][0] <= 0:
            self.uniform.add((id(template), budget))
            rest = automaton.backward(1.0, 0.0, weight, _weigh, _rescale)
        chances = []
        for t, layer in enumerate(automaton.layers):
            w_zero, w_live = weight(layer, True), weight(layer, False)
            row = []
            for z, v in zip(layer.zero, layer.live, strict=True):
                a = rest[t + 1][z] * w_zero if z >= 0 else 0.0
                b = rest[t + 1][v] * w_live if v >= 0 else 0.0
                row.append(a / (a + b) if a + b > 0 else 0.0)
            chances.append(row)
        return chances

    def choice_weight(self, template: Topo, budget: Budget, layer: Layer, zero: bool) -> float:
        """How likely an edge is zero (or not) where that is feasible, else 0."""
        if layer.arg < 0:
            return 0.0 if zero else 1.0
        arg = template.args[layer.arg]
        mode = ANY if layer.free else ZERO if zero else NONZERO
        if (layer.free and zero) or not self.feasible(arg, mode, budget):
            return 0.0
        if layer.free or (id(template), budget) in self.uniform:
            return 1.0
        q = self.zero_share(arg)
        return q if zero else 1.0 - q

    def weight(self, template: Template, modes: list[int]) -> float:
        """How likely the pcfg makes each argument zero or not, multiplied over the edges."""
        assert isinstance(template, Topo)
        w = 1.0
        for arg, m in zip(template.args, modes, strict=True):
            if m == ANY:
                continue
            q = self.zero_share(arg)
            w *= q if m == ZERO else 1.0 - q
        return w

    def zero_share(self, template: Template) -> float:
        if isinstance(template, Prim):
            return 1.0 if template.op == "zero" else 0.0
        if not isinstance(template, NT):
            return 0.0
        if template.name in self.shared_mode:
            return 1.0 if self.shared_mode[template.name] == ZERO else 0.0
        alts = self.engine.canonical[template.name]
        total = sum(alt.weight for _, alt in alts)
        zero = sum(
            alt.weight
            for _, alt in alts
            if isinstance(alt.template, Prim) and alt.template.op == "zero"
        )
        return zero / total if total else 0.0
