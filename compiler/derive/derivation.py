"""Derivations: the tree of choices that names one architecture of a space."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from nasc.compiler.derive.counting import connects
from nasc.compiler.space import NT, Prim, Space, Template, Topo, nonterminals_in
from nasc.dsl import NascError
from nasc.dsl.diagnostics import error

JSON = dict[str, Any]


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


def as_instance(space: Space, d: Derivation, name: str) -> Derivation:
    """``d`` (a derivation of a tie's representative) as the derivation of the tied
    instance ``name``: the same choices, its own nonterminals (`shared CELL(kind)`)."""
    if d.nt == name:
        return d
    rule = space.rule_map[name]
    template = rule.alternatives[d.alt].template
    refs = list(nonterminals_in(template))
    return Derivation(
        name,
        d.alt,
        tuple(as_instance(space, c, r.name) for c, r in zip(d.children, refs, strict=True)),
    )


def alternative_of(space: Space, d: Derivation) -> Template:
    """The template of the alternative ``d`` chose."""
    return space.rule_map[d.nt].alternatives[d.alt].template


def is_zero(space: Space, d: Derivation) -> bool:
    """Whether ``d`` derives exactly the ``zero`` primitive."""
    while True:
        template = space.rule_map[d.nt].alternatives[d.alt].template
        if isinstance(template, Prim):
            return template.op == "zero"
        if not isinstance(template, NT):
            return False
        d = d.children[0]


def to_json(d: Derivation) -> JSON:
    """The derivation as plain JSON data: ``{"nt": ..., "alt": i, "children": [...]}``
    (``alt`` counts alternatives from 0)."""
    return {"nt": d.nt, "alt": d.alt, "children": [to_json(c) for c in d.children]}


def from_json(space: Space, data: object) -> Derivation:
    """The derivation that `to_json` wrote, checked against the space (NascError E703)."""
    d = _from_json(space, data, "$")
    problems = validate(space, d)
    if problems:
        where, message = problems[0]
        raise NascError(error("E703", f"{message} (at {_json_path(where)})", None))
    return d


def _from_json(space: Space, data: object, where: str) -> Derivation:
    def bad(message: str) -> NascError:
        return NascError(
            error("E703", f"{message} (at {where})", None, 'expected {"nt", "alt", "children"}')
        )

    if not isinstance(data, dict):
        raise bad(f"expected an object, got {type(data).__name__}")
    nt, alt, children = data.get("nt"), data.get("alt"), data.get("children", [])
    if not isinstance(nt, str) or nt not in space.rule_map:
        raise bad(f"'{nt}' is not a nonterminal of the space")
    if not isinstance(alt, int) or isinstance(alt, bool):
        raise bad(f"'alt' must be an integer, got {alt!r}")
    if not isinstance(children, list):
        raise bad("'children' must be a list")
    kids = tuple(_from_json(space, c, f"{where}.children[{i}]") for i, c in enumerate(children))
    return Derivation(nt, alt, kids)


def _json_path(path: tuple[int, ...]) -> str:
    return "$" + "".join(f".children[{i}]" for i in path)


Problem = tuple[tuple[int, ...], str]


def validate(space: Space, d: Derivation) -> list[Problem]:
    """Why ``d`` is not an architecture of the space: (path of child indices, message)
    for each problem found; empty when it is one."""
    problems: list[Problem] = []
    first: dict[str, tuple[Derivation, tuple[int, ...]]] = {}
    canonical = _canonical(space)
    bounds = space.depth_bound

    def visit(d: Derivation, path: tuple[int, ...], seen: dict[str, int]) -> None:
        rule = space.rule_map.get(d.nt)
        if rule is None:
            problems.append((path, f"'{d.nt}' is not a nonterminal of the space"))
            return
        if not 0 <= d.alt < len(rule.alternatives):
            problems.append((path, f"'{d.nt}' has no alternative {d.alt}"))
            return
        if canonical[d.nt][d.alt] != d.alt:
            problems.append(
                (
                    path,
                    f"alternative {d.alt} of '{d.nt}' repeats alternative {canonical[d.nt][d.alt]}",
                )
            )
        if d.nt in space.shared:
            if d.nt in first:
                if first[d.nt][0] != d:
                    problems.append(
                        (
                            path,
                            f"shared '{d.nt}' differs from its first place (every place of a "
                            "shared nonterminal takes the same derivation)",
                        )
                    )
                return
            first[d.nt] = (d, path)
        if d.nt in bounds:
            seen = {**seen, d.nt: seen.get(d.nt, 0) + 1}
            if seen[d.nt] > bounds[d.nt]:
                problems.append((path, f"'{d.nt}' nests deeper than its bound {bounds[d.nt]}"))
                return
        template = rule.alternatives[d.alt].template
        refs = [ref.name for ref in nonterminals_in(template)]
        if [c.nt for c in d.children] != refs:
            problems.append(
                (
                    path,
                    f"'{d.nt}' alternative {d.alt} takes {refs}, got {[c.nt for c in d.children]}",
                )
            )
            return
        if space.zero_patterns:
            _check_connected(space, template, iter(d.children), path, problems)
        for i, child in enumerate(d.children):
            visit(child, (*path, i), seen)

    visit(d, (), {})
    if not problems and space.budgets:
        from nasc.compiler.derive.budget import over_budget

        why = over_budget(space, d)
        if why is not None:
            problems.append(((), why))
    return problems


def _check_connected(
    space: Space,
    template: Template,
    children: Iterator[Derivation],
    path: tuple[int, ...],
    problems: list[Problem],
) -> None:
    if isinstance(template, NT):
        next(children)
        return
    if not isinstance(template, Topo):
        return
    zeros = 0
    for i, arg in enumerate(template.args):
        if isinstance(arg, Prim):
            zeros |= (arg.op == "zero") << i
        elif isinstance(arg, NT):
            zeros |= _safe_is_zero(space, next(children)) << i
        else:
            _check_connected(space, arg, children, path, problems)
    if not _connects(space, template.name, len(template.args), zeros):
        problems.append(
            (
                path,
                f"zero edges cut the input of '{template.name}' from its output "
                "(constraint connected)"
                if template.name not in space.limits_of
                else f"the zero edges of '{template.name}' break `constraint connected`, "
                f"`edges({template.name})` or `inputs({template.name})`",
            )
        )


def _safe_is_zero(space: Space, d: Derivation) -> bool:
    try:
        return is_zero(space, d)
    except (KeyError, IndexError):
        return False


def _canonical(space: Space) -> dict[str, list[int]]:
    """For every alternative, the index of the first alternative equal to it."""
    result: dict[str, list[int]] = {}
    for rule in space.rules:
        firsts: dict[Template, int] = {}
        result[rule.name] = [
            firsts.setdefault(a.template, i) for i, a in enumerate(rule.alternatives)
        ]
    return result


def is_valid(space: Space, d: Derivation) -> bool:
    """Whether ``d`` is an architecture of the space (`validate` finds nothing).

    Without shared nonterminals and depth bounds validity is local, so subtrees
    already found valid are remembered and not checked again.
    """
    if space.shared or space.depth_bounds or space.budgets:
        return not validate(space, d)
    tables = space.memo.get(_Validity)
    valid, canonical, refs = tables.valid, tables.canonical, tables.child_names
    if len(valid) > 200_000:
        valid.clear()

    def check(d: Derivation) -> bool:
        if d in valid:
            return True
        names = refs.get(d.nt)
        if names is None or not 0 <= d.alt < len(names) or canonical[d.nt][d.alt] != d.alt:
            return False
        if tuple(c.nt for c in d.children) != names[d.alt]:
            return False
        if space.zero_patterns:
            problems: list[Problem] = []
            template = space.rule_map[d.nt].alternatives[d.alt].template
            _check_connected(space, template, iter(d.children), (), problems)
            if problems:
                return False
        if not all(check(c) for c in d.children):
            return False
        valid.add(d)
        return True

    return check(d)


class _Validity:
    """What `is_valid` reads of a space: canonical alternatives, each alternative's
    child nonterminals, and the subtrees already found valid."""

    def __init__(self, space: Space) -> None:
        self.valid: set[Derivation] = set()
        self.canonical = _canonical(space)
        self.child_names = {
            rule.name: [
                tuple(r.name for r in nonterminals_in(a.template)) for a in rule.alternatives
            ]
            for rule in space.rules
        }


class _Connections(dict[tuple[str, int, int], bool]):
    """Whether a topology with ``zeros`` zero arguments still connects, by (name, arity, zeros)."""

    def __init__(self, space: Space) -> None:
        super().__init__()


def _connects(space: Space, name: str, arity: int, zeros: int) -> bool:
    cache = space.memo.get(_Connections)
    key = (name, arity, zeros)
    found = cache.get(key)
    if found is None:
        found = cache[key] = connects(space, name, arity, zeros)
    return found
