"""Static shape checking by fixpoint over (nonterminal, input shape).

Starting from the space's input, every nonterminal is evaluated on every shape
that can reach it; its result is the set of shapes its derivations can produce.
Recursion is resolved by iterating until no set changes. An alternative is
reported when some derivation of it feeds an operation a shape it cannot take
(E400), or makes paths with different shapes meet at a merge (E401).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable

from nasc.compiler.ops import OPS
from nasc.compiler.shapes import Shape, ShapeError, broadcast
from nasc.compiler.space import (
    NT,
    Edge,
    Prim,
    Space,
    Template,
    Topo,
    Topology,
    template_text,
)
from nasc.dsl import Diagnostic, Span
from nasc.dsl.diagnostics import error, warning

MAX_PASSES = 64
MAX_STATES = 20_000
MAX_SHAPES = 256
MAX_NESTING = 150

Inputs = Shape | tuple[Shape, ...]
"""What a term takes: one shape, or one per input of a multi-input term."""
Key = tuple[str, Inputs]


class _Stop(Exception):
    pass


class ShapeAnalysis:
    def __init__(self, space: Space) -> None:
        self.space = space
        self.memo: dict[Key, frozenset[Shape]] = {}
        self.active: set[Key] = set()
        self.done: set[Key] = set()
        self.changed = False
        self.errors: dict[tuple[Span | None, str], Diagnostic] = {}

    def run(self) -> list[Diagnostic]:
        if self.space.input is None or self.space.start not in self.space.rule_map:
            return []
        start = (self.space.start, self.space.input.shape)
        try:
            for _ in range(MAX_PASSES):
                self.changed = False
                self.done.clear()
                self.errors.clear()
                self.nonterminal(*start, ())
                if not self.changed:
                    return list(self.errors.values())
        except _Stop:
            pass
        return [
            warning(
                "W504",
                "shape checking gave up: the space's derivations reach too many different shapes",
                self.space.rule(self.space.start).span,
                "recursion that changes channels or resolution without a bound can do this; "
                "the space's shapes were not fully checked",
            )
        ]

    def outputs(self, name: str, shape: Inputs) -> frozenset[Shape]:
        """After `run`: the shapes `name` can produce from `shape` (empty if never reached)."""
        return self.memo.get((name, shape), frozenset())

    def nonterminal(self, name: str, shape: Inputs, path: tuple[str, ...]) -> frozenset[Shape]:
        key = (name, shape)
        if key in self.active or key in self.done:
            return self.memo.get(key, frozenset())
        if len(self.memo) > MAX_STATES or len(path) > MAX_NESTING:
            raise _Stop
        self.active.add(key)
        produced: set[Shape] = set()
        for alt in self.space.rule(name).alternatives:
            produced |= self.template(alt.template, shape, (*path, name))
        self.active.discard(key)
        self.done.add(key)
        if len(produced) > MAX_SHAPES:
            raise _Stop
        result = frozenset(produced)
        if self.memo.get(key) != result:
            self.memo[key] = result
            self.changed = True
        return result

    def template(self, template: Template, shape: Inputs, path: tuple[str, ...]) -> set[Shape]:
        if isinstance(template, NT):
            if template.place not in self.space.rule_map:
                return set()
            return set(self.nonterminal(template.place, shape, path))
        if isinstance(template, Prim):
            if isinstance(shape, tuple):
                return set()  # a multi-input term in a one-input place: E309
            return self.primitive(template, shape, path)
        return self.topology(template, shape, path)

    def primitive(self, prim: Prim, shape: Shape, path: tuple[str, ...]) -> set[Shape]:
        if prim.body is not None:  # a composite operation: its sub-network
            return self.template(prim.body, shape, path)
        op = OPS[prim.op]
        try:
            return {op.shape(shape, prim.param_dict)}
        except ShapeError as exc:
            self.report(
                "E400", f"'{prim.text}' cannot take its input: {exc}", prim.span, shape, path
            )
            return set()

    def topology(self, topo: Topo, shape: Inputs, path: tuple[str, ...]) -> set[Shape]:
        topology = self.space.topology_map.get(topo.name)
        if topology is None:
            return set()
        if topology.cascade:
            return self.cascade(topo, shape, path)
        edges = topology.edges_for(len(topo.args))
        last = topology.node_count(len(topo.args)) - 1
        if topology.inputs > 1:
            if not isinstance(shape, tuple) or len(shape) != topology.inputs:
                return set()  # reported as E309
            nodes: dict[int, set[Shape]] = {i: {s} for i, s in enumerate(shape)}
        elif isinstance(shape, tuple):
            return set()
        else:
            nodes = {0: {shape}}
        for node in range(topology.inputs, last + 1):
            incoming = [e for e in edges if e.target == node]
            arriving: list[tuple[Edge, set[Shape]]] = []
            for edge in incoming:
                produced: set[Shape] = set()
                for source_shape in nodes.get(edge.source, set()):
                    produced |= self.template(topo.args[edge.arg], source_shape, path)
                arriving.append((edge, produced))
            nodes[node] = self.merge(topo, topology, node, arriving, shape, path)
        return nodes.get(last, set())

    def cascade(self, topo: Topo, shape: Inputs, path: tuple[str, ...]) -> set[Shape]:
        """`Cascade(c1, ..., cn)`: element k with m inputs takes the outputs of the m
        elements before it (the Cascade's input where there are fewer)."""
        if isinstance(shape, tuple):
            return set()
        outputs: list[set[Shape]] = [{shape}]
        for arg in topo.args:
            m = self.space.arity(arg)
            sources = [outputs[max(0, len(outputs) - m + j)] for j in range(m)]
            produced: set[Shape] = set()
            combos: list[tuple[Shape, ...]] = [()]
            for options in sources:
                combos = [(*c, s) for c in combos for s in options]
                if len(combos) > MAX_SHAPES:
                    raise _Stop
            for combo in combos:
                produced |= self.template(arg, combo[0] if m == 1 else combo, path)
            if not produced:
                return set()
            outputs.append(produced)
        return outputs[-1]

    def merge(
        self,
        topo: Topo,
        topology: Topology,
        node: int,
        arriving: list[tuple[Edge, set[Shape]]],
        shape: Inputs,
        path: tuple[str, ...],
    ) -> set[Shape]:
        if any(not shapes for _, shapes in arriving):
            return set()
        if len(arriving) == 1:
            return arriving[0][1]
        if topology.merge_of(node) == "concat":
            return self.concat(topo, node, arriving, shape, path)
        if topology.merge_of(node) not in ("sum", "concat"):
            return self.binary(topo, topology, node, arriving, shape, path)
        union = set().union(*(shapes for _, shapes in arriving))
        if len(union) > 1:
            described = "; ".join(
                f"{_names(shapes)} {_edge_name(topo, topology, edge)}" for edge, shapes in arriving
            )
            self.report(
                "E401",
                f"paths meeting at node {node} of '{topo.name}' can have different shapes: {described}",
                topo.span,
                shape,
                path,
                self.merge_advice(topo, arriving, union),
            )
            return {min(union, key=str)}
        return union

    def binary(
        self,
        topo: Topo,
        topology: Topology,
        node: int,
        arriving: list[tuple[Edge, set[Shape]]],
        shape: Inputs,
        path: tuple[str, ...],
    ) -> set[Shape]:
        """A binary operation's merge: equal shapes, or a vector [C] broadcast over
        the positions of the other path's [C, ...] or sequence [L, C]."""
        if math.prod(len(shapes) for _, shapes in arriving) > MAX_SHAPES:
            raise _Stop
        results: set[Shape] = set()
        for combination in itertools.product(*(shapes for _, shapes in arriving)):
            met = broadcast(combination)
            if met is None:
                described = "; ".join(
                    f"{_names(shapes)} {_edge_name(topo, topology, edge)}"
                    for edge, shapes in arriving
                )
                self.report(
                    "E401",
                    f"paths meeting at node {node} of '{topo.name}' can have shapes that a "
                    f"binary operation cannot combine: {described}",
                    topo.span,
                    shape,
                    path,
                    "a binary operation takes equal shapes, or a vector [C] and a [C, ...] "
                    "or sequence [L, C] (the vector repeated over the positions)",
                )
                return {min(combination, key=str)}
            results.add(met)
        return results

    def merge_advice(
        self, topo: Topo, arriving: list[tuple[Edge, set[Shape]]], union: set[Shape]
    ) -> str:
        """What to change so the paths agree: for a `zero` edge, a path that pooled
        its positions away, or paths that differ in channels or resolution."""
        zeros = [edge for edge, _ in arriving if self.may_be_zero(topo.args[edge.arg])]
        if zeros:
            return (
                "a `zero` edge keeps its input's channels and, unless given a stride, its "
                "resolution: write zero(stride=2) beside a stride-2 path; zero cannot change "
                "channels, so change them before the topology or keep them on the other paths"
            )
        extents = {s.extent for s in union}
        pooled = any(e and all(size == 1 for size in e) for e in extents)
        if len({(s.layout, s.rank) for s in union}) > 1 or (len(extents) > 1 and pooled):
            return (
                "a sum or concat merge does not broadcast: a path that pools its positions "
                "away (to size 1 or to a vector) does not stretch back; pool after the "
                "merge, or gate with a binary operation, which broadcasts a vector [C] "
                "(Binary(multi, id, ...), squeeze_excite)"
            )
        return (
            "paths that merge must agree in channels and resolution; put the same "
            "downsampling on every parallel path"
        )

    def may_be_zero(self, template: Template) -> bool:
        """Whether the template is `zero`, or a nonterminal with `zero` among its alternatives."""
        if isinstance(template, Prim):
            return template.op == "zero"
        if isinstance(template, NT) and template.name in self.space.rule_map:
            return any(
                isinstance(alt.template, Prim) and alt.template.op == "zero"
                for alt in self.space.rule_map[template.name].alternatives
            )
        return False

    def concat(
        self,
        topo: Topo,
        node: int,
        arriving: list[tuple[Edge, set[Shape]]],
        shape: Inputs,
        path: tuple[str, ...],
    ) -> set[Shape]:
        frames = {(s.layout, s.extent) for _, shapes in arriving for s in shapes}
        if len(frames) > 1:
            self.report(
                "E401",
                f"paths concatenated at node {node} of '{topo.name}' can differ in more than "
                f"their channels: {_names(s for _, shapes in arriving for s in shapes)}",
                topo.span,
                shape,
                path,
            )
            return set()
        layout, extent = next(iter(frames))
        totals = {0}
        for _, shapes in arriving:
            totals = {t + s.features for t in totals for s in shapes}
            if len(totals) > MAX_SHAPES:
                raise _Stop
        return {Shape(layout, total, extent) for total in totals}

    def report(
        self,
        code: str,
        message: str,
        span: Span | None,
        shape: Inputs,
        path: tuple[str, ...],
        *hints: str,
    ) -> None:
        key = (span, code)
        if key in self.errors:
            return
        via = " -> ".join(path) if path else "the start"
        shown = ", ".join(map(str, shape)) if isinstance(shape, tuple) else str(shape)
        notes = (f"with input {shown}, reached through {via}", *hints)
        self.errors[key] = error(code, message, span, *notes)


def _names(shapes: Iterable[Shape]) -> str:
    return " or ".join(sorted({str(s) for s in shapes}))


def _edge_name(topo: Topo, topology: Topology, edge: Edge) -> str:
    """How a path's last edge reads: ``through edge (1,3), b = id``; two paths that
    end in the same operation are told apart by their edges and argument names."""
    arg = template_text(topo.args[edge.arg])
    name = topology.params[edge.arg] if edge.arg < len(topology.params) else None
    if topology.variadic or name is None:
        name = f"argument {edge.arg + 1}"
    return f"through edge ({edge.source},{edge.target}), {name} = {arg}"


def check_shapes(space: Space) -> list[Diagnostic]:
    return ShapeAnalysis(space).run()
