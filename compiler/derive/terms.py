"""Terms: the one canonical text of an architecture, and parsing it back.

A term writes primitives as their text in the space (``conv3x3``,
``conv(16, kernel=3)``), expands nonterminals inline and writes topologies as
``Name(arg, arg, ...)``. Parsing matches a term against the grammar from the
start symbol, trying alternatives in order; a primitive matches by what it is
(``conv(channels=16)`` and ``conv(16)`` are the same), so any spelling of an
architecture parses to the same derivation, which prints canonically. A term in
canonical form is read by `nasc.compiler.derive.term_scan` in one pass; any other
spelling, and every term that is not an architecture of the space, goes through
the positioned reader here, which says where and why.

>>> from nasc.compiler import load
>>> space = load("examples/nb201.nas")
>>> d = parse_term(space, format_term(space, space.sample(seed=1)))
>>> format_term(space, d) == format_term(space, space.sample(seed=1))
True
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from fractions import Fraction

from nasc.compiler.derive.counting import canonical_alternatives
from nasc.compiler.derive.derivation import Derivation, as_instance, validate
from nasc.compiler.derive.term_scan import Scanner
from nasc.compiler.derive.term_tables import template_pieces
from nasc.compiler.space import NT, Prim, Space, Template, Topo, nonterminals_in
from nasc.compiler.values import Relative, Value
from nasc.dsl import NascError, Span
from nasc.dsl.diagnostics import error, suggest

TERM_PATH = "<term>"
_MEMO_LIMIT = 200_000
_MEMO_TEXT = 1024  # longer texts are rebuilt from their parts, which are remembered

# ---- printing


def _formats(space: Space) -> dict[str, list[str]]:
    """Per rule and alternative: its printed form as a `str.format` string, one ``{}``
    per child."""
    return space.memo.get(_Formats).formats


class _Formats:
    """Each alternative's printed form, and the terms of derivations printed so far."""

    def __init__(self, space: Space) -> None:
        self.formats = {
            rule.name: [
                "".join(
                    p.replace("{", "{{").replace("}", "}}") if isinstance(p, str) else "{}"
                    for p in template_pieces(alt.template)
                )
                for alt in rule.alternatives
            ]
            for rule in space.rules
        }
        self.texts: dict[Derivation, str] = {}
        # per rule and alternative, the instance each child place builds with, where
        # some place is tied (`shared CELL(kind)`); None where none is
        self.actuals: dict[str, list[tuple[str | None, ...] | None]] = {
            rule.name: [_actuals(alt.template) for alt in rule.alternatives] for rule in space.rules
        }


def _actuals(template: Template) -> tuple[str | None, ...] | None:
    found = tuple(ref.actual for ref in nonterminals_in(template))
    return found if any(found) else None


def format_term(space: Space, d: Derivation) -> str:
    """The canonical term of a derivation, e.g. ``Sequential(Cell(id, zero, ...), ...)``."""
    tables = space.memo.get(_Formats)
    formats, texts, actuals = tables.formats, tables.texts, tables.actuals
    if len(texts) > _MEMO_LIMIT:
        texts.clear()

    known = texts.get

    def fmt(d: Derivation) -> str:
        tied = actuals[d.nt][d.alt] if space.ties else None
        children = d.children
        if tied is not None:  # a tied place is written with its own instance's values
            children = tuple(
                c if a is None else as_instance(space, c, a)
                for c, a in zip(children, tied, strict=True)
            )
        text: str = formats[d.nt][d.alt].format(*[known(c) or fmt(c) for c in children])
        if len(text) <= _MEMO_TEXT:
            texts[d] = text
        return text

    return known(d) or fmt(d)


# ---- reading

_TOKEN = re.compile(
    r"""\s*(?:
      (?P<name>[A-Za-z_][A-Za-z0-9_]*)
    | (?P<number>[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)
    | (?P<rel>\*\s*(?:\d+\.?\d*|\.\d+)(?:/\d+)?)
    | (?P<string>"(?:[^"\\]|\\.)*")
    | (?P<punct>[(),=])
    )""",
    re.VERBOSE,
)


