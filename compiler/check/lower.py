"""Lowering: textX syntax models to the Space IR, resolving every name.

This is the one module that knows the shape of textX objects. It reports
undefined names, unknown or bad parameters, wrong arities and duplicate
definitions; the grammar-level checks run on the Space it returns.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from nasc.compiler.check.composite import (
    canonical_args as _arg_text,
)
from nasc.compiler.check.composite import (
    check_unused_composites,
    classify_composites,
    composite_call,
)
from nasc.compiler.check.ties import different_structure, group_by, retarget
from nasc.compiler.ops import OPS
from nasc.compiler.plugins import load_plugins
from nasc.compiler.shapes import Layout
from nasc.compiler.space import (
    CASCADE,
    NT,
    SEQUENTIAL,
    Alias,
    Alternative,
    CompositeOp,
    Edge,
    EdgeLimit,
    InputSpec,
    Param,
    Prim,
    PrimitiveDecl,
    Rule,
    RuleTemplate,
    Space,
    Template,
    Topo,
    Topology,
    ValueRule,
)
from nasc.compiler.values import Relative, Value, format_value
from nasc.dsl import STD_DISPLAY_PATH, Diagnostic, Source, Span
from nasc.dsl.diagnostics import error, suggest, warning
from nasc.dsl.modules import ModuleSet

CASCADE_TOPOLOGY = Topology(
    CASCADE,
    (),
    (),
    "sum",
    True,
    doc="The built-in wiring of multi-input cells: Cascade(c1, ..., cn) feeds element k "
    "with m inputs the outputs of the m elements before it (the Cascade's input where "
    "there are fewer), a one-input element the one before it; the last output is the result.",
    cascade=True,
)

SEQUENTIAL_TOPOLOGY = Topology(
    SEQUENTIAL,
    (),
    (),
    variadic=True,
    doc="The built-in chain: Sequential(a, b, c) applies a, then b, then c.",
)


MAX_WEIGHT = 1e12
"""The largest pcfg weight (weights are relative; sums of larger ones lose all precision)."""
MAX_TOPOLOGY_NODE = 9_999
"""The highest node number a topology may use (its nodes are allocated as a list)."""


def parse_value(text: str) -> Value:
    """A value written on the command line: a number, true/false, *factor, or a string."""
    text = text.strip()
    if text in ("true", "false"):
        return text == "true"
    if text.startswith("*"):
        return Relative(Fraction(text[1:]))
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return text.strip('"')


def _kind(obj: Any) -> str:
    return type(obj).__name__


def _doc(obj: Any) -> str | None:
    doc = getattr(obj, "doc", None)
    return " ".join(doc.split()) if doc else None


@dataclass
class _Declared:
    kind: str
    obj: Any
    source: Source


@dataclass
class Lowering:
    """State of one lowering: the declarations of every module and the findings."""

    modules: ModuleSet
    overrides: Mapping[str, str]
    diagnostics: list[Diagnostic] = field(default_factory=list)
    # names used by alternatives left out for their errors
    dropped_names: set[str] = field(default_factory=set)
    names: dict[str, _Declared] = field(default_factory=dict)
    params: dict[str, Param] = field(default_factory=dict)
    primitives: dict[str, PrimitiveDecl] = field(default_factory=dict)
    aliases: dict[str, Alias] = field(default_factory=dict)
    topologies: dict[str, Topology] = field(default_factory=dict)
    value_rules: dict[str, ValueRule] = field(default_factory=dict)
    templates: dict[str, RuleTemplate] = field(default_factory=dict)
    composites: dict[str, CompositeOp] = field(default_factory=dict)
    made: dict[str, Rule] = field(default_factory=dict)
    instances: dict[str, list[str]] = field(default_factory=dict)
    instance_values: dict[str, tuple[Value, ...]] = field(default_factory=dict)
    # `PRE(c, 1) ::= ...` and `PRE(c, 2) ::= ...`: the clauses of a parametrised rule
    clauses: dict[str, list[tuple[Any, Source]]] = field(default_factory=dict)
    env: dict[str, Value] = field(default_factory=dict)
    used_values: set[str] = field(default_factory=set)
    _resolving: set[str] = field(default_factory=set)

    # ---- positions

    def name_span(self, source: Source, obj: Any, name: str) -> Span:
        """The span of the name an object declares (after its doc string and keyword)."""
        start = obj._tx_position
        text = source.text
        doc = getattr(obj, "doc", None)
        if doc:
            quote = text[start]
            start = text.index(quote, start + 1) + 1 if quote in "\"'" else start
        end = obj._tx_position_end
        at = text.find(name, start, end)
        while at >= 0:  # the name as a whole word (a regex per name was slow at scale)
            before = text[at - 1] if at > 0 else " "
            after = text[at + len(name)] if at + len(name) < len(text) else " "
            if not (before.isalnum() or before == "_" or after.isalnum() or after == "_"):
                return source.span(at, at + len(name))
            at = text.find(name, at + 1, end)
        return source.span_of(obj)

    def report(self, code: str, message: str, span: Span | None, *notes: str) -> None:
        self.diagnostics.append(error(code, message, span, *notes))

    def bind_arguments(
        self,
        obj: Any,
        source: Source,
        positional: list[str],
        keywords: list[str],
        signature: str | None = None,
        check: Callable[[str, Value], str | None] | None = None,
    ) -> dict[str, list[tuple[Value, float]]] | None:
        """The value options of each argument of the call ``obj``, by parameter:
        positional arguments bind to ``positional`` in order, keywords to any of
        ``keywords``; None after reporting every problem (E201-E203). ``signature``
        is the note of a rule's call (``B(width, stride)``); a primitive's or
        composite's lists its parameters. ``check`` says what is wrong with a value."""
        given: dict[str, list[tuple[Value, float]]] = {}
        ok = True
        for index, arg in enumerate(obj.args):
            key = arg.key
            if key is None and self._positional_after_keyword(obj, index, source):
                ok = False
                continue
            if key is None:
                if index >= len(positional):
                    n = len(positional)
                    takes = f"{n} argument" if signature else f"at most {n} positional argument"
                    self.report(
                        "E202",
                        f"'{obj.name}' takes {takes}{'s' * (n != 1)}, got {len(obj.args)}",
                        source.span_of(arg),
                        signature or f"its parameters: {', '.join(positional) or 'none'}",
                    )
                    ok = False
                    continue
                key = positional[index]
            elif key not in keywords:
                subject = f"rule '{obj.name}'" if signature else f"'{obj.name}'"
                self.report(
                    "E201",
                    f"{subject} has no parameter '{key}'" + suggest(key, keywords),
                    source.span_of(arg),
                    signature or f"its parameters: {', '.join(keywords) or 'none'}",
                )
                ok = False
                continue
            if key in given:
                self.report("E203", f"parameter '{key}' is given twice", source.span_of(arg))
                ok = False
                continue
            found = self.options(arg.value, source)
            if found is None:
                ok = False
                continue
            for value, _ in found:
                problem = check(key, value) if check is not None else None
                if problem:
                    self.report("E203", f"'{obj.name}': {key} {problem}", source.span_of(arg.value))
                    ok = False
            given[key] = found
        return given if ok else None

    def _positional_after_keyword(self, obj: Any, index: int, source: Source) -> bool:
        """Report (E202) and say whether argument ``index`` of a call is positional
        after a keyword argument, which Python's rule (and nasc's) forbids."""
        keyword = next((arg for arg in obj.args[:index] if arg.key is not None), None)
        if keyword is None:
            return False
        self.report(
            "E202",
            f"a positional argument follows the keyword argument '{keyword.key}=' in '{obj.name}'",
            source.span_of(obj.args[index]),
            "put positional arguments first, or name this one too",
        )
        return True

    # ---- declarations

    def declare(self) -> None:
        self.names[SEQUENTIAL] = _Declared("topology", None, Source.of("<builtin>", ""))
        self.names[CASCADE] = _Declared("topology", None, Source.of("<builtin>", ""))
        for path in self.modules.order:
            module = self.modules.modules[path]
            for statement in module.model.statements:
                kind = _kind(statement)
                if kind in ("Rule", "Primitive", "OpAlias", "Topology"):
                    self._declare_name(statement, kind, module.source)
                elif kind == "Param":
                    self._declare_param(statement, module.source)

    def _declare_name(self, obj: Any, kind: str, source: Source) -> None:
        earlier = self.names.get(obj.name)
        if earlier is not None and kind == "Rule" and _clause_of(earlier, obj):
            self.clauses.setdefault(obj.name, [(earlier.obj, earlier.source)]).append((obj, source))
            return
        if earlier is not None:
            where = "built in" if earlier.obj is None else f"defined at {self._where(earlier)}"
            self.report(
                "E204",
                f"'{obj.name}' is already {where}",
                self.name_span(source, obj, obj.name),
                "rename one of them: rules, primitives, ops and topologies share one namespace",
            )
            return
        self.names[obj.name] = _Declared(kind, obj, source)

    def _where(self, declared: _Declared) -> str:
        return str(self.name_span(declared.source, declared.obj, declared.obj.name))

    def _declare_param(self, obj: Any, source: Source) -> None:
        span = self.name_span(source, obj, obj.name)
        if obj.name in self.params:
            self.report(
                "E204",
                f"param '{obj.name}' is already defined at {self.params[obj.name].span}",
                span,
            )
            return
        self.params[obj.name] = Param(obj.name, self.constant(obj.value), _doc(obj), span)

    def apply_overrides(self) -> None:
        for name, text in self.overrides.items():
            param = self.params.get(name)
            if param is None:
                self.report(
                    "E205",
                    f"--set {name}={text}: the space has no param '{name}'"
                    + suggest(name, self.params),
                    None,
                    "params: " + (", ".join(sorted(self.params)) or "none"),
                )
                continue
            self.params[name] = Param(name, parse_value(text), param.doc, param.span)

    # ---- values and primitives

    def constant(self, obj: Any) -> Value:
        kind = _kind(obj)
        if kind == "Relative":
            return Relative(Fraction(obj.factor.value))
        if kind == "Quoted":
            return str(obj.value)
        if kind == "Boolean":
            return bool(obj.value == "true")
        if kind == "Sizes":
            return tuple(int(item.value) for item in obj.sizes)
        text = obj.value
        return float(text) if any(c in text for c in ".eE") else int(text)

    def value(self, obj: Any, source: Source) -> Value | None:
        """One value (a constant, a param, a rule parameter); a choice is an error here."""
        found = self.options(obj, source)
        if found is None:
            return None
        if len(found) != 1:
            self.report(
                "E203",
                "a choice of values is not allowed here; write one value",
                source.span_of(obj),
            )
            return None
        return found[0][0]

    def options(self, obj: Any, source: Source) -> list[tuple[Value, float]] | None:
        """The values an argument can take, with their weights: one for a constant or a
        param, several for a value choice (``K`` with ``K ::= 3 | 5``, or ``(3 | 5)``)."""
        kind = _kind(obj)
        if kind == "Choice":
            found: list[tuple[Value, float]] = []
            for option in obj.options:
                got = self.options(option, source)
                if got is None:
                    return None
                for value, weight in got:
                    if any(value == v and type(value) is type(v) for v, _ in found):
                        self.report(
                            "E301",
                            f"the choice lists the value {format_value(value)} twice",
                            source.span_of(option),
                        )
                        continue
                    found.append((value, weight))
            return found
        if kind == "Sizes":
            wrong = [i.value for i in obj.sizes if not re.fullmatch(r"[-+]?\d+", i.value)]
            if wrong:
                self.report(
                    "E203",
                    f"a list of sizes holds integers (one per spatial dimension), found {wrong[0]}",
                    source.span_of(obj),
                )
                return None
        if kind != "Call":
            return [(self.constant(obj), 1.0)]
        span = source.span_of(obj)
        if not obj.args:
            if obj.name in self.env:
                return [(self.env[obj.name], 1.0)]
            if obj.name in self.value_rules:
                self.used_values.add(obj.name)
                return list(self.value_rules[obj.name].options)
            if obj.name in self.params:
                return [(self.params[obj.name].value, 1.0)]
        what = "a value (a number, string, true/false, *factor, a param or a value choice)"
        candidates = [*self.params, *self.value_rules, *self.env]
        self.report(
            "E203",
            f"expected {what}, found '{obj.name}'" + suggest(obj.name, candidates),
            span,
        )
        return None

    def lower_primitives(self) -> None:
        for name, declared in list(self.names.items()):
            if declared.kind != "Primitive":
                continue
            obj, source = declared.obj, declared.source
            span = self.name_span(source, obj, name)
            op = OPS.get(name)
            if op is None:
                self.report(
                    "E206",
                    f"primitive '{name}' has no implementation in nasc" + suggest(name, OPS),
                    span,
                    "a primitive declaration names one of nasc's built-in operations",
                )
                continue
            params: list[tuple[str, Value]] = []
            complete = True
            for decl in obj.params:
                if decl.name not in op.param_names:
                    self.report(
                        "E201",
                        f"'{name}' has no parameter '{decl.name}'"
                        + suggest(decl.name, op.param_names),
                        self.name_span(source, decl, decl.name),
                    )
                    complete = False
                    continue
                if decl.default is None:
                    self.report(
                        "E203",
                        f"parameter '{decl.name}' of '{name}' needs a default value",
                        self.name_span(source, decl, decl.name),
                    )
                    complete = False
                    continue
                params.append((decl.name, self.constant(decl.default)))
            missing = [p for p in op.param_names if p not in dict(params)]
            if missing and complete:
                self.report(
                    "E202",
                    f"primitive '{name}' must declare the parameters {', '.join(missing)}",
                    span,
                )
            self.primitives[name] = PrimitiveDecl(name, tuple(params), _doc(obj), span)
        if STD_DISPLAY_PATH in self.modules.modules:  # plugin primitives join the std
            for name, plugin in load_plugins().primitives.items():
                if name not in self.names:
                    self.names[name] = _Declared("Primitive", None, Source.of("<plugin>", ""))
                    doc = " ".join(plugin.doc.split()) or None
                    self.primitives[name] = PrimitiveDecl(name, plugin.params, doc, None)

    def call(self, obj: Any, source: Source) -> tuple[Prim, dict[str, Value]] | None:
        """The primitive a call with fixed values makes, and the parameters it gives."""
        made = self.call_options(obj, source)
        if made is None:
            return None
        if len(made) != 1:
            self.report(
                "E203",
                f"op '{obj.name}': an alias binds fixed values, not a choice",
                source.span_of(obj),
                "write the choice where the op is used, or make a rule of the alternatives",
            )
            return None
        prim, given, _ = made[0]
        return prim, given

    def call_options(
        self, obj: Any, source: Source
    ) -> list[tuple[Prim, dict[str, Value], float]] | None:
        """Every primitive a call of a primitive or alias makes (several when an argument
        is a value choice), with the parameters the call gives and the choice's weight."""
        declared = self.names[obj.name]
        span = source.span_of(obj)
        if declared.kind == "OpAlias":
            alias = self.alias(obj.name)
            if alias is None:
                return None
            op_name, params, bound = alias.prim.op, dict(alias.prim.params), dict(alias.bound)
        else:
            if obj.name not in self.primitives:
                return None
            op_name, params, bound = obj.name, dict(self.primitives[obj.name].params), {}
        free = [name for name, _ in self.primitives[op_name].params if name not in bound]
        given = self.bind_arguments(
            obj, source, free, list(params), check=lambda key, value: OPS[op_name].check(key, value)
        )
        if given is None:
            return None
        made: list[tuple[Prim, dict[str, Value], float]] = []
        for chosen, weight in self.tied_combinations(obj.args, free, given):
            text = obj.name
            if chosen:
                text += "(" + ", ".join(_arg_text(obj.args, free, chosen)) + ")"
            made.append(
                (Prim(op_name, tuple({**params, **chosen}.items()), text, span), chosen, weight)
            )
        return made

    def tied_combinations(
        self, args: Any, keys: list[str], given: dict[str, list[tuple[Value, float]]]
    ) -> list[tuple[dict[str, Value], float]]:
        """Every way of choosing the arguments' values; the arguments of one call that
        name the same value choice (``conv(kernel=P, stride=P)``) take one value."""
        source: dict[str, str] = {}
        for index, arg in enumerate(args):
            key = arg.key or (keys[index] if index < len(keys) else None)
            if key is None or key not in given:
                continue
            value = arg.value
            named = _kind(value) == "Call" and not value.args and value.name in self.value_rules
            source[key] = f"rule {value.name}" if named and value.name not in self.env else key
        groups = list(dict.fromkeys(source[key] for key in given))
        options = [given[next(k for k in given if source[k] == group)] for group in groups]
        found = []
        for values, weight in _combinations(options):
            picked = dict(zip(groups, values, strict=True))
            found.append(({key: picked[source[key]] for key in given}, weight))
        return found

    def choice_name(self, obj: Any, keys: list[str]) -> str:
        """The name of the nonterminal a call with value choices stands for, as written
        in canonical form (``conv(16, kernel=K)``, ``B(16, (1 | 2))``)."""
        parts: list[str] = []
        positional = True
        for index, arg in enumerate(obj.args):
            text = self.argument_text(arg.value)
            if arg.key is None and positional:
                parts.append(text)
            else:
                positional = False
                parts.append(f"{arg.key or keys[index]}={text}")
        return f"{obj.name}({', '.join(parts)})"

    def argument_text(self, obj: Any) -> str:
        kind = _kind(obj)
        if kind == "Choice":
            return "(" + " | ".join(self.argument_text(o) for o in obj.options) + ")"
        if kind != "Call":
            return format_value(self.constant(obj))
        if obj.name in self.env:
            return format_value(self.env[obj.name])
        if obj.name in self.params and obj.name not in self.value_rules:
            return format_value(self.params[obj.name].value)
        return str(obj.name)

    def alias(self, name: str) -> Alias | None:
        if name in self.aliases:
            return self.aliases[name]
        if name in self._resolving:
            return None
        declared = self.names[name]
        obj, source = declared.obj, declared.source
        call = obj.call
        target = self.names.get(call.name)
        if target is None or target.kind not in ("Primitive", "OpAlias") or call.name == name:
            found = (
                "not defined" + suggest(call.name, self.names)
                if target is None
                else f"a {target.kind.lower()}"
            )
            self.report(
                "E200",
                f"op '{name}' must alias a primitive, but '{call.name}' is {found}",
                source.span_of(call),
            )
            return None
        self._resolving.add(name)
        resolved = self.call(call, source)
        self._resolving.discard(name)
        if resolved is None:
            return None
        base, given = resolved
        inherited = dict(self.aliases[call.name].bound) if call.name in self.aliases else {}
        span = self.name_span(source, obj, name)
        alias = Alias(
            name,
            Prim(base.op, base.params, name, span),
            tuple({**inherited, **given}.items()),
            _doc(obj),
            span,
        )
        self.aliases[name] = alias
        return alias

    def lower_aliases(self) -> None:
        for name, declared in self.names.items():
            if declared.kind == "OpAlias" and name not in self.composites:
                self.alias(name)

    # ---- topologies

    def lower_topologies(self) -> None:
        self.topologies[SEQUENTIAL] = SEQUENTIAL_TOPOLOGY
        self.topologies[CASCADE] = CASCADE_TOPOLOGY
        for name, declared in self.names.items():
            if declared.kind == "Topology" and declared.obj is not None:
                self.topologies[name] = self.topology(declared.obj, declared.source)

    def topology(self, obj: Any, source: Source) -> Topology:
        span = self.name_span(source, obj, obj.name)
        params = tuple(obj.params)
        seen: set[str] = set()
        for param in params:
            if param in seen:
                self.report(
                    "E204", f"topology '{obj.name}' names the argument '{param}' twice", span
                )
            seen.add(param)
        merge, node_merges, merge_names = self.merges(obj, source, params, span)
        labels = [p for p in params if p not in merge_names]
        inputs = int(obj.inputs) if obj.inputs else 1
        if inputs < 1:
            self.report(
                "E305",
                f"topology '{obj.name}' declares {inputs} inputs",
                span,
                "a topology has at least one input (`inputs 2`: nodes 0 and 1)",
            )
            inputs = 1
        edges = tuple(
            Edge(e.source, e.target, params.index(labels[i]))
            if i < len(labels)
            else Edge(e.source, e.target, -1)
            for i, e in enumerate(obj.edges)
        )
        if len(obj.edges) != len(labels):
            self.report(
                "E305",
                f"topology '{obj.name}' has {len(obj.edges)} edges but {len(labels)} edge arguments",
                span,
                "argument i labels edge i: give one argument per edge",
            )
        kept = []
        for edge, lowered in zip(obj.edges, edges, strict=True):
            if edge.source < 0:
                self.report(
                    "E305",
                    f"edge ({edge.source},{edge.target}) names a negative node",
                    source.span_of(edge),
                    "nodes are numbered from 0 (the input)",
                )
            elif edge.target > MAX_TOPOLOGY_NODE:
                self.report(
                    "E305",
                    f"edge ({edge.source},{edge.target}) names node {edge.target}: a topology "
                    f"has at most {MAX_TOPOLOGY_NODE + 1:,} nodes",
                    source.span_of(edge),
                )
            elif edge.source >= edge.target:
                self.report(
                    "E305",
                    f"edge ({edge.source},{edge.target}) must go from a lower to a higher node",
                    source.span_of(edge),
                    "node 0 is the input and the highest node the output",
                )
            else:
                kept.append(lowered)
        edges = tuple(kept) if len(kept) == len(edges) or kept else edges[:0]
        last = max((e.target for e in edges), default=0)
        if edges and inputs > last:
            self.report(
                "E305",
                f"topology '{obj.name}' declares {inputs} inputs but its output is node {last}",
                span,
                f"nodes 0 to {inputs - 1} are the inputs and the highest node the output: "
                f"give it edges into a node above {inputs - 1}",
            )
            inputs = 1
        for edge in edges:
            if edge.target < inputs:
                self.report(
                    "E305",
                    f"edge ({edge.source},{edge.target}) of '{obj.name}' goes into input node "
                    f"{edge.target}",
                    span,
                    f"nodes 0 to {inputs - 1} are the topology's inputs: they have no incoming edges",
                )
                break
        for node, _ in node_merges:
            if edges and not inputs <= node <= last:
                self.report(
                    "E305",
                    f"`merge {node} ...` of '{obj.name}' names node {node}, which is "
                    + ("an input" if node < inputs else "not a node of the topology"),
                    span,
                    f"merges are per node from {inputs} to {last} (the output)",
                )
        return Topology(
            obj.name,
            params,
            edges,
            merge,
            False,
            _doc(obj),
            span,
            inputs=inputs,
            node_merges=tuple(m for m in node_merges if inputs <= m[0] <= last),
        )

    def merges(
        self, obj: Any, source: Source, params: tuple[str, ...], span: Span
    ) -> tuple[str, tuple[tuple[int, str], ...], set[str]]:
        """A topology's default merge, its per-node merges and the arguments that are
        merge operations (not edges)."""
        merge = "sum"
        per_node: dict[int, str] = {}
        names: set[str] = set()
        default_given = False
        for written in obj.merges:
            how = str(written.how)
            where = span if written.node is None else source.span_of(written)
            if how not in ("sum", "concat") and how not in params:
                self.report(
                    "E306",
                    f"merge '{how}' is neither sum, concat nor an argument of '{obj.name}'",
                    where,
                    "write `merge sum`, `merge concat`, or name the argument that takes a binary op",
                )
                continue
            if how not in ("sum", "concat"):
                names.add(how)
            if written.node is None:
                if default_given:
                    self.report(
                        "E204", f"topology '{obj.name}' gives its default merge twice", where
                    )
                default_given = True
                merge = how
            else:
                node = int(written.node)
                if node in per_node:
                    self.report(
                        "E204", f"topology '{obj.name}' gives the merge of node {node} twice", where
                    )
                per_node[node] = how
        return merge, tuple(sorted(per_node.items())), names

    # ---- templates and rules

    def template(self, obj: Any, source: Source) -> Template | None:
        if _kind(obj) != "Call":
            self.report(
                "E203",
                f"expected a term, found the value {_literal_text(obj)}",
                source.span_of(obj),
                "a rule's alternatives are all terms or all values (`K ::= 3 | 5`)",
            )
            return None
        name = obj.name
        span = source.span_of(obj)
        declared = self.names.get(name)
        if declared is None:
            if name in self.env:
                self.report("E203", f"'{name}' is a value parameter of the rule, not a term", span)
                return None
            hint = ""
            if name in OPS and STD_DISPLAY_PATH not in self.modules.modules:
                hint = "add `import std` to use the standard library"
            if name in load_plugins().broken:
                hint = load_plugins().broken[name]
            notes = (hint,) if hint else ()
            self.report("E200", f"unknown name '{name}'" + suggest(name, self.names), span, *notes)
            return None
        if declared.kind == "Rule":
            if name in self.value_rules:
                self.used_values.add(name)
                self.report(
                    "E203",
                    f"'{name}' is a choice of values; use it as an argument, e.g. conv(kernel={name})",
                    span,
                )
                return None
            if name in self.templates:
                return self.rule_call(obj, source)
            if obj.args:
                self.report("E202", f"'{name}' is a nonterminal and takes no arguments", span)
                return None
            return NT(name, span)
        if name in self.composites:
            self.used_values.add(name)
            return composite_call(self, obj, source)
        if declared.kind in ("Primitive", "OpAlias"):
            made = self.call_options(obj, source)
            if made is None:
                return None
            if len(made) == 1:
                return made[0][0]
            free = self.free_params(name)
            return self.chooser(
                self.choice_name(obj, free),
                [Alternative(prim, weight, span) for prim, _, weight in made],
                span,
            )
        topology = self.topologies.get(name)
        if topology is None:
            return None
        args: list[Template] = []
        ok = True
        for arg in obj.args:
            if arg.key is not None:
                self.report(
                    "E202", f"topology '{name}' takes no keyword arguments", source.span_of(arg)
                )
                ok = False
                continue
            if _kind(arg.value) != "Call":
                self.report(
                    "E203",
                    f"an argument of topology '{name}' must be a term, found {_literal_text(arg.value)}",
                    source.span_of(arg.value),
                )
                ok = False
                continue
            lowered = self.template(arg.value, source)
            if lowered is None:
                ok = False
                continue
            args.append(lowered)
        if topology.variadic and not obj.args:
            self.report("E202", f"'{name}' needs at least one argument", span)
            return None
        if not topology.variadic and len(obj.args) != len(topology.params):
            self.report(
                "E202",
                f"topology '{name}' takes {len(topology.params)} arguments, got {len(obj.args)}",
                span,
                f"{name}({', '.join(topology.params)})",
            )
            return None
        return Topo(name, tuple(args), span) if ok else None

    def free_params(self, name: str) -> list[str]:
        """The parameters of a primitive or alias that a call may still give."""
        if name in self.aliases:
            alias = self.aliases[name]
            bound = dict(alias.bound)
            return [p for p, _ in self.primitives[alias.prim.op].params if p not in bound]
        return [p for p, _ in self.primitives[name].params]

    def chooser(self, name: str, alternatives: list[Alternative], span: Span) -> NT:
        """The nonterminal that stands for a value choice: one alternative per value."""
        if name not in self.made:
            self.made[name] = Rule(name, tuple(alternatives), None, span)
        return NT(name, span)

    def rule_call(self, obj: Any, source: Source) -> Template | None:
        """``B(16, K)`` of a parametrised rule ``B(width, kernel) ::= ...``: the rule
        instantiated with the values; a nonterminal choosing among instances when an
        argument is a value choice."""
        rule = self.templates[obj.name]
        self.used_values.add(obj.name)
        span = source.span_of(obj)
        signature = f"{obj.name}({', '.join(rule.params)})"
        given = self.bind_arguments(obj, source, list(rule.params), list(rule.params), signature)
        if given is None:
            return None
        missing = [p for p in rule.params if p not in given]
        if missing:
            self.report(
                "E202", f"'{obj.name}' needs a value for {', '.join(missing)}", span, signature
            )
            return None
        instances: list[Alternative] = []
        for chosen, weight in self.tied_combinations(obj.args, list(rule.params), given):
            values = tuple(chosen[p] for p in rule.params)
            if self.clause(rule, values, self.names[rule.name], span) is None:
                return None
            name = self.instance(rule, values)
            instances.append(Alternative(NT(name, span), weight, span))
        if len(instances) == 1:
            return instances[0].template
        return self.chooser(self.choice_name(obj, list(rule.params)), instances, span)

    def instance(self, rule: RuleTemplate, values: tuple[Value, ...]) -> str:
        """The rule ``B(16, 3)``: a parametrised rule with its parameters bound."""
        name = f"{rule.name}({', '.join(format_value(v) for v in values)})"
        if name in self.made or name in self._resolving:
            return name
        self._resolving.add(name)
        self.instances.setdefault(rule.name, []).append(name)
        self.instance_values[name] = values
        declared = self.names[rule.name]
        clause = self.clause(rule, values, declared, rule.span)
        if clause is None:
            alternatives: list[Alternative] = []
        else:
            obj, source, env = clause
            saved, self.env = self.env, env
            alternatives = self.alternatives(obj, source)
            self.env = saved
        self._resolving.discard(name)
        self.made[name] = Rule(name, tuple(alternatives), rule.doc, rule.span)
        return name

    def clause_params(self, name: str, obj: Any) -> tuple[str, ...]:
        """A parametrised rule's parameter names; a position that every clause fixes
        by a literal is named by its place (``arg2``)."""
        clauses = [c for c, _ in self.clauses.get(name, [(obj, None)])]
        names = []
        for i in range(len(obj.params)):
            written = [c.params[i] for c in clauses if i < len(c.params)]
            named = [str(p) for p in written if isinstance(p, str)]
            names.append(named[0] if named else f"arg{i + 1}")
        return tuple(names)

    def clause(
        self, rule: RuleTemplate, values: tuple[Value, ...], declared: _Declared, span: Span | None
    ) -> tuple[Any, Source, dict[str, Value]] | None:
        """The first clause whose literal parameters equal ``values``, with the values of
        its named parameters; None (reported, E210) when no clause matches."""
        clauses = self.clauses.get(rule.name, [(declared.obj, declared.source)])
        for obj, source in clauses:
            env: dict[str, Value] = {}
            for written, value in zip(obj.params, values, strict=False):
                if isinstance(written, str):
                    env[written] = value
                elif not _same_value(self.constant(written), value):
                    break
            else:
                if len(obj.params) == len(values):
                    return obj, source, env
        shown = f"{rule.name}({', '.join(format_value(v) for v in values)})"
        self.report(
            "E210",
            f"no clause of '{rule.name}' matches {shown}",
            span,
            "each clause fixes some parameters by value (`PRE(c, 1) ::= ...`); add a clause "
            "for these values or one with a parameter name in that place",
        )
        return None

    def alternatives(self, obj: Any, source: Source) -> list[Alternative]:
        alternatives = []
        for alt in obj.alternatives:
            template = self.template(alt.term, source)
            if template is None:  # its error is reported; the names it uses still count
                self.dropped_names.update(_syntax_names(alt.term))
                continue
            alt_span = source.span_of(alt.term)
            alternatives.append(Alternative(template, self.weight(alt, source), alt_span))
        return alternatives

    def weight(self, alt: Any, source: Source) -> float:
        """An alternative's sampling weight (1 when none is written); E203 when it is not
        in (0, MAX_WEIGHT]."""
        weight = float(alt.weight) if alt.weight else 1.0
        if not 0 < weight <= MAX_WEIGHT:
            self.report(
                "E203",
                f"a weight must be greater than 0 and at most {MAX_WEIGHT:g}, got {weight:.3g}",
                source.span_of(alt),
                "weights are relative: scale them all down"
                if weight > 0
                else "leave the alternative out instead",
            )
            return 1.0
        return weight

    def classify_rules(self) -> None:
        """Value rules (``K ::= 3 | 5``) and parametrised rules (``B(w, s) ::= ...``)."""
        for name, declared in self.names.items():
            if declared.kind != "Rule":
                continue
            obj, source = declared.obj, declared.source
            span = self.name_span(source, obj, name)
            first = obj.alternatives[0].term
            if _kind(first) != "Call" or self._names_value(first):  # a choice of values
                if obj.params:
                    self.report("E202", f"the value choice '{name}' takes no parameters", span)
                options: list[tuple[Value, float]] = []
                for alt in obj.alternatives:
                    got = self.options(alt.term, source)
                    if got is None:
                        continue
                    weight = self.weight(alt, source)
                    value = got[0][0]
                    if any(value == v and type(value) is type(v) for v, _ in options):
                        self.report(
                            "E301",
                            f"'{name}' lists the value {format_value(value)} twice",
                            source.span_of(alt.term),
                        )
                        continue
                    options.append((value, weight))
                self.value_rules[name] = ValueRule(name, tuple(options), _doc(obj), span)
            elif obj.params:
                params = self.clause_params(name, obj)
                if len(set(params)) != len(params):
                    self.report("E204", f"rule '{name}' names a parameter twice", span)
                first = obj.alternatives[0]._tx_position
                body = " ".join(source.text[first : obj._tx_position_end].split())
                self.templates[name] = RuleTemplate(name, params, _doc(obj), span, body)

    def _names_value(self, term: Any) -> bool:
        return not term.args and term.name in self.params and term.name not in self.names

    def rules(self) -> list[Rule]:
        rules: list[Rule] = []
        for name, declared in self.names.items():
            if declared.kind != "Rule" or name in self.value_rules or name in self.templates:
                continue
            obj, source = declared.obj, declared.source
            alternatives = self.alternatives(obj, source)
            rules.append(
                Rule(name, tuple(alternatives), _doc(obj), self.name_span(source, obj, name))
            )
        self.check_unused_templates()
        check_unused_composites(self, self.used_values)
        unused: list[ValueRule | RuleTemplate] = [
            *(v for n, v in self.value_rules.items() if n not in self.used_values),
            *(t for n, t in self.templates.items() if n not in self.used_values),
        ]
        for item in unused:
            if item.span is not None and item.span.path == self.modules.main:
                what = "value choice" if isinstance(item, ValueRule) else "parametrised rule"
                self.diagnostics.append(
                    warning("W500", f"{what} '{item.name}' is never used", item.span)
                )
        return rules + list(self.made.values())

    def check_unused_templates(self) -> None:
        """A parametrised rule no term instantiates is still checked for its names."""
        for name, rule in self.templates.items():
            if name in self.instances:
                continue
            declared = self.names[name]
            kept = len(self.diagnostics)
            saved, self.env = self.env, {p: 1 for p in rule.params}
            self.alternatives(declared.obj, declared.source)
            self.env = saved
            self.diagnostics[kept:] = [d for d in self.diagnostics[kept:] if d.code != "E203"]


