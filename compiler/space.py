"""The Space IR: a checked search-space grammar as frozen, hashable values.

Source positions sit beside the values (``compare=False``), so two spaces, rules
or templates are equal when they mean the same thing, whatever file they came
from. Only `nasc.compiler.check.lower` builds these from source text.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from nasc.compiler.memo import SpaceMemo
from nasc.compiler.shapes import Layout, Shape
from nasc.compiler.values import Value
from nasc.dsl import Span

if TYPE_CHECKING:
    from nasc.compiler.derive.derivation import Derivation

SEQUENTIAL = "Sequential"


@dataclass(frozen=True, slots=True)
class Prim:
    """A primitive with every parameter resolved (defaults filled, params substituted).

    ``text`` is how the primitive reads in a term: the alias name (``conv3x3``) or
    the call as written in canonical form (``conv(16, kernel=3)``).

    A use of a composite operation (``op se(ratio=0.25) = Binary(...)``) is a `Prim`
    too: ``op`` is the composite's name, ``params`` its parameters' values, and
    ``body`` the sub-network it stands for, with those values in place (it holds no
    nonterminals). It stays one unit in terms and derivations; the Graph builder
    expands its body in a scope of its own.
    """

    op: str
    params: tuple[tuple[str, Value], ...]
    text: str
    span: Span | None = field(default=None, compare=False)
    body: Template | None = None

    def param(self, name: str) -> Value:
        for key, value in self.params:
            if key == name:
                return value
        raise KeyError(name)

    @property
    def param_dict(self) -> dict[str, Value]:
        return dict(self.params)


@dataclass(frozen=True, slots=True)
class NT:
    """A reference to a nonterminal."""

    name: str
    span: Span | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class Topo:
    """A topology applied to argument templates (``Cell(OP, OP, ...)``)."""

    name: str
    args: tuple[Template, ...]
    span: Span | None = field(default=None, compare=False)


Template = Prim | NT | Topo


def nonterminals_in(template: Template) -> Iterator[NT]:
    """The nonterminal references of a template, left to right."""
    if isinstance(template, NT):
        yield template
    elif isinstance(template, Topo):
        for arg in template.args:
            yield from nonterminals_in(arg)


def template_text(template: Template) -> str:
    """The template as it reads in the source (canonical spacing)."""
    if isinstance(template, Prim):
        return template.text
    if isinstance(template, NT):
        return template.name
    return f"{template.name}({', '.join(template_text(a) for a in template.args)})"


@dataclass(frozen=True, slots=True)
class Alternative:
    template: Template
    weight: float = 1.0
    span: Span | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class Rule:
    name: str
    alternatives: tuple[Alternative, ...]
    doc: str | None = field(default=None, compare=False)
    span: Span | None = field(default=None, compare=False)

    def first_alternatives(self) -> dict[Template, int]:
        """For each distinct template, the index of the first alternative that has it."""
        first: dict[Template, int] = {}
        for index, alt in enumerate(self.alternatives):
            first.setdefault(alt.template, index)
        return first


@dataclass(frozen=True, slots=True)
class ValueRule:
    """``K ::= 3 | 5``: a choice of values for primitive and rule arguments.

    A call with a value choice among its arguments (``conv(16, kernel=K)``) stands
    for a nonterminal of that name whose alternatives are the calls with each value;
    a value choice is thus counted, sampled and mutated like any other choice.
    """

    name: str
    options: tuple[tuple[Value, float], ...]
    doc: str | None = field(default=None, compare=False)
    span: Span | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class RuleTemplate:
    """``B(width, stride) ::= ...``: a rule with value parameters.

    Each use with values (``B(16, 2)``) is the rule of that name, its body with the
    parameters replaced; a `shared` parametrised rule ties the uses that have the
    same values (one derivation per scope the values name).
    """

    name: str
    params: tuple[str, ...]
    doc: str | None = field(default=None, compare=False)
    span: Span | None = field(default=None, compare=False)
    body: str = field(default="", compare=False)  # the alternatives as written


@dataclass(frozen=True, slots=True)
class EdgeLimit:
    """``constraint edges(T) <= k`` (``kind`` "edges": at most k edges of each use of T
    are not `zero`) or ``constraint inputs(T) == k`` ("inputs": every node of T but its
    input and output has exactly k incoming edges that are not `zero`)."""

    topology: str
    kind: str
    bound: int
    span: Span | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class Edge:
    """Edge ``source -> target`` of a topology, labelled by argument ``arg``."""

    source: int
    target: int
    arg: int


@dataclass(frozen=True, slots=True)
class Topology:
    """A topological operator: arguments label edges; nodes with several inputs merge.

    ``merge`` is ``"sum"``, ``"concat"``, or the name of the parameter that takes
    a binary operation. ``Sequential`` is variadic: its edges chain its arguments.
    """

    name: str
    params: tuple[str, ...]
    edges: tuple[Edge, ...]
    merge: str = "sum"
    variadic: bool = False
    doc: str | None = field(default=None, compare=False)
    span: Span | None = field(default=None, compare=False)

    @property
    def merge_arg(self) -> int | None:
        """Index of the argument that is the merge operation, if any."""
        if self.merge in ("sum", "concat"):
            return None
        return self.params.index(self.merge)

    def edges_for(self, arity: int) -> tuple[Edge, ...]:
        if self.variadic:
            return tuple(Edge(i, i + 1, i) for i in range(arity))
        return self.edges

    def node_count(self, arity: int) -> int:
        return 1 + max((e.target for e in self.edges_for(arity)), default=0)


@dataclass(frozen=True, slots=True)
class PrimitiveDecl:
    """A primitive as the standard library declares it."""

    name: str
    params: tuple[tuple[str, Value], ...]
    doc: str | None = field(default=None, compare=False)
    span: Span | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class Alias:
    """``op name = prim(...)``: a primitive with some parameters bound."""

    name: str
    prim: Prim
    bound: tuple[tuple[str, Value], ...]
    doc: str | None = field(default=None, compare=False)
    span: Span | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class CompositeOp:
    """``op se(ratio=0.25) = Binary(multi, id, ...)``: a named, parametrised sub-network
    of primitives and topologies. ``params`` are its parameters with their defaults
    (None: the use must give a value); ``body`` is the term as written."""

    name: str
    params: tuple[tuple[str, Value | None], ...]
    body: str
    doc: str | None = field(default=None, compare=False)
    span: Span | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class InputSpec:
    layout: Layout
    dims: tuple[int, ...]
    span: Span | None = field(default=None, compare=False)

    @property
    def shape(self) -> Shape:
        return Shape.from_dims(self.layout, self.dims)


@dataclass(frozen=True, slots=True)
class Param:
    name: str
    value: Value
    doc: str | None = field(default=None, compare=False)
    span: Span | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Space:
    """A search space: a grammar over primitives and topologies, and what constrains it."""

    start: str
    rules: tuple[Rule, ...]
    topologies: tuple[Topology, ...]
    primitives: tuple[PrimitiveDecl, ...] = ()
    aliases: tuple[Alias, ...] = ()
    params: tuple[Param, ...] = ()
    input: InputSpec | None = None
    connected: bool = False
    depth_bounds: tuple[tuple[str, int], ...] = ()
    shared: frozenset[str] = frozenset()
    edge_limits: tuple[EdgeLimit, ...] = ()
    budgets: tuple[tuple[str, float], ...] = ()  # ("params" | "macs", upper bound)
    value_rules: tuple[ValueRule, ...] = ()
    rule_templates: tuple[RuleTemplate, ...] = ()
    composites: tuple[CompositeOp, ...] = ()
    # `prune unreachable`: ops fed only by zero edges carry zeros onward instead of being
    # built (the hNB201 paper's semantics); by default they are built (NAS-Bench-201's)
    prune_unreachable: bool = False
    path: str = field(default="<space>", compare=False)

    @cached_property
    def rule_map(self) -> dict[str, Rule]:
        return {rule.name: rule for rule in self.rules}

    @cached_property
    def topology_map(self) -> dict[str, Topology]:
        return {topology.name: topology for topology in self.topologies}

    def rule(self, name: str) -> Rule:
        return self.rule_map[name]

    def topology(self, name: str) -> Topology:
        return self.topology_map[name]

    @cached_property
    def zero_patterns(self) -> bool:
        """Whether some constraint restricts which edges of a topology may be `zero`
        (`connected`, `edges(T) <= k`, `inputs(T) == k`): then a topology application
        is counted, sampled and changed per allowed zero pattern."""
        return self.connected or bool(self.edge_limits)

    def constrains(self, topology: str) -> bool:
        """Whether the zero patterns of this topology's applications are restricted."""
        return self.connected or topology in self.limits_of

    @cached_property
    def limits_of(self) -> dict[str, tuple[EdgeLimit, ...]]:
        found: dict[str, list[EdgeLimit]] = {}
        for limit in self.edge_limits:
            found.setdefault(limit.topology, []).append(limit)
        return {name: tuple(limits) for name, limits in found.items()}

    @cached_property
    def depth_bound(self) -> dict[str, int]:
        return dict(self.depth_bounds)

    @cached_property
    def memo(self) -> SpaceMemo:
        """Tables made from this space once, on first use, each under its own type
        (counting engines, term formats, the graph builder's compiled rules)."""
        return SpaceMemo(self)

    def count(self) -> int:
        """The exact number of architectures (`nasc.compiler.derive.counting.count`)."""
        from nasc.compiler.derive.counting import count

        return count(self)

    def sample(self, seed: int | None = None, sampler: str = "uniform") -> Derivation:
        """One architecture drawn with ``random.Random(seed)`` (`nasc.compiler.derive.sampling.sample`)."""
        import random

        from nasc.compiler.derive.sampling import sample

        return sample(self, random.Random(seed), sampler)

    @cached_property
    def docs(self) -> dict[str, str]:
        """Documentation of every named thing that has some (for hover and `nasc show`)."""
        named: list[
            Rule | Topology | PrimitiveDecl | Alias | Param | ValueRule | RuleTemplate | CompositeOp
        ] = [
            *self.composites,
            *self.value_rules,
            *self.rule_templates,
            *self.primitives,
            *self.aliases,
            *self.topologies,
            *self.params,
            *self.rules,
        ]
        return {item.name: item.doc for item in named if item.doc}
