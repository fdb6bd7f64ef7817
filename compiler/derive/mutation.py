"""Mutation and crossover of derivations, keeping every constraint of the space.

Mutation (the paper's rule): one node whose nonterminal has several alternatives,
each such node equally likely, is resampled uniformly among the *other* subtrees
that fit its place (its `connected` context, the depth budget left, the shared
values in use), so the child always differs from its parent. A shared
nonterminal counts once and mutates in all its places at once.

Crossover swaps two subtrees rooted at the same nonterminal, between two parents
or inside one (`self_crossover`). Swaps that would break `connected`, a depth
bound or a shared value are skipped; when no valid move exists, NascError (E720)
says why. Neither ever loops: every candidate is tried at most once.

>>> import random
>>> from nasc.compiler import load
>>> space = load("examples/nb201.nas")
>>> parent = space.sample(seed=0)
>>> mutate(space, parent, random.Random(0)) != parent
True
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass

from nasc.compiler.derive.counting import (
    ANY,
    NONZERO,
    ZERO,
    Budget,
    Engine,
    Infinite,
    canonical_alternatives,
    counts_of,
    infinite_error,
)
from nasc.compiler.derive.derivation import (
    Derivation,
    _check_connected,
    _connects,
    is_zero,
    validate,
)
from nasc.compiler.derive.sampling import NotInSpace, rank_rule, unrank_rule
from nasc.compiler.derive.subtrees import subtree_index
from nasc.compiler.space import NT, Prim, Space, Template, Topo, nonterminals_in
from nasc.dsl import NascError
from nasc.dsl.diagnostics import error

Path = tuple[int, ...]


# ---- where each child of an alternative sits


@dataclass(frozen=True)
class Slot:
    """The place of one child in its parent's template: ``unit`` when the child is the
    whole template, else the topology application it is an edge argument of."""

    unit: bool
    topology: str = ""
    arity: int = 0
    arg: int = -1  # the child's argument index; -1 when not an edge (merge)
    fixed_zeros: int = 0
    arg_slots: tuple[tuple[int, int], ...] = ()  # (argument index, child slot) of NT args


class _Slots(dict[str, list[list[Slot]]]):
    """Per rule and alternative, the slots of its template."""

    def __init__(self, space: Space) -> None:
        super().__init__(
            (rule.name, [_template_slots(space, a.template) for a in rule.alternatives])
            for rule in space.rules
        )


def _slots(space: Space) -> dict[str, list[list[Slot]]]:
    return space.memo.get(_Slots)


def _template_slots(space: Space, template: Template) -> list[Slot]:
    if isinstance(template, NT):
        return [Slot(unit=True)]
    return _renumber(space, template)


def _renumber(space: Space, template: Template) -> list[Slot]:
    """Slots in the left-to-right order of the template's nonterminals."""
    result: list[Slot] = []

    def walk(t: Template) -> None:
        assert isinstance(t, Topo)
        topology = space.topology(t.name)
        edges = {e.arg for e in topology.edges_for(len(t.args)) if e.arg >= 0}
        fixed = 0
        for i, arg in enumerate(t.args):
            if isinstance(arg, Prim) and arg.op == "zero":
                fixed |= 1 << i
        # child slot numbers of this application's NT args, counted left to right
        numbers: list[tuple[int, int]] = []
        counter = len(result)
        for i, arg in enumerate(t.args):
            if isinstance(arg, NT):
                numbers.append((i, counter))
                counter += 1
            elif isinstance(arg, Topo):
                counter += sum(1 for _ in nonterminals_in(arg))
        for i, arg in enumerate(t.args):
            if isinstance(arg, NT):
                result.append(
                    Slot(False, t.name, len(t.args), i if i in edges else -1, fixed, tuple(numbers))
                )
            elif isinstance(arg, Topo):
                walk(arg)

    if isinstance(template, Topo):
        walk(template)
    return result