def _combinations(
    choices: list[list[tuple[Value, float]]],
) -> list[tuple[tuple[Value, ...], float]]:
    """Every way of picking one value per argument, with the product of the weights."""
    combos: list[tuple[tuple[Value, ...], float]] = [((), 1.0)]
    for options in choices:
        combos = [((*c, v), w * vw) for c, w in combos for v, vw in options]
    return combos


def _literal_text(obj: Any) -> str:
    kind = _kind(obj)
    if kind == "Choice":
        return "(" + " | ".join(_literal_text(o) for o in obj.options) + ")"
    if kind == "Call":
        return str(obj.name)
    if kind == "Relative":
        return f"*{obj.factor.value}"
    if kind == "Quoted":
        return repr(obj.value)
    if kind == "Sizes":
        return "[" + ", ".join(str(item.value) for item in obj.sizes) + "]"
    return str(obj.value)


def _syntax_names(obj: Any) -> Iterator[str]:
    """Every name a syntax object (a term as parsed) mentions, at any depth."""
    stack = [obj]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
            continue
        attrs = getattr(item, "_tx_attrs", None)
        if attrs is None:
            continue
        name = getattr(item, "name", None)
        if isinstance(name, str):
            yield name
        stack.extend(getattr(item, attr, None) for attr in attrs)


