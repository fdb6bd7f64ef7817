"""Lowering a derivation to a Graph, inferring every tensor's shape on the way.

Templates are expanded depth first from the space's input: nonterminals take
their derivation's alternative, topologies are flattened into their nodes,
primitives become op nodes. A value on the way is a node index, or `_Zero`
for a path that `zero` edges cut off: sums drop such paths, other consumers
get a constant zero node. Nodes that do not feed the output are removed last.
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from dataclasses import dataclass, field

from nasc.compiler.derivation import Derivation
from nasc.compiler.graph import Graph, IROp, Node
from nasc.compiler.ops import OPS, out_channels
from nasc.compiler.shapes import Shape, ShapeError
from nasc.compiler.space import NT, Edge, Prim, Space, Template, Topo, Topology, nonterminals_in
from nasc.compiler.terms import format_term
from nasc.compiler.values import Value
from nasc.dsl import NascError
from nasc.dsl.diagnostics import error


@dataclass(frozen=True, slots=True)
class _Zero:
    """The value of a path cut by `zero` edges: all zeros of this shape."""

    shape: Shape


Ref = int | _Zero
_Row = tuple[IROp, tuple[int, ...], Shape, tuple[tuple[str, Value], ...], str, str]


@dataclass
class _Memo:
    """What one space's builds share, keyed by the identity of the space's own objects."""

    counts: dict[int, int] = field(default_factory=dict)
    alts: dict[str, tuple[tuple[Template, int], ...]] = field(default_factory=dict)
    args: dict[int, tuple[int, ...]] = field(default_factory=dict)
    incoming: dict[tuple[int, int], tuple[tuple[Edge, ...], ...]] = field(default_factory=dict)
    prims: dict[tuple[int, Shape], tuple[IROp, Shape, tuple[tuple[str, Value], ...]]] = field(
        default_factory=dict
    )

    def alternatives(self, space: Space, nt: str) -> tuple[tuple[Template, int], ...] | None:
        """Each alternative's template of ``nt`` with its count of nonterminals."""
        found = self.alts.get(nt)
        if found is None:
            rule = space.rule_map.get(nt)
            if rule is None:
                return None
            found = self.alts[nt] = tuple(
                (alt.template, self.nt_count(alt.template)) for alt in rule.alternatives
            )
        return found

    def arg_counts(self, topo: Topo) -> tuple[int, ...]:
        found = self.args.get(id(topo))
        if found is None:
            found = self.args[id(topo)] = tuple(self.nt_count(arg) for arg in topo.args)
        return found

    def nt_count(self, template: Template) -> int:
        count = self.counts.get(id(template))
        if count is None:
            count = self.counts[id(template)] = sum(1 for _ in nonterminals_in(template))
        return count

    def incoming_edges(self, topology: Topology, arity: int) -> tuple[tuple[Edge, ...], ...]:
        """For each node of the topology, its incoming edges (node 0 has none)."""
        key = (id(topology), arity)
        found = self.incoming.get(key)
        if found is None:
            edges = topology.edges_for(arity)
            found = self.incoming[key] = tuple(
                tuple(e for e in edges if e.target == node)
                for node in range(topology.node_count(arity))
            )
        return found


_MEMOS: dict[int, tuple[weakref.ref[Space], _Memo]] = {}