@dataclass(eq=False)
class Call:
    """A parsed term node: ``name`` or ``name(args..., key=value...)``."""

    name: str
    col: int
    end: int
    text: str = ""
    args: list[Call | Value] = field(default_factory=list)
    keywords: list[tuple[str, Value, int]] = field(default_factory=list)


def _fail(
    message: str, col: int, end: int | None = None, *notes: str, code: str = "E700"
) -> NascError:
    span = Span(TERM_PATH, 1, col + 1, 1, (end if end is not None else col + 1) + 1)
    return NascError(error(code, message, span, *notes))


class _Reader:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens: list[tuple[str, str, int]] = []
        pos = 0
        stripped = len(text.rstrip())
        while pos < stripped:
            m = _TOKEN.match(text, pos)
            if m is None or m.end() == pos:
                col = pos + len(text[pos:]) - len(text[pos:].lstrip())
                raise _fail(f"unexpected character {text[col]!r} in the term", col)
            kind = m.lastgroup or ""
            self.tokens.append((kind, m.group(kind), m.start(kind)))
            pos = m.end()
        self.i = 0

    def peek(self) -> tuple[str, str, int]:
        if self.i < len(self.tokens):
            return self.tokens[self.i]
        return ("end", "", len(self.text.rstrip()))

    def take(self, value: str) -> None:
        kind, got, col = self.peek()
        if got != value or kind != "punct":
            shown = f"'{got}'" if kind != "end" else "the end of the term"
            raise _fail(f"expected '{value}', found {shown}", col)
        self.i += 1

    def term(self) -> Call:
        kind, name, col = self.peek()
        if kind != "name":
            shown = f"'{name}'" if kind != "end" else "the end of the term"
            raise _fail(f"expected a primitive, topology or term, found {shown}", col)
        self.i += 1
        call = Call(name, col, col + len(name))
        if self.peek()[1] == "(" and self.peek()[0] == "punct":
            self.i += 1
            while True:
                self.argument(call)
                kind, got, at = self.peek()
                if got == ",":
                    self.i += 1
                    continue
                self.take(")")
                call.end = at + 1
                break
        call.text = self.text[col : call.end]
        return call

    def argument(self, call: Call) -> None:
        kind, got, col = self.peek()
        following = self.tokens[self.i + 1] if self.i + 1 < len(self.tokens) else None
        if kind == "name" and following is not None and following[1] == "=":
            self.i += 2
            call.keywords.append((got, self.value(), col))
            return
        if call.keywords:  # as in a .nas file (E202): keywords come last
            raise _fail(
                f"a positional argument follows the keyword argument '{call.keywords[-1][0]}=' "
                f"in '{call.name}'",
                col,
                None,
                "put positional arguments first, or name this one too",
                code="E202",
            )
        if kind == "name":
            call.args.append(self.term())
        else:
            call.args.append(self.value())

    def value(self) -> Value:
        kind, got, col = self.peek()
        self.i += 1
        if kind == "number":
            try:
                return int(got)
            except ValueError:
                return float(got)
        if kind == "rel":
            return Relative(Fraction(got[1:].strip()))
        if kind == "string":
            return got[1:-1].replace('\\"', '"').replace("\\\\", "\\")
        if kind == "name" and got in ("true", "false"):
            return got == "true"
        shown = f"'{got}'" if kind != "end" else "the end of the term"
        raise _fail(f"expected a value, found {shown}", col)


def read_term(text: str) -> Call:
    """The syntax tree of a term (NascError E700 on bad syntax)."""
    reader = _Reader(text)
    call = reader.term()
    kind, got, col = reader.peek()
    if kind != "end":
        raise _fail(f"unexpected '{got}' after the end of the term", col)
    return call