def zero_allowed(space: Space, chain: list[tuple[Derivation, int]], value_root: bool) -> bool:
    """Whether the node reached by ``chain`` (ancestors with the child index taken, nearest
    last) may derive ``zero`` without cutting any topology; ``value_root``: the chain
    starts at a shared value, whose zero-ness must not change."""
    return _may_be(space, chain, value_root, True)


def nonzero_allowed(space: Space, chain: list[tuple[Derivation, int]]) -> bool:
    """Whether the node reached by ``chain`` may derive something other than ``zero``
    (`edges(T) <= k` and `inputs(T) == k` can forbid a zero edge to become live)."""
    return _may_be(space, chain, False, False)


def _may_be(
    space: Space, chain: list[tuple[Derivation, int]], value_root: bool, zero: bool
) -> bool:
    if not space.zero_patterns:
        return True
    slots = _slots(space)
    for parent, index in reversed(chain):
        slot = slots[parent.nt][parent.alt][index]
        if slot.unit:
            continue  # the parent is zero exactly when this child is
        if slot.arg < 0:
            return True
        zeros = slot.fixed_zeros | (1 << slot.arg if zero else 0)
        for arg, child in slot.arg_slots:
            if child != index and is_zero(space, parent.children[child]):
                zeros |= 1 << arg
        return _connects(space, slot.topology, slot.arity, zeros)
    return not (value_root and zero)


# ---- shared values


def shared_values(space: Space, d: Derivation) -> dict[str, Derivation]:
    """The value of every shared nonterminal used in ``d``."""
    values: dict[str, Derivation] = {}
    if not space.shared:
        return values
    stack = [d]
    while stack:
        node = stack.pop()
        for child in node.children:
            if child.nt in space.shared:
                if child.nt not in values:
                    values[child.nt] = child
                    stack.append(child)
            else:
                stack.append(child)
    return values


def _contains(d: Derivation, nt: str) -> bool:
    return any(c.nt == nt or _contains(c, nt) for c in d.children)


def substitute(space: Space, d: Derivation, nt: str, value: Derivation) -> Derivation:
    """``d`` with every place of the shared ``nt`` taking ``value``."""
    memo: dict[int, Derivation] = {}

    def visit(node: Derivation) -> Derivation:
        if node.nt == nt:
            return value
        found = memo.get(id(node))
        if found is None:
            children = tuple(visit(c) for c in node.children)
            changed = any(a is not b for a, b in zip(children, node.children, strict=True))
            found = memo[id(node)] = Derivation(node.nt, node.alt, children) if changed else node
        return found

    return visit(d)


def replace(d: Derivation, path: Path, new: Derivation) -> Derivation:
    """``d`` with the subtree at ``path`` replaced by ``new``."""
    if not path:
        return new
    i = path[0]
    children = list(d.children)
    children[i] = replace(children[i], path[1:], new)
    return Derivation(d.nt, d.alt, tuple(children))


# ---- mutation


class _Mutable(set[str]):
    """The nonterminals with more than one distinct alternative."""

    def __init__(self, space: Space) -> None:
        super().__init__(nt for nt, alts in canonical_alternatives(space).items() if len(alts) > 1)


class _MutableCounts(dict[Derivation, int]):
    """Mutable nodes per (sub)derivation, remembered across mutations."""

    def __init__(self, space: Space) -> None:
        super().__init__()


def _candidates(space: Space) -> set[str]:
    return space.memo.get(_Mutable)


def _count_nodes(space: Space, d: Derivation, memo: dict[Derivation, int]) -> int:
    """Mutable nodes in ``d``, not descending into shared values."""
    found = memo.get(d)
    if found is None:
        mutable = _candidates(space)
        shared = space.shared
        found = d.nt in mutable
        for c in d.children:
            if c.nt not in shared:
                found += _count_nodes(space, c, memo)
        memo[d] = found
    return found


