"""The allowed zero patterns of a topology, as a layered automaton over its edges.

Under ``constraint connected``, ``edges(T) <= k`` and ``inputs(T) == k``, an application
of a topology counts once per allowed pattern of its edges that derive exactly ``zero``.
A topology of E edges has 2^E patterns; NAS-Bench-101's cell, with its operations on
nodes, has 26 edges. Instead of listing them, the edges are decided one at a time, in
the order of their target nodes, and a state keeps only what the edges still to come
need to know: which nodes before the current target are reached from the input and
still have edges to come, whether the current target is reached yet, how many live
edges enter it, and how many edges are live in all. Every allowed pattern is one path
through the layers from the one first state to a last one, and every path is allowed.

A sum over the patterns of a product over their edges (a count, a least height, a pcfg
weight) is then one pass over the states: linear in the edges, exponential only in the
number of reached nodes that are done but still have edges to come.

>>> from nasc.compiler import load
>>> space = load("examples/nb201.nas")
>>> automaton = pattern_automaton(space, "Cell", 6, may_zero=0b111111, may_live=0b111111)
>>> automaton.count_patterns()  # of the 64 zero patterns of the cell, 17 cut it
47
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from nasc.compiler.space import Edge, Space, Topology
from nasc.dsl import NascError
from nasc.dsl.diagnostics import error

W = TypeVar("W")

MAX_STATES = 1 << 17
"""The most states the layers of one topology may hold in all (E715 past it): NAS-Bench-101's
cell with its 9-edge bound needs 2,675."""

State = tuple[tuple[tuple[int, bool, int], ...], int]
"""Per node begun and not finished, (node, reached, live edges into it so far; -1 when all
are decided), and the number of live edges."""


@dataclass(frozen=True, slots=True)
class Layer:
    """One argument of the topology: the next state from each state when the argument's
    edge is ``zero`` and when it is live (-1: not allowed, or no allowed pattern follows).

    ``free``: an argument that labels no edge (a merge operation); it is never ``zero``
    here, takes any derivation, and leaves the state as it is."""

    arg: int
    zero: tuple[int, ...]
    live: tuple[int, ...]
    free: bool = False


@dataclass(frozen=True, slots=True)
class Automaton:
    """The layers of one topology application; layer t's states are 0 .. len(zero)-1,
    state 0 of the first layer starts every pattern and every state after the last layer
    ends one (``ends`` of them)."""

    layers: tuple[Layer, ...]
    ends: int

    def backward(
        self,
        one: W,
        none: W,
        weight: Callable[[Layer, bool], W | None],
        combine: Callable[[W, W, W, W], W],
        scale: Callable[[list[W]], list[W]] | None = None,
    ) -> list[list[W]]:
        """Per layer (and one past the last), per state, the value of the rest of the
        patterns: ``combine(zero_weight, rest_if_zero, live_weight, rest_if_live)``, with
        ``none`` for a choice that is not allowed or whose ``weight`` is None; ``scale``
        may rescale each layer's values (floats that would underflow)."""
        rest: list[W] = [one] * self.ends
        values: list[list[W]] = [rest]
        for layer in reversed(self.layers):
            w_zero = weight(layer, True)
            w_live = weight(layer, False)
            nxt = rest
            rest = []
            for z, live in zip(layer.zero, layer.live, strict=True):
                rz = nxt[z] if z >= 0 and w_zero is not None else none
                rl = nxt[live] if live >= 0 and w_live is not None else none
                rest.append(
                    combine(
                        none if w_zero is None else w_zero,
                        rz,
                        none if w_live is None else w_live,
                        rl,
                    )
                )
            if scale is not None:
                rest = scale(rest)
            values.append(rest)
        values.reverse()
        return values

    def count_patterns(self) -> int:
        """How many zero patterns the automaton allows."""
        values = self.backward(1, 0, lambda layer, zero: 1, lambda wz, rz, wl, rl: rz + rl)
        return values[0][0] if values[0] else 0

    def path(self, zeros: int) -> list[int] | None:
        """The states a pattern passes through (``zeros``: its zero arguments), or None
        when the pattern is not allowed."""
        state = 0
        states = [0]
        for layer in self.layers:
            is_zero = layer.arg >= 0 and not layer.free and zeros >> layer.arg & 1
            state = layer.zero[state] if is_zero else layer.live[state]
            if state < 0:
                return None
            states.append(state)
        return states


class Automata(dict[tuple[str, int, int, int], Automaton]):
    """The automata of one space, per (topology, arity, may-be-zero mask, may-live mask)."""

    def __init__(self, space: Space) -> None:
        super().__init__()
        self.space = space


def pattern_automaton(
    space: Space, name: str, arity: int, may_zero: int, may_live: int
) -> Automaton:
    """The automaton of ``name`` applied to ``arity`` arguments, where argument i may be
    ``zero`` when bit i of ``may_zero`` is set and live when bit i of ``may_live`` is
    (kept in the space's memo)."""
    automata = space.memo.get(Automata)
    key = (name, arity, may_zero, may_live)
    found = automata.get(key)
    if found is None:
        found = automata[key] = _build(space, name, arity, may_zero, may_live)
    return found