class _Matcher:
    """Matches syntax trees against one space's rules."""

    def __init__(self, space: Space) -> None:
        self.space = space
        self.canonical = canonical_alternatives(space)
        self.decls = {p.name: p for p in space.primitives}
        self.aliases = {a.name: a for a in space.aliases}
        self.composites = {c.name: c for c in space.composites}
        self.prims: dict[str, tuple[str, tuple[tuple[str, Value], ...]] | NascError] = {}
        self.memo: dict[tuple[str, str], Derivation | None] = {}

    def resolve(self, call: Call) -> tuple[str, tuple[tuple[str, Value], ...]]:
        """(op, parameters) of a primitive call; NascError when it is not one."""
        found = self.prims.get(call.text)
        if found is None:
            try:
                found = self._resolve(call)
            except NascError as exc:
                found = exc
            self.prims[call.text] = found
        if isinstance(found, NascError):
            raise found
        return found

    def _resolve(self, call: Call) -> tuple[str, tuple[tuple[str, Value], ...]]:
        alias = self.aliases.get(call.name)
        composite = self.composites.get(call.name)
        if alias is not None:
            op, params, bound = alias.prim.op, dict(alias.prim.params), dict(alias.bound)
            free = [name for name, _ in self.decls[op].params if name not in bound]
        elif composite is not None:  # its values as a use gives them (defaults filled)
            op, bound = call.name, {}
            params = {name: value for name, value in composite.params if value is not None}
            free = [name for name, _ in composite.params]
        elif call.name in self.decls:
            op, params, bound = call.name, dict(self.decls[call.name].params), {}
            free = [name for name, _ in self.decls[op].params]
        else:
            names = [*self.decls, *self.aliases, *self.composites, *self.space.topology_map]
            raise _fail(
                f"unknown primitive '{call.name}'" + suggest(call.name, names),
                call.col,
                call.col + len(call.name),
            )
        given: dict[str, Value] = {}
        for i, arg in enumerate(call.args):
            if isinstance(arg, Call):
                if arg.name in ("true", "false") and not arg.args:
                    arg_value: Value = arg.name == "true"
                else:
                    raise _fail(f"'{call.name}' takes values, not a term", arg.col, arg.end)
            else:
                arg_value = arg
            if i >= len(free):
                raise _fail(
                    f"'{call.name}' takes at most {len(free)} positional arguments",
                    call.col,
                    call.end,
                )
            given[free[i]] = arg_value
        for key, value, col in call.keywords:
            if key not in params and key not in free:
                raise _fail(
                    f"'{call.name}' has no parameter '{key}'" + suggest(key, params),
                    col,
                    col + len(key),
                    f"its parameters: {', '.join(params) or 'none'}",
                )
            if key in given:  # as in a .nas file (E203)
                raise _fail(f"parameter '{key}' is given twice", col, col + len(key), code="E203")
            given[key] = value
        params.update(given)
        if composite is not None:  # in the order the op declares them
            return op, tuple((name, params[name]) for name in free if name in params)
        return op, tuple(params.items())

    def nt(self, name: str, call: Call) -> Derivation | None:
        key = (name, call.text)
        if key in self.memo:
            return self.memo[key]
        self.memo[key] = None  # a unit cycle back to here matches nothing new
        result = None
        for index, alt in self.canonical[name]:
            children: list[Derivation] = []
            if self.template(alt.template, call, children):
                result = Derivation(name, index, tuple(children))
                break
        self.memo[key] = result
        return result

    def template(self, template: Template, call: Call | Value, out: list[Derivation]) -> bool:
        if not isinstance(call, Call):
            return False
        if isinstance(template, NT):
            d = self.nt(template.place, call)
            if d is None:
                return False
            if template.actual is not None:  # back to the tie's representative
                d = as_instance(self.space, d, template.name)
            out.append(d)
            return True
        if isinstance(template, Prim):
            if call.name in self.space.topology_map:
                return False
            return self.resolve(call) == (template.op, template.params)
        if call.name != template.name or len(call.args) != len(template.args) or call.keywords:
            return False
        mark = len(out)
        for arg_t, arg in zip(template.args, call.args, strict=True):
            if not self.template(arg_t, arg, out):
                del out[mark:]
                return False
        return True

    # ---- explaining a failed match

    def explain(self, name: str, call: Call) -> NascError:
        """Why ``call`` is not a derivation of ``name``: the innermost place that fails."""
        for _, alt in self.canonical[name]:
            t = alt.template
            if isinstance(t, Topo) and t.name == call.name and len(t.args) == len(call.args):
                return self._explain_topo(t, call)
        if call.name not in self.space.topology_map:
            self.resolve(call)  # unknown primitives and parameters explain themselves
        heads = sorted({_head(alt.template) for _, alt in self.canonical[name]})
        return _fail(
            f"'{call.text}' is not a derivation of '{name}'",
            call.col,
            call.end,
            f"'{name}' derives: {', '.join(heads)}",
        )

    def _explain_topo(self, template: Topo, call: Call) -> NascError:
        for arg_t, arg in zip(template.args, call.args, strict=True):
            if self.template(arg_t, arg, []):
                continue
            if not isinstance(arg, Call):
                return _fail(f"'{template.name}' takes a term here, not a value", call.col)
            if isinstance(arg_t, NT):
                return self.explain(arg_t.name, arg)
            if isinstance(arg_t, Topo) and (arg.name, len(arg.args)) == (
                arg_t.name,
                len(arg_t.args),
            ):
                return self._explain_topo(arg_t, arg)
            return _fail(
                f"expected '{_head(arg_t)}' here, found '{arg.text}'",
                arg.col,
                arg.end,
            )
        return _fail(f"'{call.text}' does not match", call.col, call.end)