def _nth_node(
    space: Space, d: Derivation, n: int, memo: dict[Derivation, int]
) -> list[tuple[Derivation, int]]:
    """The chain (ancestor, child index) down to the n-th mutable node, in preorder."""
    chain: list[tuple[Derivation, int]] = []
    mutable = _candidates(space)
    while True:
        if d.nt in mutable:
            if n == 0:
                return chain
            n -= 1
        for i, c in enumerate(d.children):
            if c.nt in space.shared:
                continue
            size = _count_nodes(space, c, memo)
            if n < size:
                chain.append((d, i))
                d = c
                break
            n -= size
        else:  # pragma: no cover - counts and walk agree
            raise AssertionError("node index out of range")


def _engine_for(space: Space, values: dict[str, Derivation]) -> tuple[object, int]:
    engine_shared = sorted(space.shared)
    zero = 0
    used = 0
    for i, name in enumerate(engine_shared):
        if name in values:
            used |= 1 << i
            if is_zero(space, values[name]):
                zero |= 1 << i
    return counts_of(space).engine(zero), used


def mutate(space: Space, d: Derivation, rng: random.Random) -> Derivation:
    """A child of ``d`` that differs from it in exactly one resampled subtree.

    Raises NascError (E720) when no node can change (every nonterminal has one
    possible derivation in its place), and E710 for an infinite space.
    """
    try:
        if not space.budgets:
            return _mutate(space, d, rng)
        from nasc.compiler.derive.budget import within_budget

        return within_budget(space, lambda: _mutate(space, d, rng), "mutation")
    except Infinite as exc:
        raise infinite_error(space, exc.nt) from None


def _mutate(space: Space, d: Derivation, rng: random.Random) -> Derivation:
    memo: dict[Derivation, int] = space.memo.get(_MutableCounts)
    if len(memo) > 200_000:
        memo.clear()
    values = shared_values(space, d)
    containers: list[tuple[str | None, Derivation]] = [(None, d)]
    containers += [(name, values[name]) for name in sorted(values)]
    sizes = [_count_nodes(space, root, memo) for _, root in containers]
    total = sum(sizes)
    picks = iter(_order(rng, total))
    for n in picks:
        k = 0
        while n >= sizes[k]:
            n -= sizes[k]
            k += 1
        name, root = containers[k]
        chain = _nth_node(space, root, n, memo)
        child = _resample(space, d, values, name, root, chain, rng)
        if child is not None:
            return child
    raise NascError(
        error(
            "E720",
            "no valid mutation: every node whose nonterminal has several alternatives "
            "has only its current derivation in its place",
            None,
            "constraints (connected, depth bounds, shared values) leave one choice at each node",
        )
    )


def _order(rng: random.Random, total: int) -> Iterator[int]:
    """Indices below ``total``: first one drawn at random, then, should it fail, the
    others in a random order (each at most once)."""
    if total == 0:
        return
    first = rng.randrange(total)
    yield first
    rest = [i for i in range(total) if i != first]
    rng.shuffle(rest)
    yield from rest


def _budget_at(space: Space, engine: object, chain: list[tuple[Derivation, int]]) -> Budget:
    budget = list(engine.full_budget)  # type: ignore[attr-defined]
    bounded = engine.bounded  # type: ignore[attr-defined]
    for ancestor, _ in chain:
        j = bounded.get(ancestor.nt)
        if j is not None:
            budget[j] -= 1
    return tuple(budget)


def _node(root: Derivation, chain: list[tuple[Derivation, int]]) -> Derivation:
    if not chain:
        return root
    parent, i = chain[-1]
    return parent.children[i]


