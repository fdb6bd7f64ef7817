"""Reading canonical terms fast: the printed pieces of each alternative matched in place.

A term that `nasc.compiler.derive.terms.format_term` printed is the concatenation of the
pieces of the alternatives it chose: literal text (``Cell(``, ``, ``, ``)``,
``conv3x3``) and the terms of the children. The scanner walks the text once,
top-down, trying a nonterminal's alternatives in order at one position (the
positioned matcher's order, so the same derivation wins): literal pieces by
``str.startswith``, small nonterminals (few derivations, no recursion) by one
table keyed by their text (`nasc.compiler.derive.term_tables`), found with one regular
expression per run of pieces. Matches are remembered per (nonterminal, position)
within one parse. The plans of a space are compiled once into one Python
function (a closure per nonterminal, each alternative as straight-line code), so
reading does no interpretation of plans; `Scanner.source` shows that code.

It only decides; it never explains. A text it cannot read (other spacing, a
primitive spelled by its parameters, a term outside the space or breaking a
constraint) gives None, and the positioned path reads it and says why.
"""

from __future__ import annotations

import re
from typing import Any

from nasc.compiler.derive.counting import canonical_alternatives, connects
from nasc.compiler.derive.derivation import Derivation, validate
from nasc.compiler.derive.term_tables import (
    Piece,
    Table,
    nonterminal_names,
    small_tables,
    template_pieces,
    texts_name_meanings,
)
from nasc.compiler.nonterminals import below
from nasc.compiler.space import NT, Prim, Space, Template, Topo

_BOUNDARY = r"(?=[,)]|\Z)"  # a term ends where its parent goes on, or at the end
_LITERAL, _TABLE, _RULE = 0, 1, 2

Step = tuple[int, Any, Any]
Check = tuple[str, int, int, tuple[tuple[int, int], ...]]
Plan = tuple[int, list[Step], bool | None, list[Check], dict[tuple[bool, ...], bool]]
Found = tuple[Derivation, int, bool]  # the derivation, where it ends, whether it is zero


class _Undecided(Exception):
    """The text names a derivation the scanner does not accept on its own."""