def lower(
    modules: ModuleSet,
    overrides: Mapping[str, str] | None = None,
    dropped: set[str] | None = None,
) -> tuple[Space | None, list[Diagnostic]]:
    """The Space of a parsed module set, and what is wrong with its names and values.

    ``dropped``, when given, receives the names used by alternatives left out for
    their errors (so no check calls a rule they use unused)."""
    state = Lowering(modules, overrides or {})
    if dropped is not None:
        state.dropped_names = dropped
    state.declare()
    state.apply_overrides()
    state.lower_primitives()
    state.classify_rules()
    classify_composites(state)
    state.lower_aliases()
    state.lower_topologies()
    rules = state.rules()

    main = modules.modules.get(modules.main)
    if main is None:
        return None, state.diagnostics
    source = main.source
    input_spec: InputSpec | None = None
    start: str | None = None
    connected = False
    budgets: list[tuple[str, float]] = []
    limits: list[EdgeLimit] = []
    prune_unreachable = False
    depth: dict[str, int] = {}
    shared: set[str] = set()
    ties: list[tuple[str, tuple[int, ...], Span]] = []
    rule_names = {rule.name for rule in rules} | set(state.templates)
    for path in modules.order:
        module = modules.modules[path]
        for statement in module.model.statements:
            kind = _kind(statement)
            span = module.source.span_of(statement)
            if kind == "Input" and path == modules.main:
                if input_spec is not None:
                    state.report(
                        "E204", f"the input is already declared at {input_spec.span}", span
                    )
                    continue
                layout: Layout = statement.layout or "channels"
                dims = tuple(int(d) for d in statement.dims)
                wanted = {"channels": (2, 4), "sequence": (2, 2), "vector": (1, 1)}[layout]
                if not wanted[0] <= len(dims) <= wanted[1] or any(d < 1 for d in dims):
                    state.report(
                        "E203",
                        f"a {layout} input needs {_dims_words(layout)} of positive sizes, got {list(dims)}",
                        span,
                    )
                    continue
                input_spec = InputSpec(layout, dims, span)
            elif kind == "Start" and path == modules.main:
                target = state.name_span(module.source, statement, statement.name)
                if statement.name not in rule_names:
                    state.report(
                        "E205",
                        f"start names '{statement.name}', which is not a rule"
                        + suggest(statement.name, rule_names),
                        target,
                    )
                elif start is not None:
                    state.report("E204", "the start symbol is already given", span)
                else:
                    start = statement.name
            elif kind == "Shared":
                for item in statement.names:
                    name = str(item.name)
                    keys = [str(k) for k in item.keys]
                    where = state.name_span(module.source, statement, name)
                    if name in state.value_rules:
                        state.report(
                            "E205",
                            f"shared names the value choice '{name}'; pass it to a "
                            "parametrised rule to fix one value within a scope",
                            where,
                        )
                    elif name not in rule_names:
                        state.report(
                            "E205",
                            f"shared names '{name}', which is not a rule"
                            + suggest(name, rule_names),
                            where,
                        )
                    elif name in state.templates:
                        params = state.templates[name].params
                        unknown = [k for k in keys if k not in params]
                        if unknown:
                            state.report(
                                "E201",
                                f"shared {name}({', '.join(keys)}): '{name}' has no parameter "
                                f"'{unknown[0]}'" + suggest(unknown[0], params),
                                where,
                                f"{name}({', '.join(params)})",
                            )
                        elif item.scoped and set(keys) != set(params):
                            ties.append((name, tuple(params.index(k) for k in keys), where))
                        else:
                            shared.update(state.instances.get(name, ()))
                    elif item.scoped:
                        state.report(
                            "E202",
                            f"shared {name}({', '.join(keys)}): '{name}' is not a "
                            "parametrised rule, so it has no parameters to share by",
                            where,
                            f"write `shared {name}`",
                        )
                    else:
                        shared.add(name)
            elif kind == "Prune":
                prune_unreachable = True
            elif kind == "Constraint":
                if statement.kind == "connected":
                    connected = True
                elif statement.kind in ("params", "macs"):
                    limit = float(statement.limit)
                    if limit <= 0:
                        state.report("E203", f"a {statement.kind} budget must be > 0", span)
                    else:
                        budgets.append((str(statement.kind), limit))
                elif statement.kind in ("edges", "inputs"):
                    target = statement.target
                    if target not in state.topologies or target in (SEQUENTIAL, CASCADE):
                        state.report(
                            "E205",
                            f"constraint {statement.kind} names '{target}', which is not a "
                            "topology" + suggest(target, state.topologies),
                            state.name_span(module.source, statement, target),
                        )
                    elif statement.kind == "edges" and int(statement.bound) < 1:
                        state.report("E203", "an edge bound must be at least 1", span)
                    elif statement.kind == "inputs" and int(statement.bound) < 1:
                        state.report("E203", "an inputs bound must be at least 1", span)
                    else:
                        nodes = tuple(int(n) for n in getattr(statement, "nodes", []) or [])
                        if _bad_nodes(state, state.topologies[target], nodes, span):
                            continue
                        limits.append(
                            EdgeLimit(
                                target, str(statement.kind), int(statement.bound), span, nodes
                            )
                        )
                elif statement.target not in rule_names:
                    state.report(
                        "E205",
                        f"constraint depth names '{statement.target}', which is not a rule"
                        + suggest(statement.target, rule_names),
                        state.name_span(module.source, statement, statement.target),
                    )
                elif int(statement.bound) < 1:
                    state.report("E203", "a depth bound must be at least 1", span)
                else:
                    for target in state.instances.get(statement.target, [statement.target]):
                        depth[target] = min(int(statement.bound), depth.get(target, 10**9))

    main_rules = [
        s
        for s in main.model.statements
        if _kind(s) == "Rule" and s.name not in state.value_rules and s.name not in state.templates
    ]
    if not main_rules:
        state.report(
            "E300",
            "the file has no rules, so it describes no architectures",
            source.span(0, 0),
            "write at least one rule, such as `ARCH ::= Sequential(conv(16), relu)`",
        )
        return None, state.diagnostics
    if start is None:
        start = main_rules[0].name
    tied = _tie(state, rules, ties, shared)
    if tied:
        rules = retarget(rules, {m: rep for rep, members in tied for m in members})
    space = Space(
        start=start,
        rules=tuple(rules),
        topologies=tuple(state.topologies.values()),
        primitives=tuple(state.primitives.values()),
        aliases=tuple(state.aliases.values()),
        params=tuple(state.params.values()),
        input=input_spec,
        connected=connected,
        prune_unreachable=prune_unreachable,
        depth_bounds=tuple(sorted(depth.items())),
        shared=frozenset(shared),
        edge_limits=tuple(limits),
        budgets=tuple(budgets),
        value_rules=tuple(state.value_rules.values()),
        rule_templates=tuple(state.templates.values()),
        composites=tuple(state.composites.values()),
        ties=tuple(tied),
        path=modules.main,
    )
    return space, _distinct(state.diagnostics)