def _resample(
    space: Space,
    d: Derivation,
    values: dict[str, Derivation],
    container: str | None,
    root: Derivation,
    chain: list[tuple[Derivation, int]],
    rng: random.Random,
) -> Derivation | None:
    engine, used = _engine_for(space, values)
    assert isinstance(engine, Engine)
    node = _node(root, chain)
    if container is not None and not chain:
        mode = ZERO if is_zero(space, node) else NONZERO
    else:
        zero_ok = zero_allowed(space, chain, container is not None)
        live_ok = not space.edge_limits or nonzero_allowed(space, chain)
        mode = ANY if zero_ok and live_ok else NONZERO if live_ok else ZERO
    budget = _budget_at(space, engine, chain)
    allowed = _allowed_masks(space, engine, values, used, container)
    choice = engine.rule(node.nt, mode, budget)
    totals = [(mask, choice.total.get(mask, 0)) for mask in allowed]
    size = sum(n for _, n in totals)
    if size < 2:
        return None
    try:
        mask, rank = rank_rule(engine, node.nt, mode, budget, node)
    except NotInSpace:
        return None
    current = rank
    for m, n in totals:
        if m == mask:
            break
        current += n
    r = rng.randrange(size - 1)
    if r >= current:
        r += 1
    target = 0
    for target, n in totals:  # noqa: B007 - the loop finds the mask holding r
        if r < n:
            break
        r -= n
    new = unrank_rule(engine, node.nt, mode, budget, target, r, dict(values))
    path = tuple(i for _, i in chain)
    if container is None:
        return replace(d, path, new)
    return substitute(space, d, container, replace(root, path, new))


def _allowed_masks(
    space: Space, engine: object, values: dict[str, Derivation], used: int, container: str | None
) -> list[int]:
    """Shared-use masks a new subtree may have: only values in use, never one that
    contains the value being changed."""
    names = sorted(space.shared)
    forbidden = 0
    if container is not None:
        for i, name in enumerate(names):
            if name == container or (name in values and _contains(values[name], container)):
                forbidden |= 1 << i
    base = used & ~forbidden
    masks = []
    sub = base
    while True:
        masks.append(sub)
        if sub == 0:
            break
        sub = (sub - 1) & base
    return sorted(masks)


# ---- crossover


def _skeleton(space: Space, d: Derivation) -> list[tuple[Path, Derivation]]:
    """Every node below the root with its path, not entering shared values (preorder)."""
    nodes: list[tuple[Path, Derivation]] = []

    def walk(node: Derivation, path: Path) -> None:
        for i, c in enumerate(node.children):
            if c.nt not in space.shared:
                nodes.append(((*path, i), c))
                walk(c, (*path, i))

    walk(d, ())
    return nodes


def _fits(space: Space, d: Derivation, path: Path) -> bool:
    """Whether ``d``, changed only in the subtree at ``path``, is still an architecture."""
    if space.shared or space.depth_bounds or space.budgets:
        return not validate(space, d)
    if not space.zero_patterns:
        return True
    node = d
    for i in path:
        problems: list[tuple[Path, str]] = []
        template = space.rule_map[node.nt].alternatives[node.alt].template
        _check_connected(space, template, iter(node.children), (), problems)
        if problems:
            return False
        node = node.children[i]
    return True


def _shared_agree(space: Space, a: Derivation, b: Derivation) -> bool:
    """Whether the shared values that ``b`` uses are those ``a`` uses (where it uses them)."""
    if not space.shared:
        return True
    mine = shared_values(space, a)
    return all(mine.get(k, v) == v for k, v in shared_values(space, b).items())


def _no_move(what: str) -> NascError:
    return NascError(
        error(
            "E720",
            f"no valid {what}: no two subtrees rooted at the same nonterminal differ and fit "
            "each other's place",
            None,
            "a swap must keep `connected`, depth bounds and shared values intact",
        )
    )


Place = tuple[str | None, Path]


def _places(space: Space, d: Derivation) -> list[tuple[Place, Derivation]]:
    """Every subtree that crossover may swap: below the root, and in each shared value
    (the value itself included), each shared value counted once."""
    places: list[tuple[Place, Derivation]] = [((None, p), n) for p, n in _skeleton(space, d)]
    for name, value in sorted(shared_values(space, d).items()):
        places.append(((name, ()), value))
        places += [((name, p), n) for p, n in _skeleton(space, value)]
    return places