def _head(template: Template) -> str:
    if isinstance(template, Prim):
        return template.text
    if isinstance(template, NT):
        return template.name
    return f"{template.name}({', '.join(_head(a) for a in template.args)})"


def _scanner(space: Space) -> Scanner:
    return space.memo.get(Scanner)


class _Matchers:
    """The space's matcher, made again when its memo grows past the limit."""

    def __init__(self, space: Space) -> None:
        self.space = space
        self.current = _Matcher(space)


def _matcher(space: Space) -> _Matcher:
    matchers = space.memo.get(_Matchers)
    if len(matchers.current.memo) > _MEMO_LIMIT:
        matchers.current = _Matcher(space)
    return matchers.current


def parse_term(space: Space, text: str, nt: str | None = None) -> Derivation:
    """The derivation a term names, from the start symbol (or from ``nt``).

    Raises NascError whose diagnostic names the column in the term (path
    ``<term>``): E700 for bad syntax or a term outside the grammar, E702 for a
    term that breaks a constraint (connected, shared, depth).
    """
    name = nt or space.start
    if name not in space.rule_map:
        raise NascError(error("E700", f"'{name}' is not a nonterminal of the space", None))
    fast = None if space.ties else _scanner(space).parse(text, name)
    if fast is not None:
        return fast
    call = read_term(text)
    matcher = _matcher(space)
    d = matcher.nt(name, call)
    if d is None:
        raise matcher.explain(name, call)
    problems = validate(space, d)
    if problems:
        path, message = problems[0]
        at = _call_at(space, d, call, path)
        raise NascError(error("E702", message, Span(TERM_PATH, 1, at.col + 1, 1, at.end + 1)))
    return d


def _call_at(space: Space, d: Derivation, call: Call, path: tuple[int, ...]) -> Call:
    """The syntax node of the derivation node at ``path``."""
    for index in path:
        template = space.rule(d.nt).alternatives[d.alt].template
        found = _slot_call(template, call, index)
        if found is None:
            return call
        call, d = found, d.children[index]
    return call


def _slot_call(template: Template, call: Call, index: int) -> Call | None:
    slots: list[Call] = []

    def walk(t: Template, c: Call | Value) -> None:
        if isinstance(t, NT) and isinstance(c, Call):
            slots.append(c)
        elif isinstance(t, Topo) and isinstance(c, Call):
            for arg_t, arg in zip(t.args, c.args, strict=False):
                walk(arg_t, arg)

    walk(template, call)
    return slots[index] if index < len(slots) else None