def _tie(
    state: Lowering,
    rules: list[Rule],
    ties: list[tuple[str, tuple[int, ...], Span]],
    shared: set[str],
) -> list[tuple[str, tuple[str, ...]]]:
    """`shared CELL(kind)`: the instances of CELL grouped by `kind`; a group of several
    is a tie (its first instance the representative, which is shared) once their
    structures agree (E308 otherwise)."""
    by_name = {rule.name: rule for rule in rules}
    found: list[tuple[str, tuple[str, ...]]] = []
    for name, keys, span in ties:
        instances = state.instances.get(name, [])
        for group in group_by(instances, state.instance_values, keys):
            rep = group[0]
            shared.add(rep)
            if len(group) == 1:
                continue
            ok = True
            for member in group[1:]:
                why = different_structure(by_name, rep, member)
                if why is not None:
                    state.report(
                        "E308",
                        f"shared {name}(...) ties {rep} and {member}, which differ in their "
                        f"choices: {why}",
                        span,
                        "tied instances must make the same choices; share by more "
                        "parameters, or make the rule's alternatives the same for each value",
                    )
                    ok = False
                    break
            if ok:
                found.append((rep, tuple(group[1:])))
    return found


def _clause_of(earlier: _Declared, obj: Any) -> bool:
    """Whether ``obj`` is another clause of the parametrised rule ``earlier`` declared:
    both have parameters, as many, and some are literal values."""
    first = earlier.obj
    if earlier.kind != "Rule" or first is None or not first.params or not obj.params:
        return False
    if len(first.params) != len(obj.params):
        return False
    return any(not isinstance(p, str) for p in (*first.params, *obj.params))