def _put(space: Space, d: Derivation, place: Place, sub: Derivation) -> Derivation:
    container, path = place
    if container is None:
        return replace(d, path, sub)
    value = shared_values(space, d)[container]
    return substitute(space, d, container, replace(value, path, sub))


def _valid_after(space: Space, d: Derivation, place: Place) -> bool:
    container, path = place
    if container is None:
        return _fits(space, d, path)
    return not validate(space, d)


def crossover(
    space: Space, a: Derivation, b: Derivation, rng: random.Random
) -> tuple[Derivation, Derivation]:
    """Two children: ``a`` and ``b`` with one pair of different subtrees rooted at the same
    nonterminal swapped. Raises NascError (E720) when no such swap keeps both valid.

    The crossover points are drawn: a node of ``a`` below its root, each equally
    likely, then a node of ``b`` below its root with the same nonterminal and a
    different subtree, each equally likely. Should a few draws find no valid swap,
    every pair is tried in a random order before E720 says there is none.
    """
    found = _drawn_crossover(space, a, b, rng)
    if found is not None:
        return found
    places_a = _places(space, a)
    by_nt: dict[str, list[tuple[Place, Derivation]]] = {}
    for place, node in _places(space, b):
        by_nt.setdefault(node.nt, []).append((place, node))
    for i in _order(rng, len(places_a)):
        place_a, sub_a = places_a[i]
        options = [(p, n) for p, n in by_nt.get(sub_a.nt, ()) if n != sub_a]
        for j in _order(rng, len(options)):
            place_b, sub_b = options[j]
            found = _swap(space, a, b, place_a, sub_a, place_b, sub_b)
            if found is not None:
                return found
    raise _no_move("crossover")


def _swap(
    space: Space,
    a: Derivation,
    b: Derivation,
    place_a: Place,
    sub_a: Derivation,
    place_b: Place,
    sub_b: Derivation,
) -> tuple[Derivation, Derivation] | None:
    """The two children of swapping ``sub_a`` (at ``place_a``) and ``sub_b``, when both
    are valid and differ from their parents."""
    if not (_shared_agree(space, a, sub_b) and _shared_agree(space, b, sub_a)):
        return None
    child_a = _put(space, a, place_a, sub_b)
    child_b = _put(space, b, place_b, sub_a)
    if child_a == a or child_b == b:
        return None
    if _valid_after(space, child_a, place_a) and _valid_after(space, child_b, place_b):
        return child_a, child_b
    return None


_DRAWS = 24  # crossover points drawn before every pair is tried
_REDRAWS = 8  # draws in the second parent of a subtree different from the first's


def _drawn_crossover(
    space: Space, a: Derivation, b: Derivation, rng: random.Random
) -> tuple[Derivation, Derivation] | None:
    """A valid swap found by drawing crossover points, or None after `_DRAWS` draws.

    The places are those `_places` lists, drawn through the subtree index: the
    skeleton below the root, then each shared value with its skeleton."""
    index = subtree_index(space)
    trees_a, trees_b = _trees(space, a), _trees(space, b)
    sizes = [index.size(root) - skip for _, root, skip in trees_a]
    total = sum(sizes)
    if total <= 0:
        return None
    for _ in range(_DRAWS):
        k, n = _pick(sizes, rng.randrange(total))
        container_a, root_a, skip_a = trees_a[k]
        path_a, sub_a = index.nth(root_a, n + skip_a)
        nt = sub_a.nt
        skips = [int(bool(skip) and root.nt == nt) for _, root, skip in trees_b]
        counts = [index.count(root, nt) - s for (_, root, _), s in zip(trees_b, skips, strict=True)]
        options = sum(counts)
        if options <= 0:
            continue
        for _ in range(_REDRAWS):
            k, n = _pick(counts, rng.randrange(options))
            container_b, root_b, _ = trees_b[k]
            path_b, sub_b = index.nth_of(root_b, nt, n + skips[k])
            if sub_b != sub_a:
                break
        else:
            continue
        found = _swap(space, a, b, (container_a, path_a), sub_a, (container_b, path_b), sub_b)
        if found is not None:
            return found
    return None


