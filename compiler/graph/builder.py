"""Lowering a derivation to a Graph, inferring every tensor's shape on the way.

Every alternative of a space is compiled once into a plan: the chain of steps
its template takes a value through (nonterminals to expand, primitives to
apply, topologies to flatten into their nodes), with the index of each child
derivation and the scope name of each nonterminal worked out beforehand.
Building then walks the derivation through these plans from the space's input.
A value on the way is a node index, or `_Zero` for a path that `zero` edges cut
off: sums drop such paths, other consumers get a constant zero node. An op fed
only by such a path is built on that zero node (NAS-Bench-201's semantics), or,
in a space that declares `prune unreachable`, pruned: its output is a `_Zero`
too. Nodes that do not feed the output are removed last.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from nasc.compiler.derive.derivation import Derivation, as_instance
from nasc.compiler.derive.terms import format_term
from nasc.compiler.graph.ir import Graph, IROp, Node
from nasc.compiler.ops import OPS, out_channels
from nasc.compiler.shapes import Shape, ShapeError, broadcast
from nasc.compiler.space import NT, Edge, Prim, Space, Template, Topology, nonterminals_in
from nasc.compiler.values import Value
from nasc.dsl import NascError
from nasc.dsl.diagnostics import error


@dataclass(frozen=True, slots=True)
class _Zero:
    """The value of a path cut by `zero` edges: all zeros of this shape."""

    shape: Shape


Ref = int | _Zero
_Row = tuple[IROp, tuple[int, ...], Shape, tuple[tuple[str, Value], ...], str, str]
_Made = tuple[IROp, Shape, tuple[tuple[str, Value], ...]]
_node = Node._make


# ---- plans: the steps of a template


@dataclass(frozen=True, slots=True)
class _Expand:
    """Expand child derivation ``index`` (of nonterminal ``nt``) in scope ``+ suffix``;
    a tied place (``actual``) is built with its own instance of the tie."""

    index: int
    nt: str
    suffix: str
    actual: str | None = None


@dataclass(frozen=True, slots=True)
class _Apply:
    """Apply a primitive; ``made`` remembers its node for each input shape (by the
    id of the space's one object for that shape), ``last`` the shape and node it
    made last (shapes repeat: comparing one is cheaper still)."""

    prim: Prim
    made: dict[int, _Made] = field(default_factory=dict, compare=False)
    last: list[Any] = field(default_factory=lambda: [None, None], compare=False)


@dataclass(frozen=True, slots=True)
class _Cut:
    """A `zero` edge; a strided one (``zero(stride=2)``) shrinks the shape it carries."""

    stride: int = 1


@dataclass(frozen=True, slots=True)
class _Scoped:
    """A composite operation's body, its nodes in scope ``+ suffix`` (``/se(0.5)#0``)."""

    chain: _Chain
    suffix: str


@dataclass(frozen=True, slots=True)
class _Misplaced:
    """A binary operation on an edge: an error when reached."""

    prim: Prim


@dataclass(frozen=True, slots=True)
class _Flatten:
    """A topology with merges: for each node after the input, its incoming edges as
    (source node, argument, the argument's steps); the merge argument's template
    and the index of its first child derivation."""

    topology: Topology
    incoming: tuple[tuple[tuple[int, int, _Chain], ...], ...]
    merges: tuple[tuple[int, Template, int], ...]  # (argument, template, first child)


@dataclass(frozen=True, slots=True)
class _Cascade:
    """`Cascade(...)`: each element's steps and how many inputs it takes."""

    elements: tuple[tuple[_Chain, int], ...]


_Step = _Expand | _Apply | _Cut | _Misplaced | _Flatten | _Scoped | _Cascade
_Chain = tuple[_Step, ...]
_CUT = _Cut()


@dataclass(frozen=True, slots=True)
class _Plan:
    """An alternative compiled: its steps and how many child derivations it takes."""

    chain: _Chain
    children: int


class _Compiler:
    """Plans of a space's alternatives, compiled on first use."""

    def __init__(self, space: Space) -> None:
        self.space = space
        self.plans: dict[str, tuple[_Plan, ...]] = {}
        # one object for each shape met: nodes made for a shape are found by its id
        self.shapes: dict[Shape, Shape] = {}

    def shape(self, shape: Shape) -> Shape:
        """The space's one object equal to ``shape``."""
        return self.shapes.setdefault(shape, shape)

    def alternatives(self, nt: str) -> tuple[_Plan, ...] | None:
        found = self.plans.get(nt)
        if found is None:
            rule = self.space.rule_map.get(nt)
            if rule is None:
                return None
            found = self.plans[nt] = tuple(
                _Plan(self.chain(alt.template, 0, {}), _count(alt.template))
                for alt in rule.alternatives
            )
        return found

    def chain(self, t: Template, first: int, seen: dict[str, int]) -> _Chain:
        """The steps of ``t``, whose first child derivation is ``first``; ``seen``
        counts the nonterminals named so far, in the order building meets them."""
        if isinstance(t, NT):
            index = seen.get(t.place, 0)
            seen[t.place] = index + 1
            return (_Expand(first, t.name, f"/{t.place}#{index}", t.actual),)
        if isinstance(t, Prim) and t.body is not None:  # a composite: no nonterminals inside
            index = seen.get(t.text, 0)
            seen[t.text] = index + 1
            return (_Scoped(self.chain(t.body, first, {}), f"/{t.text}#{index}"),)
        if isinstance(t, Prim):
            kind = OPS[t.op].kind
            if kind == "identity":
                return ()
            if kind == "zero":
                stride = t.param_dict.get("stride", 1)
                assert isinstance(stride, int)
                return (_CUT,) if stride == 1 else (_Cut(stride),)
            if kind == "binary":
                return (_Misplaced(t),)
            return (_Apply(t),)
        topology = self.space.topology_map[t.name]
        firsts = []
        for arg in t.args:
            firsts.append(first)
            first += _count(arg)
        if topology.cascade:
            return (
                _Cascade(
                    tuple(
                        (self.chain(arg, start, seen), self.space.arity(arg))
                        for arg, start in zip(t.args, firsts, strict=True)
                    )
                ),
            )
        if topology.variadic:  # Sequential: a chain, no merges
            return tuple(
                step
                for arg, start in zip(t.args, firsts, strict=True)
                for step in self.chain(arg, start, seen)
            )
        incoming = _incoming(topology, len(t.args))
        nodes = tuple(
            tuple(
                (edge.source, edge.arg, self.chain(t.args[edge.arg], firsts[edge.arg], seen))
                for edge in edges
            )
            for edges in incoming[topology.inputs :]
        )
        merges = tuple((i, t.args[i], firsts[i]) for i in topology.merge_args)
        return (_Flatten(topology, nodes, merges),)


def _count(template: Template) -> int:
    return sum(1 for _ in nonterminals_in(template))


def _incoming(topology: Topology, arity: int) -> tuple[tuple[Edge, ...], ...]:
    """For each node of the topology, its incoming edges (node 0 has none)."""
    edges = topology.edges_for(arity)
    return tuple(
        tuple(e for e in edges if e.target == node) for node in range(topology.node_count(arity))
    )


def _compiler(space: Space) -> _Compiler:
    return space.memo.get(_Compiler)


# ---- building


class _Builder:
    def __init__(self, space: Space, derivation: Derivation) -> None:
        if space.input is None:
            raise NascError(
                error(
                    "E600",
                    "the space declares no `input` shape; add e.g. `input [3, 32, 32]`",
                    None,
                )
            )
        self.space = space
        self.root = derivation
        # every node made; those that do not feed the output are dropped at the end
        self.compiler = _compiler(space)
        shape = self.compiler.shape(space.input.shape)
        self.rows: list[Node] = [Node(IROp.INPUT, (), shape, (), "input", "")]
        self.shapes: list[Shape] = [shape]
        self.plans = self.compiler.plans
        self.prune = space.prune_unreachable
        self.instances: dict[tuple[Derivation, str], Derivation] = {}

    # ---- errors

    def fail(self, message: str, scope: str, *notes: str) -> NascError:
        term = describe(self.space, self.root)
        return NascError(error("E601", f"{message} (at {scope})", None, f"in {term}", *notes))

    # ---- expansion

    def derivation(self, d: Derivation, ref: Ref, scope: str) -> Ref:
        plans = self.compiler.alternatives(d.nt)
        if plans is None or not 0 <= d.alt < len(plans):
            raise self.fail(
                f"the derivation chooses {d.nt} alternative {d.alt}, which the space lacks", scope
            )
        plan = plans[d.alt]
        if plan.children != len(d.children):
            raise self.fail(
                f"{d.nt} alternative {d.alt} names {plan.children} nonterminals but the "
                f"derivation gives {len(d.children)}",
                scope,
            )
        out: Ref = self.run(plan.chain, d.children, ref, scope)
        return out

    def run(self, chain: _Chain, children: Sequence[Derivation], ref: Any, scope: str) -> Any:
        """``ref`` through the steps: a `Ref`, or a tuple of them for a multi-input term."""
        for step in chain:
            if isinstance(step, _Expand):
                child = children[step.index]
                if child.nt != step.nt:
                    raise self.fail(
                        f"expected a derivation of {step.nt}, got one of {child.nt}", scope
                    )
                if step.actual is not None:
                    child = self.instance(child, step.actual)
                plans = self.plans.get(child.nt)
                plan = plans[child.alt] if plans and 0 <= child.alt < len(plans) else None
                if plan is None or plan.children != len(child.children):
                    # the slow way: finds the plans, or says what is wrong
                    ref = self.derivation(child, ref, scope + step.suffix)
                else:
                    ref = self.run(plan.chain, child.children, ref, scope + step.suffix)
            elif isinstance(step, _Apply):
                ref = self.apply(step, ref, scope)
            elif isinstance(step, _Flatten):
                ref = self.flatten(step, children, ref, scope)
            elif isinstance(step, _Scoped):
                ref = self.run(step.chain, (), ref, scope + step.suffix)
            elif isinstance(step, _Cascade):
                ref = self.cascade(step, children, ref, scope)
            elif isinstance(step, _Cut):
                shape = self.shape(ref)
                if step.stride != 1:
                    shape = self.compiler.shape(OPS["zero"].shape(shape, {"stride": step.stride}))
                ref = _Zero(shape)
            else:
                raise self.fail(
                    f"'{step.prim.text}' is a binary operation used on an edge",
                    scope,
                    "binary operations merge two paths: pass it as a topology's merge argument",
                )
        return ref

    def instance(self, d: Derivation, actual: str) -> Derivation:
        """A tie's derivation as that of the instance this place builds."""
        key = (d, actual)
        found = self.instances.get(key)
        if found is None:
            found = self.instances[key] = as_instance(self.space, d, actual)
        return found

    def flatten(self, step: _Flatten, children: Sequence[Derivation], ref: Any, scope: str) -> Ref:
        topology = step.topology
        ops = {
            topology.params[arg]: self.binary_op(template, children[first:], scope)
            for arg, template, first in step.merges
        }
        values: list[Ref] = list(ref) if topology.inputs > 1 else [ref]
        if len(values) != topology.inputs:
            raise self.fail(
                f"'{topology.name}' takes {topology.inputs} inputs but gets {len(values)}", scope
            )
        for node, edges in enumerate(step.incoming, topology.inputs):
            arriving = [
                (arg, self.run(chain, children, values[source], scope))
                for source, arg, chain in edges
            ]
            how = topology.merge_of(node)
            values.append(self.merge(topology, node, arriving, how, ops.get(how), scope))
        return values[-1]

    def cascade(self, step: _Cascade, children: Sequence[Derivation], ref: Any, scope: str) -> Ref:
        """Element k with m inputs takes the m outputs before it (the input where fewer)."""
        outputs: list[Ref] = [ref]
        for chain, m in step.elements:
            sources = tuple(outputs[max(0, len(outputs) - m + j)] for j in range(m))
            outputs.append(self.run(chain, children, sources[0] if m == 1 else sources, scope))
        return outputs[-1]

    def binary_op(self, t: Template, children: Sequence[Derivation], scope: str) -> Prim:
        """The binary primitive a topology's merge argument stands for."""
        while isinstance(t, NT):
            d = children[0]
            t, children = self.space.rule(d.nt).alternatives[d.alt].template, d.children
        if isinstance(t, Prim) and t.body is None and OPS[t.op].kind == "binary":
            return t
        raise self.fail("a topology's merge argument must be a binary operation", scope)

    # ---- nodes

    def add(self, row: _Row) -> int:
        self.rows.append(_node(row))
        self.shapes.append(row[2])
        return len(self.rows) - 1

    def materialize(self, ref: Ref, scope: str) -> int:
        if isinstance(ref, int):
            return ref
        return self.add((IROp.ZERO, (), ref.shape, (), scope, "zero"))

    def shape(self, ref: Ref) -> Shape:
        return ref.shape if isinstance(ref, _Zero) else self.shapes[ref]

    def apply(self, step: _Apply, ref: Ref, scope: str) -> Ref:
        if type(ref) is not int and self.prune:
            return self.pruned(step.prim, self.shape(ref), scope)
        source = ref if type(ref) is int else self.materialize(ref, scope)
        shape = self.shapes[source]
        prim = step.prim
        last_shape, made = step.last
        if shape is not last_shape:
            made = step.made.get(id(shape))
        if made is None:
            try:
                out = OPS[prim.op].shape(shape, prim.param_dict)
            except ShapeError as exc:
                raise self.fail(
                    f"'{prim.text}' cannot take its input {shape}: {exc}", scope
                ) from None
            attrs = tuple(_resolve(name, value, shape) for name, value in prim.params)
            if OPS[prim.op].kind == "plugin":
                ir_op, attrs = IROp.PLUGIN, (("primitive", prim.op), *attrs)
            else:
                ir_op = IROp(prim.op)
            made = step.made[id(shape)] = (ir_op, self.compiler.shape(out), attrs)
        step.last[:] = shape, made
        ir_op, out, attrs = made
        self.rows.append(_node((ir_op, (source,), out, attrs, scope, prim.text)))
        self.shapes.append(out)
        return len(self.rows) - 1

    def pruned(self, prim: Prim, shape: Shape, scope: str) -> _Zero:
        """What an op the input cannot reach leaves under `prune unreachable`: zeros of
        the shape it would have made."""
        try:
            out = OPS[prim.op].shape(shape, prim.param_dict)
        except ShapeError as exc:
            raise self.fail(f"'{prim.text}' cannot take its input {shape}: {exc}", scope) from None
        return _Zero(self.compiler.shape(out))

    def merge(
        self,
        topology: Topology,
        node: int,
        arriving: list[tuple[int, Ref]],
        how: str,
        merge: Prim | None,
        scope: str,
    ) -> Ref:
        if len(arriving) == 1:
            return arriving[0][1]
        refs = [ref for _, ref in arriving]
        where = f"node {node} of '{topology.name}'"
        if merge is None and how != "concat":
            live = [r for r in refs if isinstance(r, int)]
            if not live:
                return refs[0]
            if len(live) == 1:
                return live[0]
            self.same_shapes(live, where, scope)
            return self.add((IROp.SUM, tuple(live), self.shapes[live[0]], (), scope, ""))
        if merge is None:
            return self.concat(refs, where, scope)
        ordered = [self.materialize(ref, scope) for _, ref in sorted(arriving, key=lambda a: a[0])]
        out = ordered[0]
        for other in ordered[1:]:
            met = broadcast((self.shapes[out], self.shapes[other]))
            if met is None:
                raise self.fail(
                    f"paths meeting at {where} have shapes that '{merge.text}' cannot combine: "
                    + ", ".join(str(self.shapes[r]) for r in ordered),
                    scope,
                    "a binary operation takes equal shapes, or a vector [C] and a [C, ...] "
                    "or sequence [L, C]",
                )
            met = self.compiler.shape(met)
            out = self.add((IROp(merge.op), (out, other), met, (), scope, merge.text))
        return out

    def concat(self, refs: list[Ref], where: str, scope: str) -> Ref:
        shapes = [self.shape(r) for r in refs]
        frames = {(s.layout, s.extent) for s in shapes}
        if len(frames) > 1:
            raise self.fail(
                f"paths concatenated at {where} differ in more than their features: "
                + ", ".join(str(s) for s in shapes),
                scope,
            )
        out = self.compiler.shape(shapes[0].with_features(sum(s.features for s in shapes)))
        if all(isinstance(r, _Zero) for r in refs):
            return _Zero(out)
        inputs = tuple(self.materialize(r, scope) for r in refs)
        return self.add((IROp.CONCAT, inputs, out, (), scope, ""))

    def same_shapes(self, refs: Sequence[int], where: str, scope: str) -> None:
        shapes = [self.shapes[r] for r in refs]
        first = shapes[0]
        if any(s is not first and s != first for s in shapes):
            raise self.fail(
                f"paths meeting at {where} have different shapes: "
                + ", ".join(str(s) for s in shapes),
                scope,
                "paths that merge must agree in channels and resolution",
            )

    # ---- the result

    def finish(self, out: Ref) -> Graph:
        last = self.materialize(out, "output")
        rows = self.rows
        live = [False] * (last + 1)
        live[0] = live[last] = True
        for index in range(last, 0, -1):
            if live[index]:
                for source in rows[index][1]:
                    live[source] = True
        if all(live):
            return Graph(tuple(rows[: last + 1]))
        first_dead = live.index(False)
        kept = rows[:first_dead]
        renumber = list(range(last + 1))
        for index in range(first_dead, last + 1):
            if live[index]:
                renumber[index] = len(kept)
                op, inputs, shape, attrs, scope, text = rows[index]
                if len(inputs) == 1:  # most nodes: cheaper than the general case
                    sources: tuple[int, ...] = (renumber[inputs[0]],)
                else:
                    sources = tuple([renumber[i] for i in inputs])
                kept.append(_node((op, sources, shape, attrs, scope, text)))
        return Graph(tuple(kept))


def describe(space: Space, derivation: Derivation) -> str:
    """The architecture's term, or its derivation where no term can be formed."""
    try:
        return format_term(space, derivation)
    except (NascError, KeyError, IndexError, AttributeError):
        return repr(derivation)


def _resolve(name: str, value: Value, shape: Shape) -> tuple[str, Value]:
    """Channels made absolute, depthwise groups made explicit."""
    if name == "channels":
        return name, out_channels(value, shape.features)
    if name == "groups" and value == 0:
        return name, shape.features
    return name, value


def build_graph(space: Space, derivation: Derivation) -> Graph:
    """See `build`."""
    builder = _Builder(space, derivation)
    out = builder.derivation(derivation, 0, derivation.nt)
    return builder.finish(out)


def build(space: Space, derivation: Derivation) -> Graph:
    """The Graph of one architecture: shapes inferred from the space's input.

    Raises NascError naming the architecture and the node when an operation
    cannot take the shape it gets, or paths that meet have different shapes.

    >>> from nasc.compiler import load
    >>> from nasc.compiler.derive.derivation import Derivation, as_instance
    >>> space = load("examples/nb201.nas")
    >>> op = Derivation("OP", 2)                   # Sequential(relu, conv3x3, batchnorm)
    >>> cell = Derivation("CELL", 0, (op,) * 6)
    >>> net = Derivation("NET", 0, (Derivation("STEM", 0), Derivation("STAGE", 0, (cell,) * 5),
    ...     Derivation("STAGE", 0, (cell,) * 5), Derivation("STAGE", 0, (cell,) * 5),
    ...     Derivation("HEAD", 0)))
    >>> build(space, net).output_shape.dims
    (10,)
    """
    return build_graph(space, derivation)
