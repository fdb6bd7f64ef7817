"""Reading canonical terms fast: the printed pieces of each alternative matched in place.

A term that `nasc.compiler.terms.format_term` printed is the concatenation of the
pieces of the alternatives it chose: literal text (``Cell(``, ``, ``, ``)``,
``conv3x3``) and the terms of the children. The scanner walks the text once,
top-down, trying a nonterminal's alternatives in order at one position (the
positioned matcher's order, so the same derivation wins): literal pieces by
``str.startswith``, small nonterminals (few derivations, no recursion) by one
table keyed by their text, found with one regular expression per run of pieces.
Matches are remembered per (nonterminal, position) within one parse.

It only decides; it never explains. A text it cannot read (other spacing, a
primitive spelled by its parameters, a term outside the space or breaking a
constraint) gives None, and the positioned path reads it and says why.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import product
from typing import Any

from nasc.compiler.counting import canonical_alternatives, connects
from nasc.compiler.derivation import Derivation, is_zero, validate
from nasc.compiler.space import NT, Prim, Space, Template, Topo

SMALL = 256  # a nonterminal with at most this many derivations is read by table
_BOUNDARY = r"(?=[,)]|\Z)"  # a term ends where its parent goes on, or at the end
_LITERAL, _TABLE, _RULE = 0, 1, 2

Piece = str | int
Step = tuple[int, Any, Any]
Check = tuple[str, int, int, tuple[tuple[int, int], ...]]
Plan = tuple[int, list[Step], bool | None, list[Check], dict[tuple[bool, ...], bool]]
Found = tuple[Derivation, int, bool]  # the derivation, where it ends, whether it is zero


@dataclass
class Table:
    """The derivations of a small nonterminal by their text. ``derivations`` leaves out
    those that break a constraint, which ``pattern`` still matches: the slow path
    explains them."""

    derivations: dict[str, Derivation]
    zeros: dict[str, bool]
    pattern: str


class _Undecided(Exception):
    """The text names a derivation the scanner does not accept on its own."""


def template_pieces(template: Template) -> list[Piece]:
    """The printed form of an alternative: literal texts and child slots (0, 1, ...)
    in order, adjacent texts joined."""
    pieces: list[Piece] = []
    slot = 0

    def put(piece: Piece) -> None:
        if isinstance(piece, str) and pieces and isinstance(pieces[-1], str):
            pieces[-1] += piece
        else:
            pieces.append(piece)

    def walk(t: Template) -> None:
        nonlocal slot
        if isinstance(t, Prim):
            put(t.text)
        elif isinstance(t, NT):
            put(slot)
            slot += 1
        else:
            put(t.name + "(")
            for i, arg in enumerate(t.args):
                if i:
                    put(", ")
                walk(arg)
            put(")")

    walk(template)
    return pieces


def _nts(template: Template) -> list[str]:
    if isinstance(template, NT):
        return [template.name]
    if isinstance(template, Topo):
        return [name for arg in template.args for name in _nts(arg)]
    return []


def _prims(template: Template) -> list[Prim]:
    if isinstance(template, Prim):
        return [template]
    if isinstance(template, Topo):
        return [p for arg in template.args for p in _prims(arg)]
    return []


def _texts_name_meanings(space: Space) -> bool:
    """Whether every primitive of the space has one text and every text one meaning, so
    that comparing texts is comparing primitives (as the positioned matcher does)."""
    texts: dict[tuple[str, Any], str] = {}
    meanings: dict[str, tuple[str, Any]] = {}
    for rule in space.rules:
        for alt in rule.alternatives:
            for prim in _prims(alt.template):
                meaning = (prim.op, prim.params)
                if texts.setdefault(meaning, prim.text) != prim.text:
                    return False
                if meanings.setdefault(prim.text, meaning) != meaning:
                    return False
    return True


def _alternation(texts: list[str]) -> str:
    """One regular expression matching exactly ``texts``, factored as a trie so that a
    match costs the length of the text, not the number of texts."""
    trie: dict[str, Any] = {}
    for text in texts:
        node = trie
        for ch in text:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict[str, Any]) -> str:
        chain = ""
        while len(node) == 1 and "" not in node:
            ((ch, node),) = node.items()
            chain += re.escape(ch)
        if not node or list(node) == [""]:
            return chain
        branches = [re.escape(ch) + emit(child) for ch, child in node.items() if ch]
        if "" in node:
            branches.append("")
        return chain + "(?:" + "|".join(branches) + ")"

    return emit(trie)


class Scanner:
    """The reading tables of one space, built once."""

    def __init__(self, space: Space) -> None:
        self.space = space
        self.usable = _texts_name_meanings(space)
        self.canonical = canonical_alternatives(space)
        self.pieces = {
            name: [(index, template_pieces(alt.template)) for index, alt in alts]
            for name, alts in self.canonical.items()
        }
        self.tables: dict[str, Table] = {}
        self._found: dict[str, list[tuple[Derivation, str]] | None] = {}
        for rule in space.rules:
            self._table(rule.name)
        self.plans: dict[str, list[Plan]] = {
            name: [self._plan(index, alt.template) for index, alt in alts]
            for name, alts in self.canonical.items()
            if name not in self.tables
        }

    # ---- small nonterminals: every derivation with its text, first match first

    def _derivations(self, name: str) -> list[tuple[Derivation, str]] | None:
        """Every derivation of ``name`` with its text, in the matcher's order (alternatives
        in order, children likewise); None when recursive or more than SMALL."""
        if name in self._found:
            return self._found[name]
        self._found[name] = None  # recursion reads as "not small"
        found: list[tuple[Derivation, str]] = []
        for index, pieces in self.pieces[name]:
            parts: list[list[tuple[Derivation, str]]] = []
            size = 1
            for child in _nts(self.space.rule_map[name].alternatives[index].template):
                part = self._derivations(child)
                if part is None:
                    return None
                parts.append(part)
                size *= len(part)
            if size + len(found) > SMALL:
                return None
            for combo in product(*parts):
                text = "".join(p if isinstance(p, str) else combo[p][1] for p in pieces)
                found.append((Derivation(name, index, tuple(c[0] for c in combo)), text))
        self._found[name] = found
        return found

    def _table(self, name: str) -> None:
        found = self._derivations(name)
        if not found:
            return
        texts: set[str] = set()
        table = Table({}, {}, "")
        for d, text in found:
            if text in texts:
                continue  # a later derivation with the same text never matches first
            texts.add(text)
            if not validate(self.space, d):
                table.derivations[text] = d
                table.zeros[text] = is_zero(self.space, d)
        table.pattern = _alternation(sorted(texts))
        self.tables[name] = table

    # ---- other nonterminals: each alternative as steps

    def _plan(self, index: int, template: Template) -> Plan:
        names = _nts(template)
        steps: list[Step] = []
        run: list[Piece] = []

        def flush() -> None:
            slots = [p for p in run if isinstance(p, int)]
            if not slots:
                if run:
                    text = "".join(str(p) for p in run)
                    steps.append((_LITERAL, text, len(text)))
            else:
                last = len(run) - 1
                source = "".join(
                    re.escape(p)
                    if isinstance(p, str)
                    else f"({self.tables[names[p]].pattern})" + (_BOUNDARY if i == last else "")
                    for i, p in enumerate(run)
                )  # a text after a slot begins with ',' or ')': it marks the end itself
                tables = [self.tables[names[p]] for p in slots]
                steps.append((_TABLE, re.compile(source), _lookups(tables)))
            run.clear()

        for piece in template_pieces(template):
            if isinstance(piece, int) and names[piece] not in self.tables:
                flush()
                steps.append((_RULE, names[piece], None))
            else:
                run.append(piece)
        flush()
        zero: bool | None = None  # None: zero exactly when its one child is
        if isinstance(template, Prim):
            zero = template.op == "zero"
        elif isinstance(template, Topo):
            zero = False
        checks: list[Check] = []
        if self.space.connected and isinstance(template, Topo):
            _checks(template, iter(range(len(names))), checks)
        return index, steps, zero, checks, {}

    def _verdict(self, checks: list[Check], zeros: list[bool]) -> bool:
        """Whether children with these zero flags keep every topology connected."""
        for topology, arity, fixed, edges in checks:
            mask = fixed
            for bit, child in edges:
                if zeros[child]:
                    mask |= bit
            if not connects(self.space, topology, arity, mask):
                return False
        return True

    # ---- reading

    def parse(self, text: str, name: str) -> Derivation | None:
        """The derivation of ``name`` that the canonical ``text`` names, or None."""
        if not self.usable:
            return None
        table = self.tables.get(name)
        if table is not None:
            return table.derivations.get(text)
        try:
            found = self._read(text, name)
        except (_Undecided, KeyError):
            return None
        if found is None or (
            (self.space.shared or self.space.depth_bounds) and validate(self.space, found)
        ):
            return None
        return found

    def _read(self, text: str, start: str) -> Derivation | None:
        """The derivation by the plans; KeyError or _Undecided when it breaks a constraint
        (a table's text without a derivation, a cut topology)."""
        plans = self.plans
        memo: dict[tuple[str, int], Found | None] = {}
        size = len(text)
        starts = text.startswith
        get = dict.__getitem__
        verdict = self._verdict

        def rule(name: str, pos: int) -> Found | None:
            key = (name, pos)
            if key in memo:
                return memo[key]
            memo[key] = None  # a unit cycle back to here matches nothing new
            for index, steps, zero, checks, verdicts in plans[name]:
                at = pos
                kids: list[Derivation] = []
                zeros: list[bool] = []
                for kind, what, extra in steps:
                    if kind == _LITERAL:
                        if not starts(what, at):
                            break
                        at += extra
                    elif kind == _TABLE:
                        m = what.match(text, at)
                        if m is None:
                            break
                        groups = m.groups()
                        one, derivations, zero_flags, zero_texts, none_zero = extra
                        if one is not None:
                            kids += map(one, groups)
                        else:
                            kids += map(get, derivations, groups)
                        if zero_texts.isdisjoint(groups):
                            zeros += none_zero
                        else:
                            zeros += map(get, zero_flags, groups)
                        at = m.end()
                    else:
                        sub = rule(what, at)
                        if sub is None:
                            break
                        kids.append(sub[0])
                        zeros.append(sub[2])
                        at = sub[1]
                else:
                    if at != size and text[at] not in ",)":
                        continue
                    if checks:
                        flags = tuple(zeros)
                        ok = verdicts.get(flags)
                        if ok is None:
                            ok = verdicts[flags] = verdict(checks, zeros)
                        if not ok:
                            raise _Undecided  # breaks `connected`: the slow path says where
                    found = (
                        Derivation(name, index, tuple(kids)),
                        at,
                        zeros[0] if zero is None else zero,
                    )
                    memo[key] = found
                    return found
            return None

        top = rule(start, 0)
        if top is None or top[1] != size:
            return None
        return top[0]


def _lookups(tables: list[Table]) -> tuple[Any, ...]:
    """How a table step turns its groups into children and zero flags: one bound lookup
    when every group reads the same table, the zero texts and the all-nonzero flags."""
    first = tables[0].derivations
    one = first.__getitem__ if all(t.derivations is first for t in tables) else None
    zero_texts = frozenset(text for t in tables for text, z in t.zeros.items() if z)
    return (
        one,
        [t.derivations for t in tables],
        [t.zeros for t in tables],
        zero_texts,
        (False,) * len(tables),
    )


def _checks(template: Topo, slots: Any, out: list[Check]) -> None:
    """The `connected` check of every topology application in ``template`` (inner ones
    first, as `nasc.compiler.derivation.validate` makes them): its fixed zero args and
    (arg bit, child slot) of its nonterminal args."""
    fixed = 0
    edges: list[tuple[int, int]] = []
    for i, arg in enumerate(template.args):
        if isinstance(arg, Prim):
            fixed |= (arg.op == "zero") << i
        elif isinstance(arg, NT):
            edges.append((1 << i, next(slots)))
        else:
            _checks(arg, slots, out)
    out.append((template.name, len(template.args), fixed, tuple(edges)))