def _trees(space: Space, d: Derivation) -> list[tuple[str | None, Derivation, int]]:
    """The trees whose nodes are crossover places: (container, root, whether the root is
    left out): ``d`` below its root, then each shared value, itself included."""
    trees: list[tuple[str | None, Derivation, int]] = [(None, d, 1)]
    trees += [(name, value, 0) for name, value in sorted(shared_values(space, d).items())]
    return trees


def _pick(sizes: list[int], n: int) -> tuple[int, int]:
    """Which of consecutive ranges of ``sizes`` holds ``n``, and where in it."""
    k = 0
    while n >= sizes[k]:
        n -= sizes[k]
        k += 1
    return k, n


def self_crossover(space: Space, d: Derivation, rng: random.Random) -> Derivation:
    """``d`` with two of its different, non-nested subtrees rooted at the same nonterminal
    swapped (inside the skeleton or inside one shared value). Raises NascError (E720)
    when there is no such pair.

    The pair is drawn as in `crossover`; should a few draws find no valid swap,
    every pair is tried in a random order."""
    found = _drawn_self_crossover(space, d, rng)
    if found is not None:
        return found
    places = _places(space, d)
    by_nt: dict[str, list[tuple[Place, Derivation]]] = {}
    for place, node in places:
        by_nt.setdefault(node.nt, []).append((place, node))
    for i in _order(rng, len(places)):
        (container, path_p), sub_p = places[i]
        options = [
            (q, n)
            for (c, q), n in by_nt[sub_p.nt]
            if c == container and n != sub_p and not _nested(path_p, q)
        ]
        for j in _order(rng, len(options)):
            path_q, sub_q = options[j]
            child = _self_swap(space, d, container, path_p, sub_p, path_q, sub_q)
            if child is not None:
                return child
    raise _no_move("self-crossover")


def _drawn_self_crossover(space: Space, d: Derivation, rng: random.Random) -> Derivation | None:
    """A valid self-crossover found by drawing its pair, or None after `_DRAWS` draws."""
    index = subtree_index(space)
    trees = _trees(space, d)
    sizes = [index.size(root) - skip for _, root, skip in trees]
    total = sum(sizes)
    if total <= 0:
        return None
    for _ in range(_DRAWS):
        k, n = _pick(sizes, rng.randrange(total))
        container, root, skip = trees[k]
        path_p, sub_p = index.nth(root, n + skip)
        nt = sub_p.nt
        first = int(bool(skip) and root.nt == nt)
        options = index.count(root, nt) - first  # sub_p among them
        for _ in range(_REDRAWS):
            path_q, sub_q = index.nth_of(root, nt, first + rng.randrange(options))
            if sub_q != sub_p and not _nested(path_p, path_q):
                break
        else:
            continue
        child = _self_swap(space, d, container, path_p, sub_p, path_q, sub_q)
        if child is not None:
            return child
    return None


def _nested(p: Path, q: Path) -> bool:
    """Whether one of two paths leads into the other's subtree."""
    return q[: len(p)] == p or p[: len(q)] == q


def _self_swap(
    space: Space,
    d: Derivation,
    container: str | None,
    path_p: Path,
    sub_p: Derivation,
    path_q: Path,
    sub_q: Derivation,
) -> Derivation | None:
    """``d`` with the subtrees at ``path_p`` and ``path_q`` (of its skeleton or of one
    shared value) swapped, when that is valid."""
    root = d if container is None else shared_values(space, d)[container]
    swapped = replace(replace(root, path_p, sub_q), path_q, sub_p)
    if container is None:
        fits = _fits(space, swapped, path_p) and _fits(space, swapped, path_q)
        return swapped if fits else None
    child = substitute(space, d, container, swapped)
    return None if validate(space, child) else child


__all__ = [
    "crossover",
    "mutate",
    "replace",
    "self_crossover",
    "shared_values",
    "substitute",
    "zero_allowed",
]