def _build(space: Space, name: str, arity: int, may_zero: int, may_live: int) -> Automaton:
    topology = space.topology(name)
    edges = edge_order(list(topology.edges_for(arity)))
    last = topology.node_count(arity) - 1
    limits = space.limits_of.get(name, ())
    connected = space.connected
    edge_bound = min((lim.bound for lim in limits if lim.kind == "edges"), default=None)
    # node -> the live incoming edges `inputs(T[, nodes]) == k` asks of it; a node two
    # limits ask different numbers of can take no pattern
    required: dict[int, int] = {}
    impossible = False
    for lim in limits:
        if lim.kind == "inputs":
            for node in lim.counted_nodes(topology, arity):
                impossible |= required.setdefault(node, lim.bound) != lim.bound
    targets = {e.target for e in edges}
    impossible |= any(bound > 0 and node not in targets for node, bound in required.items())
    edge_args = {e.arg for e in edges}
    free = [i for i in range(arity) if i not in edge_args]
    if impossible:
        return Automaton(tuple(Layer(i, (-1,), (-1,), True) for i in free), 0)
    last_in: dict[int, int] = {}  # node -> the step of its last incoming edge
    last_out: dict[int, int] = {}  # node -> the step of its last outgoing edge
    for k, e in enumerate(edges):
        last_in[e.target] = k
        last_out[e.source] = k

    def step(state: State, k: int, live: bool) -> State | None:
        entries, total = state
        info = {node: (reached, inputs) for node, reached, inputs in entries}
        edge = edges[k]
        source, target = edge.source, edge.target
        reached, inputs = info.get(target, (False, 0))
        if live:
            if connected and source in info:  # only reached nodes that are done are kept
                reached = True
            if target in required:
                inputs += 1
                if inputs > required[target]:
                    return None
            if edge_bound is not None and edge.arg >= 0:
                total += 1
                if total > edge_bound:
                    return None
        if last_out[source] == k:
            info.pop(source, None)
        if last_in[target] == k:
            if target in required and inputs != required[target]:
                return None
            if target == last and connected and not reached:
                return None
            if reached and target in last_out:
                info[target] = (True, -1)
            else:
                info.pop(target, None)
        elif reached or inputs:
            info[target] = (reached, inputs)
        else:
            info.pop(target, None)
        return tuple(sorted((n, r, i) for n, (r, i) in info.items())), total

    layers: list[tuple[int, list[int], list[int], bool]] = [(i, [-1], [0], True) for i in free]
    sources = range(topology.inputs)  # every input starts reached (a cell may ignore one)
    start: State = (tuple((i, True, -1) for i in sources if connected and i in last_out), 0)
    states: dict[State, int] = {start: 0}
    built = 1
    for k, edge in enumerate(edges):
        arg = edge.arg
        can_zero = arg >= 0 and bool(may_zero >> arg & 1)
        can_live = arg < 0 or bool(may_live >> arg & 1)
        following: dict[State, int] = {}
        zero_next: list[int] = []
        live_next: list[int] = []
        for state in states:
            for can, live, out in ((can_zero, False, zero_next), (can_live, True, live_next)):
                nxt = step(state, k, live) if can else None
                if nxt is None:
                    out.append(-1)
                else:
                    out.append(following.setdefault(nxt, len(following)))
            if built + len(following) > MAX_STATES:
                raise too_wide(topology, len(edges))
        built += len(following)
        layers.append((arg, zero_next, live_next, False))
        states = following
    return Automaton(_prune(layers, len(states)), len(states))


def edge_order(edges: list[Edge]) -> list[Edge]:
    """The edges in an order that keeps few nodes half done: by target, or greedily
    taking next the edge that leaves the fewest nodes open, whichever is narrower. An
    edge comes after every edge into its source."""
    by_target = sorted(edges, key=lambda e: (e.target, e.source))
    ins: dict[int, int] = {}
    outs: dict[int, int] = {}
    for e in edges:
        ins[e.target] = ins.get(e.target, 0) + 1
        outs[e.source] = outs.get(e.source, 0) + 1
    pending = list(by_target)
    greedy: list[Edge] = []
    opened: set[int] = set()

    def growth(e: Edge) -> int:
        change = 0 if e.target in opened else 1
        if outs[e.source] == 1:
            change -= 1
        if ins[e.target] == 1 and e.target not in outs:
            change -= 1
        return change

    while pending:
        ready = [e for e in pending if ins.get(e.source, 0) == 0]
        best = min(ready, key=growth)  # the first of equals: by target
        pending.remove(best)
        greedy.append(best)
        opened.add(best.target)
        ins[best.target] -= 1
        outs[best.source] -= 1
    return min((by_target, greedy), key=_width)


def _width(edges: list[Edge]) -> int:
    """The most nodes an order of edges keeps begun but not finished at once."""
    last_out = {e.source: k for k, e in enumerate(edges)}
    active: set[int] = set()
    widest = 0
    for k, e in enumerate(edges):
        active.add(e.source)
        active.add(e.target)
        widest = max(widest, len(active))
        if last_out[e.source] == k:
            active.discard(e.source)
    return widest


def _prune(
    layers: Sequence[tuple[int, list[int], list[int], bool]], ends: int
) -> tuple[Layer, ...]:
    """The layers with every move into a state that no allowed pattern leaves cut (-1)."""
    alive = [True] * ends
    kept: list[Layer] = []
    for arg, zero, live, free in reversed(layers):
        zero = [z if z >= 0 and alive[z] else -1 for z in zero]
        live = [v if v >= 0 and alive[v] else -1 for v in live]
        alive = [z >= 0 or v >= 0 for z, v in zip(zero, live, strict=True)]
        kept.append(Layer(arg, tuple(zero), tuple(live), free))
    kept.reverse()
    return tuple(kept)


def too_wide(topology: Topology, edges: int) -> NascError:
    """E715: the states of a topology's zero patterns grew past `MAX_STATES` in one layer."""
    return NascError(
        error(
            "E715",
            f"topology '{topology.name}' is too wide to count its zero patterns: its {edges} "
            f"edges need more than {MAX_STATES:,} states of reached nodes",
            topology.span,
            "split the topology into smaller ones in a row, or drop `constraint connected` "
            "and the edge constraints on it",
        )
    )