def _memo(space: Space) -> _Memo:
    entry = _MEMOS.get(id(space))
    if entry is None or entry[0]() is not space:
        entry = (weakref.ref(space, lambda _: _MEMOS.pop(id(space), None)), _Memo())
        _MEMOS[id(space)] = entry
    return entry[1]


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
        # rows of (op, inputs, shape, attrs, scope, text); Nodes are made for the live ones
        self.rows: list[_Row] = [(IROp.INPUT, (), space.input.shape, (), "input", "")]
        self.shapes: list[Shape] = [space.input.shape]
        self.seen: dict[str, int] = {}
        self.memo = _memo(space)

    # ---- errors

    def fail(self, message: str, scope: str, *notes: str) -> NascError:
        term = describe(self.space, self.root)
        return NascError(error("E601", f"{message} (at {scope})", None, f"in {term}", *notes))

    # ---- expansion

    def derivation(self, d: Derivation, ref: Ref, scope: str) -> Ref:
        alternatives = self.memo.alternatives(self.space, d.nt)
        if alternatives is None or not 0 <= d.alt < len(alternatives):
            raise self.fail(
                f"the derivation chooses {d.nt} alternative {d.alt}, which the space lacks", scope
            )
        template, count = alternatives[d.alt]
        if count != len(d.children):
            raise self.fail(
                f"{d.nt} alternative {d.alt} names {count} nonterminals but the "
                f"derivation gives {len(d.children)}",
                scope,
            )
        return self.template(template, d.children, ref, scope)

    def template(self, t: Template, children: Sequence[Derivation], ref: Ref, scope: str) -> Ref:
        if isinstance(t, NT):
            child = children[0]
            if child.nt != t.name:
                raise self.fail(f"expected a derivation of {t.name}, got one of {child.nt}", scope)
            key = f"{scope}/{t.name}"
            index = self.seen.get(key, 0)
            self.seen[key] = index + 1
            return self.derivation(child, ref, f"{key}#{index}")
        if isinstance(t, Prim):
            return self.primitive(t, ref, scope)
        return self.topology(t, children, ref, scope)

    def topology(self, t: Topo, children: Sequence[Derivation], ref: Ref, scope: str) -> Ref:
        topology = self.space.topology_map[t.name]
        counts = self.memo.arg_counts(t)
        if topology.variadic:  # Sequential: a chain, no merges
            offset = 0
            for arg, count in zip(t.args, counts, strict=True):
                ref = self.template(arg, children[offset : offset + count], ref, scope)
                offset += count
            return ref
        arg_children: list[Sequence[Derivation]] = []
        offset = 0
        for count in counts:
            arg_children.append(children[offset : offset + count])
            offset += count
        merge_arg = topology.merge_arg
        merge = (
            self.binary_op(t.args[merge_arg], arg_children[merge_arg], scope)
            if merge_arg is not None
            else None
        )
        incoming = self.memo.incoming_edges(topology, len(t.args))
        values: list[Ref] = [ref]
        for node in range(1, len(incoming)):
            arriving = [
                (
                    edge.arg,
                    self.template(
                        t.args[edge.arg],
                        arg_children[edge.arg],
                        values[edge.source],
                        scope,
                    ),
                )
                for edge in incoming[node]
            ]
            values.append(self.merge(topology, node, arriving, merge, scope))
        return values[-1]

    def binary_op(self, t: Template, children: Sequence[Derivation], scope: str) -> Prim:
        """The binary primitive a topology's merge argument stands for."""
        while isinstance(t, NT):
            d = children[0]
            t, children = self.space.rule(d.nt).alternatives[d.alt].template, d.children
        if isinstance(t, Prim) and OPS[t.op].kind == "binary":
            return t
        raise self.fail("a topology's merge argument must be a binary operation", scope)

    # ---- nodes

    def add(self, row: _Row) -> int:
        self.rows.append(row)
        self.shapes.append(row[2])
        return len(self.rows) - 1

    def materialize(self, ref: Ref, scope: str) -> int:
        if isinstance(ref, int):
            return ref
        return self.add((IROp.ZERO, (), ref.shape, (), scope, "zero"))

    def shape(self, ref: Ref) -> Shape:
        return ref.shape if isinstance(ref, _Zero) else self.shapes[ref]

    def primitive(self, prim: Prim, ref: Ref, scope: str) -> Ref:
        op = OPS[prim.op]
        if op.kind == "identity":
            return ref
        if op.kind == "zero":
            return _Zero(self.shape(ref))
        if op.kind == "binary":
            raise self.fail(
                f"'{prim.text}' is a binary operation used on an edge",
                scope,
                "binary operations merge two paths: pass it as a topology's merge argument",
            )
        source = self.materialize(ref, scope)
        shape = self.shapes[source]
        key = (id(prim), shape)
        known = self.memo.prims.get(key)
        if known is None:
            try:
                out = op.shape(shape, prim.param_dict)
            except ShapeError as exc:
                raise self.fail(
                    f"'{prim.text}' cannot take its input {shape}: {exc}", scope
                ) from None
            attrs = tuple(_resolve(name, value, shape) for name, value in prim.params)
            known = self.memo.prims[key] = (IROp(prim.op), out, attrs)
        ir_op, out, attrs = known
        return self.add((ir_op, (source,), out, attrs, scope, prim.text))

    def merge(
        self,
        topology: Topology,
        node: int,
        arriving: list[tuple[int, Ref]],
        merge: Prim | None,
        scope: str,
    ) -> Ref:
        if len(arriving) == 1:
            return arriving[0][1]
        refs = [ref for _, ref in arriving]
        where = f"node {node} of '{topology.name}'"
        if merge is None and topology.merge != "concat":
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
        self.same_shapes(ordered, where, scope)
        out = ordered[0]
        for other in ordered[1:]:
            out = self.add((IROp(merge.op), (out, other), self.shapes[out], (), scope, merge.text))
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
        out = shapes[0].with_features(sum(s.features for s in shapes))
        if all(isinstance(r, _Zero) for r in refs):
            return _Zero(out)
        inputs = tuple(self.materialize(r, scope) for r in refs)
        return self.add((IROp.CONCAT, inputs, out, (), scope, ""))

    def same_shapes(self, refs: Sequence[int], where: str, scope: str) -> None:
        shapes = [self.shapes[r] for r in refs]
        if any(s != shapes[0] for s in shapes):
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
        live = [False] * len(rows)
        live[0] = live[last] = True
        for index in range(last, 0, -1):
            if live[index]:
                for source in rows[index][1]:
                    live[source] = True
        renumber = [0] * len(rows)
        kept: list[Node] = []
        for index in range(last + 1):
            if live[index]:
                op, inputs, shape, attrs, scope, text = rows[index]
                sources = tuple([renumber[i] for i in inputs])
                renumber[index] = len(kept)
                kept.append(Node(op, sources, shape, attrs, scope, text))
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
    """See `nasc.compiler.graph.build`."""
    builder = _Builder(space, derivation)
    out = builder.derivation(derivation, 0, derivation.nt)
    return builder.finish(out)