class Scanner:
    """The reader of one space's canonical terms, built once per space.

    >>> from nasc.compiler import load
    >>> from nasc.compiler.derive.terms import format_term
    >>> space = load("examples/nb201.nas")
    >>> d = space.sample(seed=2)
    >>> Scanner(space).parse(format_term(space, d), space.start) == d
    True
    """

    def __init__(self, space: Space) -> None:
        self.space = space
        self.usable = texts_name_meanings(space)
        self.canonical = canonical_alternatives(space)
        self.pieces = {
            name: [(index, template_pieces(alt.template)) for index, alt in alts]
            for name, alts in self.canonical.items()
        }
        self.tables = small_tables(space, self.pieces)
        self.plans: dict[str, list[Plan]] = {
            name: [self._plan(index, alt.template) for index, alt in alts]
            for name, alts in self.canonical.items()
            if name not in self.tables
        }
        self._holds_shared = {name for name, under in below(space).items() if under & space.shared}
        self._compile()

    # ---- other nonterminals: each alternative as steps

    def _plan(self, index: int, template: Template) -> Plan:
        names = nonterminal_names(template)
        steps: list[Step] = []
        run: list[Piece] = []

        def flush() -> None:
            slots = [p for p in run if isinstance(p, int)]
            if not slots:
                if run:
                    text = "".join(str(p) for p in run)
                    steps.append((_LITERAL, text, len(text)))
            else:
                # A text after a slot begins with ',' or ')', so it marks the slot's end; terms
                # are prefix-free up to such an end, so the first (longest) text found by a
                # slot's trie is the only one that can fit, and the group is atomic (?>...).
                last = len(run) - 1
                source = "".join(
                    re.escape(p)
                    if isinstance(p, str)
                    else f"((?>{self.tables[names[p]].pattern}))" + (_BOUNDARY if i == last else "")
                    for i, p in enumerate(run)
                )
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
        if self.space.zero_patterns and isinstance(template, Topo):
            _checks(template, iter(range(len(names))), checks)
        return index, steps, zero, checks, {}

    def _verdict(
        self, checks: list[Check], slots: tuple[int, ...], flags: tuple[bool, ...]
    ) -> bool:
        """Whether children whose ``slots`` have these zero flags (the others are never
        zero) keep every topology of the alternative connected."""
        zero = {slot for slot, flag in zip(slots, flags, strict=True) if flag}
        for topology, arity, fixed, edges in checks:
            mask = fixed
            for bit, child in edges:
                if child in zero:
                    mask |= bit
            if not connects(self.space, topology, arity, mask):
                return False
        return True

    def _cyclic(self) -> set[str]:
        """The planned nonterminals that may call themselves at the same position (through
        alternatives that begin with a nonterminal)."""
        first = {
            name: {steps[0][1] for _, steps, *_ in plans if steps[0][0] == _RULE}
            for name, plans in self.plans.items()
        }
        cyclic = set()
        for name in first:
            seen: set[str] = set()
            todo = list(first[name])
            while todo:
                nxt = todo.pop()
                if nxt not in seen:
                    seen.add(nxt)
                    todo += first.get(nxt, ())
            if name in seen:
                cyclic.add(name)
        return cyclic

    def _zeroable(self) -> set[str]:
        """The nonterminals that may derive ``zero`` (by their tables where they have one)."""
        found = {name for name, table in self.tables.items() if any(table.zeros.values())}
        changed = True
        while changed:
            changed = False
            for name, alts in self.canonical.items():
                if name in found or name in self.tables:
                    continue
                for _, alt in alts:
                    t = alt.template
                    if (isinstance(t, Prim) and t.op == "zero") or (
                        isinstance(t, NT) and t.name in found
                    ):
                        found.add(name)
                        changed = True
                        break
        return found

    # ---- reading

    def parse(self, text: str, name: str) -> Derivation | None:
        """The derivation of ``name`` that the canonical ``text`` names, or None (always for
        a space with ties, `shared CELL(kind)`: tied places read through the positioned
        reader, which parses each with its own instance)."""
        if not self.usable or self.space.ties:
            return None
        table = self.tables.get(name)
        if table is not None:
            return table.derivations.get(text)
        try:
            found = self._read(text, name)
        except (_Undecided, KeyError, RecursionError):
            return None
        if found is None:
            return None
        if self.space.depth_bounds:
            return None if validate(self.space, found) else found
        if self.space.shared and not self._shared_agree(found):
            return None
        return found

    def _shared_agree(self, d: Derivation) -> bool:
        """Whether every place of each shared nonterminal holds the same derivation (all
        else that `validate` checks holds by how the scanner reads)."""
        shared = self.space.shared
        holds = self._holds_shared
        values: dict[str, Derivation] = {}
        stack = [d]
        while stack:
            for c in stack.pop().children:
                if c.nt in shared:
                    first = values.setdefault(c.nt, c)
                    if first is c:
                        stack.append(c)
                    elif first != c:
                        return False
                elif c.nt in holds:
                    stack.append(c)
        return True

    def _read(self, text: str, start: str) -> Derivation | None:
        """The derivation by the plans; KeyError or _Undecided when it breaks a constraint
        (a table's text without a derivation, a cut topology)."""
        found: Found | None = self._reader(text, self._index[start])
        if found is None or found[1] != len(text):
            return None
        return found[0]

    def _compile(self) -> None:
        """Turn the plans into one Python function, ``reader(text, start)``: per planned
        nonterminal a closure over the text that tries its alternatives as straight-line
        code (no step loop, no dispatch on step kinds), remembering matches by position.

        The generated code is nasc's own: text from the space enters only as ``repr()``
        literals or as constants bound in the function's namespace, and rule names
        (identifiers by the grammar) only in comments, so a `.nas` file cannot inject code."""
        constants: dict[str, Any] = {
            "D": Derivation,
            "UNDECIDED": _Undecided,
            "get": dict.__getitem__,
            "verdict": self._verdict,
        }

        def const(value: Any) -> str:
            name = f"c{len(constants)}"
            constants[name] = value
            return name

        self._index = {name: i for i, name in enumerate(self.plans)}
        self._maybe_zero = self._zeroable()
        cyclic = self._cyclic()
        lines = ["def reader(text, start):", "    size = len(text)", "    starts = text.startswith"]
        for name, plans in self.plans.items():
            i = self._index[name]
            lines += [
                f"    memo{i} = {{}}",
                f"    def r{i}(pos):  # {name}",
                f"        if pos in memo{i}:",
                f"            return memo{i}[pos]",
            ]
            if name in cyclic:
                lines.append(
                    f"        memo{i}[pos] = None  # a cycle back here matches nothing new"
                )
            for plan in plans:
                lines += self._alternative(name, plan, const)
            lines += [f"        memo{i}[pos] = None", "        return None"]
        readers = "".join(f"r{i}, " for i in self._index.values())
        lines.append(f"    return ({readers})[start](0)")
        self.source = "\n".join(lines)  # the reader's code, for whoever wants to read it
        namespace = dict(constants)
        exec(compile(self.source, "<term reader>", "exec"), namespace)
        self._reader = namespace["reader"]

    def _may_be_zero(self, steps: list[Step]) -> bool:
        """Whether a child that these steps read may be zero."""
        for kind, what, extra in steps:
            if kind == _TABLE and extra[3]:
                return True
            if kind == _RULE and what in self._maybe_zero:
                return True
        return False

    def _alternative(self, name: str, plan: Plan, const: Any) -> list[str]:
        """The code of one alternative: a ``while True`` block that breaks where the text
        stops matching and returns (derivation, end, is zero) where it matches."""
        index, steps, zero, checks, verdicts = plan
        connected = self.space.zero_patterns
        track = bool(checks) and self._may_be_zero(steps)  # `hit`: some child is zero
        body = ["at = pos", "hit = False"] if track else ["at = pos"]
        kids: list[str] = []
        maybe: list[int] = []  # child slots that may be zero
        for kind, what, extra in steps:
            if kind == _LITERAL:
                body += [f"if not starts({what!r}, at):", "    break", f"at += {extra}"]
            elif kind == _TABLE:
                one, derivations, zero_flags, zero_texts = extra
                slots = range(len(kids), len(kids) + len(derivations))
                got = f"map({const(one)}, g)" if one else f"map(get, {const(derivations)}, g)"
                body += [
                    f"m = {const(what)}.match(text, at)",
                    "if m is None:",
                    "    break",
                    "g = m.groups()",
                    "".join(f"k{i}, " for i in slots) + f"= {got}",
                    "at = m.end()",
                ]
                if connected and zero_texts:
                    body += [
                        f"if {const(zero_texts)}.isdisjoint(g):",
                        "    " + "".join(f"z{i} = " for i in slots) + "False",
                        "else:",
                        "    "
                        + "".join(f"z{i}, " for i in slots)
                        + f"= map(get, {const(zero_flags)}, g)",
                    ]
                    if track:
                        body.append("    hit = True")
                    maybe += [i for i, z in zip(slots, zero_flags, strict=True) if any(z.values())]
                kids += [f"k{i}" for i in slots]
            else:
                i = len(kids)
                body += [f"s = r{self._index[what]}(at)", "if s is None:", "    break"]
                body.append(f"k{i}, at, z{i} = s")
                if what in self._maybe_zero:
                    maybe.append(i)
                    if track:
                        body.append(f"hit = hit or z{i}")
                kids.append(f"k{i}")
        kind, what, _ = steps[-1]
        if kind == _LITERAL and not what.endswith(")"):  # a name may go on: 'relu' in 'relu6'
            body += ["if at != size and text[at] not in ',)':", "    break"]
        if checks and not self._verdict(checks, (), ()):
            body += ["if not hit:", "    raise UNDECIDED"] if track else ["raise UNDECIDED"]
        if checks and maybe:
            v = const(verdicts)
            flags = "(" + "".join(f"z{i}, " for i in maybe) + ")"
            body += [
                "if hit:",
                f"    ok = {v}.get({flags})",
                "    if ok is None:",
                f"        ok = {v}[{flags}] = verdict({const(checks)}, {tuple(maybe)}, {flags})",
                "    if not ok:",
                "        raise UNDECIDED  # breaks `connected`: the slow path says where",
            ]
        own = ("z0" if 0 in maybe else "False") if zero is None else repr(zero)
        children = "(" + "".join(f"{k}, " for k in kids) + ")"
        body += [
            f"found = memo{self._index[name]}[pos] = (D({name!r}, {index}, {children}), at, {own})",
            "return found",
        ]
        return ["        while True:", *(f"            {line}" for line in body)]


def _lookups(tables: list[Table]) -> tuple[Any, ...]:
    """How a table step turns its groups into children and zero flags: one bound lookup
    when every group reads the same table; the texts that derive zero."""
    first = tables[0].derivations
    one = first.__getitem__ if all(t.derivations is first for t in tables) else None
    zero_texts = frozenset(text for t in tables for text, z in t.zeros.items() if z)
    return one, [t.derivations for t in tables], [t.zeros for t in tables], zero_texts


def _checks(template: Topo, slots: Any, out: list[Check]) -> None:
    """The `connected` check of every topology application in ``template`` (inner ones
    first, as `nasc.compiler.derive.derivation.validate` makes them): its fixed zero args and
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