def _same_value(a: Value, b: Value) -> bool:
    return a == b and (type(a) is type(b) or {type(a), type(b)} <= {int, float})


def _bad_nodes(state: Lowering, topology: Topology, nodes: tuple[int, ...], span: Span) -> bool:
    """Whether `inputs(T, n, ...)` names a node that is not an inner node of T (reported)."""
    last = topology.node_count(0) - 1
    for node in nodes:
        if not topology.inputs <= node <= last:
            state.report(
                "E305",
                f"constraint inputs({topology.name}, ...) names node {node}, which is "
                + ("an input" if node < topology.inputs else "not a node of the topology"),
                span,
                f"name nodes from {topology.inputs} to {last}",
            )
            return True
    if len(set(nodes)) != len(nodes):
        state.report("E204", f"constraint inputs({topology.name}, ...) names a node twice", span)
        return True
    return False


def _distinct(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    """Each finding once: a parametrised rule's body is lowered once per instance."""
    seen: set[tuple[str, str, str]] = set()
    kept = []
    for d in diagnostics:
        key = (d.code, d.message, str(d.span))
        if key not in seen:
            seen.add(key)
            kept.append(d)
    return kept


def _dims_words(layout: str) -> str:
    return {
        "channels": "[C, L], [C, H, W] or [C, D, H, W]",
        "sequence": "[L, D]",
        "vector": "[D]",
    }[layout]
