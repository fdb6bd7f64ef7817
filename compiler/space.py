"""The Space IR: a checked search-space grammar as frozen, hashable values.

Source positions sit beside the values (``compare=False``), so two spaces, rules
or templates are equal when they mean the same thing, whatever file they came
from. Only `nasc.compiler.check.lower` builds these from source text.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
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
CASCADE = "Cascade"


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
    """A reference to a nonterminal.

    ``actual`` is set where the place belongs to a tie (``shared CELL(kind)``):
    derivations name the tie's representative ``name``, and the place is built (and
    written in terms) with the instance ``actual``, whose rule has the same choice
    structure with its own values.
    """

    name: str
    span: Span | None = field(default=None, compare=False)
    actual: str | None = None

    @property
    def place(self) -> str:
        """The rule this place is built with: ``actual`` where tied, else ``name``."""
        return self.actual or self.name


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
        return template.place
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
    inputs and output has exactly k incoming edges that are not `zero`;
    ``inputs(T, 4, 5) == k``: the nodes listed, ``nodes``)."""

    topology: str
    kind: str
    bound: int
    span: Span | None = field(default=None, compare=False)
    nodes: tuple[int, ...] = ()

    def counted_nodes(self, topology: Topology, arity: int) -> tuple[int, ...]:
        """The nodes an ``inputs`` limit counts the live incoming edges of."""
        if self.nodes:
            return self.nodes
        return tuple(range(topology.inputs, topology.node_count(arity) - 1))


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
    a binary operation: the merge of every node that ``node_merges`` (node, merge)
    does not override. Nodes ``0 .. inputs - 1`` are the topology's inputs, the last
    node its output. ``Sequential`` is variadic: its edges chain its arguments;
    ``Cascade`` is variadic too (for counting, a chain), but wires each argument to
    as many previous outputs as it has inputs (``cascade``).
    """

    name: str
    params: tuple[str, ...]
    edges: tuple[Edge, ...]
    merge: str = "sum"
    variadic: bool = False
    doc: str | None = field(default=None, compare=False)
    span: Span | None = field(default=None, compare=False)
    inputs: int = 1
    node_merges: tuple[tuple[int, str], ...] = ()
    cascade: bool = False

    @property
    def merge_arg(self) -> int | None:
        """Index of the argument that is the default merge operation, if any."""
        if self.merge in ("sum", "concat"):
            return None
        return self.params.index(self.merge)

    def merge_of(self, node: int) -> str:
        """How node ``node`` merges its incoming edges: sum, concat or an argument name."""
        for target, how in self.node_merges:
            if target == node:
                return how
        return self.merge

    @property
    def merge_args(self) -> tuple[int, ...]:
        """Indices of every argument that is a merge operation (default or per node)."""
        names = {self.merge, *(how for _, how in self.node_merges)} - {"sum", "concat"}
        return tuple(i for i, p in enumerate(self.params) if p in names)

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
    # `shared CELL(kind)`: (representative, instances) of each tie of several instances
    ties: tuple[tuple[str, tuple[str, ...]], ...] = ()
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
    def arities(self) -> dict[str, int]:
        """How many inputs each nonterminal's terms take: that of its first alternative
        (`nasc.compiler.check.grammar.input_arities` reports rules whose alternatives differ)."""
        found: dict[str, int] = {}
        active: set[str] = set()

        def of_rule(name: str) -> int:
            if name in found:
                return found[name]
            rule = self.rule_map.get(name)
            if rule is None or not rule.alternatives or name in active:
                return 1
            active.add(name)
            n = found[name] = self.arity(rule.alternatives[0].template, of_rule)
            active.discard(name)
            return n

        for rule in self.rules:
            of_rule(rule.name)
        return found

    def arity(self, template: Template, of_rule: Callable[[str], int] | None = None) -> int:
        """How many inputs a term takes: 1, or a multi-input topology's ``inputs``."""
        if isinstance(template, Prim):
            return 1
        if isinstance(template, NT):
            if of_rule is not None:
                return of_rule(template.place)
            return self.arities.get(template.place, 1)
        topology = self.topology_map.get(template.name)
        return 1 if topology is None else topology.inputs

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
