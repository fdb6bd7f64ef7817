"""Ties: ``shared CELL(kind)`` makes the instances of a parametrised rule that agree on
``kind`` take the same choices, each with its own values.

The instances of one tie must have the same choice structure: the same number of
alternatives, each alternative naming nonterminals at the same places (recursively the
same structure), with `zero` and binary operations at the same places, so that one
derivation of the representative (the first instance made) is a derivation of every
instance. Derivations name the representative; each tied place keeps the instance it
builds with (`nasc.compiler.space.NT.actual`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from nasc.compiler.ops import OPS
from nasc.compiler.space import NT, Alternative, Prim, Rule, Template, Topo, nonterminals_in

__all__ = ["different_structure", "group_by", "retarget"]

Skeleton = tuple[object, ...]


def group_by(
    instances: Iterable[str], values: Mapping[str, tuple[object, ...]], keys: tuple[int, ...]
) -> list[list[str]]:
    """The instances grouped by their values at the ``keys`` positions, in making order."""
    groups: dict[tuple[object, ...], list[str]] = {}
    for name in instances:
        key = tuple(repr(values[name][i]) for i in keys)
        groups.setdefault(key, []).append(name)
    return list(groups.values())


def _skeleton(t: Template) -> Skeleton:
    """What of a template decides its choices: nonterminal places, `zero` and binary
    operations and the topologies around them; a part with none of them is fixed."""
    if isinstance(t, NT):
        return ("nt",)
    if isinstance(t, Prim):
        kind = OPS[t.op].kind if t.op in OPS else "op"
        return ("zero",) if kind == "zero" else ("binary",) if kind == "binary" else ("fixed",)
    args = tuple(_skeleton(a) for a in t.args)
    if all(a == ("fixed",) for a in args):
        return ("fixed",)
    return (t.name, args)


def different_structure(rules: Mapping[str, Rule], first: str, other: str) -> str | None:
    """Why ``other`` does not have the choice structure of ``first`` (None: it has)."""
    pending = [(first, other)]
    seen: set[tuple[str, str]] = set()
    while pending:
        a, b = pending.pop()
        if a == b or (a, b) in seen:
            continue
        seen.add((a, b))
        ra, rb = rules.get(a), rules.get(b)
        if ra is None or rb is None:
            continue
        if len(ra.alternatives) != len(rb.alternatives):
            return (
                f"'{a}' has {len(ra.alternatives)} alternatives but '{b}' has "
                f"{len(rb.alternatives)}"
            )
        if _repeats(ra.alternatives) != _repeats(rb.alternatives):
            return f"alternatives of '{b}' repeat each other where those of '{a}' do not"
        for i, (x, y) in enumerate(zip(ra.alternatives, rb.alternatives, strict=True)):
            if _skeleton(x.template) != _skeleton(y.template):
                return (
                    f"alternative {i + 1} of '{a}' and of '{b}' differ in their choices "
                    f"({_text(x.template)} vs {_text(y.template)})"
                )
            refs_x = list(nonterminals_in(x.template))
            refs_y = list(nonterminals_in(y.template))
            pending.extend((p.name, q.name) for p, q in zip(refs_x, refs_y, strict=True))
    return None


def _repeats(alternatives: tuple[Alternative, ...]) -> list[int]:
    first: dict[Template, int] = {}
    return [first.setdefault(a.template, i) for i, a in enumerate(alternatives)]


def _text(t: Template) -> str:
    from nasc.compiler.space import template_text

    text = template_text(t)
    return text if len(text) <= 60 else text[:57] + "..."


def retarget(rules: Iterable[Rule], representative: Mapping[str, str]) -> list[Rule]:
    """The rules with every place of a tied instance naming its tie's representative
    (and keeping the instance as ``actual``)."""

    def walk(t: Template) -> Template:
        if isinstance(t, NT):
            rep = representative.get(t.name)
            if rep is None or rep == t.name:
                return t
            return NT(rep, t.span, t.name)
        if isinstance(t, Topo):
            args = tuple(walk(a) for a in t.args)
            return t if args == t.args else Topo(t.name, args, t.span)
        return t

    return [
        Rule(
            rule.name,
            tuple(Alternative(walk(a.template), a.weight, a.span) for a in rule.alternatives),
            rule.doc,
            rule.span,
        )
        for rule in rules
    ]
