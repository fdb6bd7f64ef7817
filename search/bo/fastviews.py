"""The graph views built from memoised pieces: a child that differs from its parent in
one subtree costs only that subtree and the nodes above it.

`FastViews` makes the same graphs as `views.final_view` (`nasc.compiler.build`) and
`views.level_views` (`nasc.compiler.levels`), as node-label hashes and edge arrays,
from *fragments*: the graph of one sub-derivation between an entry and an exit,
remembered by (sub-derivation, input shape, whether the input is a cut zero path) for
the final graph and by (sub-derivation, levels left to expand) for hierarchy levels.
A parent's fragment is its template wired around its children's fragments (arrays
concatenated with an offset). The tests check that every view, and so every WL
feature, equals the compiler's on sampled architectures and their mutants.

Final graph: the rules of `nasc.compiler.build` (id edges folded, zero paths cut,
sums dropping cut paths, ops fed only by a cut path built on a zero node or, under
`prune unreachable`, left unbuilt with their zeros carried on, nodes that do not feed
the output removed), then zero nodes removed. A fragment's key says whether its input
is a cut path, so one reached only by zeros is remembered apart. Levels: the rules of `nasc.compiler.levels` (plain topology junctions
contracted away).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from scipy.sparse.csgraph import breadth_first_order

from nasc.compiler import NT, Derivation, IROp, Prim, Shape, ShapeError, Space, Template, Topo
from nasc.compiler.derive.hierarchy import head
from nasc.compiler.ops import OPS, out_channels
from nasc.compiler.shapes import broadcast
from nasc.compiler.space import Edge, Topology, nonterminals_in
from nasc.search.bo.views import FINAL, ViewSpec, node_label
from nasc.search.bo.wl import label_hash

U64 = npt.NDArray[np.uint64]
I64 = npt.NDArray[np.int64]

ENTRY = -1  # a fragment's input, in edge sources and as its output


class Unbuildable(Exception):
    """The architecture has no graph (an op cannot take its input shape, or paths that
    meet differ in shape): `nasc.compiler.build` raises NascError for it."""


class Unsupported(Exception):
    """The architecture uses a topology the fragments do not model (several inputs,
    `Cascade`, per-node merges): its views are the compiler's to build."""


def _supported(topology: Topology) -> bool:
    return topology.inputs == 1 and not topology.cascade and not topology.node_merges


@dataclass(frozen=True, slots=True)
class HashedView:
    """A view as arrays: node-label hashes and (deduplicated) edges source -> target."""

    labels: U64
    source: I64
    target: I64


@dataclass(frozen=True, slots=True)
class _Zero:
    shape: Shape


_Ref = int | _Zero  # a node of the fragment, ENTRY, or a cut path


@dataclass(frozen=True, slots=True)
class _FinalPiece:
    labels: U64
    zero: npt.NDArray[np.bool_]
    source: I64  # ENTRY: the fragment's input
    target: I64
    out: _Ref
    shape: Shape


class _Builder:
    """Collects nodes and edges of one fragment; children come in as whole arrays."""

    def __init__(self) -> None:
        self.count = 0
        self.labels: list[U64] = []
        self.zero: list[npt.NDArray[np.bool_]] = []
        self.source: list[I64] = []
        self.target: list[I64] = []
        self.new_labels: list[int] = []
        self.new_zero: list[bool] = []
        self.new_source: list[int] = []
        self.new_target: list[int] = []
        self.shapes: dict[int, Shape] = {}

    def node(self, label: int, shape: Shape, inputs: Sequence[int], zero: bool = False) -> int:
        self._flush_pending()
        index = self.count
        self.count += 1
        self.new_labels.append(label)
        self.new_zero.append(zero)
        for i in inputs:
            self.new_source.append(i)
            self.new_target.append(index)
        self.shapes[index] = shape
        return index

    def _flush_pending(self) -> None:
        pass

    def flush(self) -> None:
        if self.new_labels:
            self.labels.append(np.asarray(self.new_labels, dtype=np.uint64))
            self.zero.append(np.asarray(self.new_zero, dtype=np.bool_))
            self.new_labels, self.new_zero = [], []
        if self.new_source:
            self.source.append(np.asarray(self.new_source, dtype=np.int64))
            self.target.append(np.asarray(self.new_target, dtype=np.int64))
            self.new_source, self.new_target = [], []

    def piece(self, piece: _FinalPiece, at: int) -> _Ref:
        """Insert a child's fragment reading node ``at`` (or ENTRY); its output ref."""
        self.flush()
        offset = self.count
        self.labels.append(piece.labels)
        self.zero.append(piece.zero)
        if len(piece.source):
            self.source.append(np.where(piece.source == ENTRY, at, piece.source + offset))
            self.target.append(piece.target + offset)
        self.count += len(piece.labels)
        out = piece.out
        if isinstance(out, _Zero):
            return out
        if out == ENTRY:
            return at
        self.shapes[out + offset] = piece.shape
        return out + offset

    def finish(self, out: _Ref, shape: Shape) -> _FinalPiece:
        self.flush()
        empty = np.empty(0, dtype=np.int64)
        return _FinalPiece(
            np.concatenate(self.labels) if self.labels else np.empty(0, dtype=np.uint64),
            np.concatenate(self.zero) if self.zero else np.empty(0, dtype=np.bool_),
            np.concatenate(self.source) if self.source else empty,
            np.concatenate(self.target) if self.target else empty,
            out,
            shape,
        )


_ZERO_LABEL = label_hash("zero")
_SUM_LABEL = label_hash(str(IROp.SUM))
_CONCAT_LABEL = label_hash(str(IROp.CONCAT))
_INPUT_LABEL = label_hash(str(IROp.INPUT))


class _Final:
    """Memoised fragments of the final graph."""

    def __init__(self, space: Space, cache_size: int) -> None:
        self.space = space
        self.cache: OrderedDict[tuple[Derivation, Shape, bool], _FinalPiece] = OrderedDict()
        self.cache_size = cache_size
        self.applied: dict[tuple[Prim, Shape], tuple[int, Shape]] = {}
        # `prune unreachable`: ops fed only by cut paths carry zeros on, unbuilt
        self.prune = space.prune_unreachable
        # topology templates (which live as long as the space) by id
        self.plans: dict[int, tuple[Topo, Topology, list[int], list[list[Edge]]]] = {}

    def graph(self, d: Derivation) -> HashedView:
        assert self.space.input is not None
        shape = self.space.input.shape
        b = _Builder()
        root = b.node(_INPUT_LABEL, shape, ())
        out = b.piece(self.fragment(d, shape, False), root)
        if isinstance(out, _Zero):
            out = b.node(_ZERO_LABEL, out.shape, (), zero=True)
        whole = b.finish(out, shape)
        return _finish_final(whole, out)

    def fragment(self, d: Derivation, shape: Shape, zero: bool) -> _FinalPiece:
        key = (d, shape, zero)
        found = self.cache.get(key)
        if found is not None:
            self.cache.move_to_end(key)
            return found
        template = self.space.rule_map[d.nt].alternatives[d.alt].template
        b = _Builder()
        start: _Ref = _Zero(shape) if zero else ENTRY
        b.shapes[ENTRY] = shape
        out = self.run(b, template, d.children, 0, start)
        found = b.finish(out, self.shape_of(b, out))
        self.cache[key] = found
        if len(self.cache) > self.cache_size:
            self.cache.popitem(last=False)
        return found

    def shape_of(self, b: _Builder, ref: _Ref) -> Shape:
        return ref.shape if isinstance(ref, _Zero) else b.shapes[ref]

    def run(
        self, b: _Builder, t: Template, children: Sequence[Derivation], first: int, ref: _Ref
    ) -> _Ref:
        """Take ``ref`` through template ``t`` whose first child derivation is ``first``."""
        if isinstance(t, NT):
            child = children[first]
            leaf = self.space.rule_map[child.nt].alternatives[child.alt].template
            if isinstance(leaf, Prim) or not child.children:
                # a leaf (a primitive, or a topology of primitives such as
                # Sequential(relu, conv, batchnorm)): cheaper inline than as a fragment
                return self.run(b, leaf, (), 0, ref)
            shape = self.shape_of(b, ref)
            if isinstance(ref, _Zero):
                return b.piece(self.fragment(child, shape, True), ENTRY)
            return b.piece(self.fragment(child, shape, False), ref)
        if isinstance(t, Prim) and t.body is not None:  # a composite: its body, inline
            return self.run(b, t.body, (), 0, ref)
        if isinstance(t, Prim):
            kind = OPS[t.op].kind
            if kind == "identity":
                return ref
            if kind == "zero":
                return _Zero(self.shape_of(b, ref))
            if kind == "binary":
                raise Unbuildable(f"'{t.text}' is a binary operation used on an edge")
            return self.apply(b, t, ref)
        topology, offsets, into = self.plan(t)
        firsts = [first + o for o in offsets]
        if topology.variadic:
            for arg, start in zip(t.args, firsts, strict=True):
                ref = self.run(b, arg, children, start, ref)
            return ref
        merge = None
        if topology.merge_arg is not None:
            merge = self.binary_op(
                t.args[topology.merge_arg], children[firsts[topology.merge_arg] :]
            )
        values: list[_Ref] = [ref]
        for edges in into:
            arriving = [
                (e.arg, self.run(b, t.args[e.arg], children, firsts[e.arg], values[e.source]))
                for e in edges
            ]
            values.append(self.merge(b, topology.merge, arriving, merge))
        return values[-1]

    def plan(self, t: Topo) -> tuple[Topology, list[int], list[list[Edge]]]:
        """A topology template's plan, remembered: the topology, where each argument's
        child derivations start (relative to the template's first), and the edges into
        each node 1, 2, ..."""
        found = self.plans.get(id(t))
        if found is None or found[0] is not t:
            topology = self.space.topology_map[t.name]
            if not _supported(topology):
                raise Unsupported(t.name)
            offsets, at = [], 0
            for arg in t.args:
                offsets.append(at)
                at += sum(1 for _ in nonterminals_in(arg))
            edges = topology.edges_for(len(t.args))
            count = topology.node_count(len(t.args))
            into = [[e for e in edges if e.target == node] for node in range(1, count)]
            found = self.plans[id(t)] = (t, topology, offsets, into)
        return found[1], found[2], found[3]

    def binary_op(self, t: Template, children: Sequence[Derivation]) -> Prim:
        while isinstance(t, NT):
            d = children[0]
            t, children = self.space.rule_map[d.nt].alternatives[d.alt].template, d.children
        if isinstance(t, Prim) and OPS[t.op].kind == "binary":
            return t
        raise Unbuildable("a topology's merge argument must be a binary operation")

    def materialize(self, b: _Builder, ref: _Ref) -> int:
        if isinstance(ref, _Zero):
            return b.node(_ZERO_LABEL, ref.shape, (), zero=True)
        return ref

    def apply(self, b: _Builder, prim: Prim, ref: _Ref) -> _Ref:
        """``prim`` on ``ref``: a node; on a cut path, a node fed by a zero node, or
        under `prune unreachable` no node but zeros of the shape it would make."""
        if isinstance(ref, _Zero) and self.prune:
            return _Zero(self.made(prim, ref.shape)[1])
        source = self.materialize(b, ref)
        label, out = self.made(prim, b.shapes[source])
        return b.node(label, out, (source,))

    def made(self, prim: Prim, shape: Shape) -> tuple[int, Shape]:
        """The label hash and output shape of ``prim`` on an input of ``shape``."""
        key = (prim, shape)
        made = self.applied.get(key)
        if made is None:
            try:
                out = OPS[prim.op].shape(shape, prim.param_dict)
            except ShapeError as exc:
                raise Unbuildable(f"'{prim.text}' cannot take {shape}: {exc}") from None
            attrs = tuple(_resolve(name, value, shape) for name, value in prim.params)
            if OPS[prim.op].kind == "plugin":
                label = node_label(IROp.PLUGIN, (("primitive", prim.op), *attrs))
            else:
                label = node_label(IROp(prim.op), attrs)
            made = self.applied[key] = (label_hash(label), out)
        return made

    def merge(
        self, b: _Builder, kind: str, arriving: list[tuple[int, _Ref]], merge: Prim | None
    ) -> _Ref:
        if len(arriving) == 1:
            return arriving[0][1]
        refs = [ref for _, ref in arriving]
        if merge is None and kind != "concat":
            live = [r for r in refs if not isinstance(r, _Zero)]
            if not live:
                return refs[0]
            if len(live) == 1:
                return live[0]
            shape = self.same_shapes(b, live)
            return b.node(_SUM_LABEL, shape, live)
        if merge is None:
            shapes = [self.shape_of(b, r) for r in refs]
            if len({(s.layout, s.extent) for s in shapes}) > 1:
                raise Unbuildable("concatenated paths differ in more than their features")
            out = shapes[0].with_features(sum(s.features for s in shapes))
            if all(isinstance(r, _Zero) for r in refs):
                return _Zero(out)
            inputs = [self.materialize(b, r) for r in refs]
            return b.node(_CONCAT_LABEL, out, inputs)
        ordered = [self.materialize(b, r) for _, r in sorted(arriving, key=lambda a: a[0])]
        label = label_hash(str(IROp(merge.op)))
        out_node = ordered[0]
        for other in ordered[1:]:  # equal shapes, or a vector [C] broadcast (the compiler's rule)
            met = broadcast((b.shapes[out_node], b.shapes[other]))
            if met is None:
                raise Unbuildable(f"paths that '{merge.text}' combines have unequal shapes")
            out_node = b.node(label, met, (out_node, other))
        return out_node

    def same_shapes(self, b: _Builder, refs: Sequence[int]) -> Shape:
        shapes = [b.shapes[r] for r in refs]
        if any(s != shapes[0] for s in shapes):
            raise Unbuildable("paths that meet have different shapes")
        return shapes[0]


def _resolve(name: str, value: object, shape: Shape) -> tuple[str, object]:
    """Attributes as the Graph IR holds them: channels absolute, depthwise groups explicit."""
    if name == "channels":
        return name, out_channels(value, shape.features)  # type: ignore[arg-type]
    if name == "groups" and value == 0:
        return name, shape.features
    return name, value


def _finish_final(whole: _FinalPiece, out: int) -> HashedView:
    """Drop nodes that do not feed the output, then zero nodes; deduplicate edges."""
    n = len(whole.labels)
    source, target = whole.source, whole.target
    if np.any(source == ENTRY):
        raise AssertionError("the root fragment reads no entry")
    live = _live(n, source, target, out)
    live[0] = True
    keep = live & ~whole.zero
    index = np.cumsum(keep) - 1
    use = keep[source] & keep[target]
    s, t = _unique_edges(index[source[use]], index[target[use]], n)
    return HashedView(whole.labels[keep], s, t)


def _unique_edges(source: I64, target: I64, n: int) -> tuple[I64, I64]:
    """The distinct edges, sorted."""
    codes = np.unique(source * max(n, 1) + target)
    return codes // max(n, 1), codes % max(n, 1)


def _live(n: int, source: I64, target: I64, out: int) -> npt.NDArray[np.bool_]:
    """The nodes that feed node ``out`` (itself included).

    The graph is acyclic, so these are what is left after peeling, round by round, the
    nodes other than ``out`` with no successor left: dead branches (a path cut by a
    zero) are short, and a few vectorised rounds beat a traversal. A long dead branch
    takes the breadth-first search instead."""
    alive = np.ones(n, dtype=np.bool_)
    for _ in range(_PEEL_ROUNDS):
        successors = np.bincount(source[alive[target]], minlength=n)
        dead = alive & (successors == 0)
        dead[out] = False
        if not dead.any():
            return alive
        alive &= ~dead
    return _reaching(n, source, target, out)


_PEEL_ROUNDS = 12


def _reaching(n: int, source: I64, target: I64, out: int) -> npt.NDArray[np.bool_]:
    """The nodes that feed node ``out`` (itself included), by breadth-first search."""
    order = np.argsort(target, kind="stable")
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(target, minlength=n), out=indptr[1:])
    reverse = sp.csr_matrix(
        (np.ones(len(source), dtype=np.int8), source[order], indptr), shape=(n, n)
    )
    live = np.zeros(n, dtype=np.bool_)
    live[breadth_first_order(reverse, out, directed=True, return_predecessors=False)] = True
    return live


# ---- hierarchy levels


@dataclass(frozen=True, slots=True)
class _LevelPiece:
    """A level fragment with its plain junctions contracted: kept nodes, their edges,
    the nodes its entry reaches (``first``), those reaching its exit (``last``), and
    whether the entry reaches the exit through junctions alone."""

    labels: U64
    source: I64
    target: I64
    first: I64
    last: I64
    through: bool


class _Level:
    """Memoised fragments of hierarchy-level graphs."""

    def __init__(self, space: Space, cache_size: int) -> None:
        self.space = space
        self.cache: OrderedDict[int, _LevelPiece] = OrderedDict()  # by `key`
        self.texts: dict[str, int] = {}
        self.singles: dict[int, _LevelPiece] = {}
        self.cache_size = cache_size
        # per levels-left: derivation -> shape key; shape content -> key (all lefts)
        self.keys: list[dict[Derivation, int]] = []
        self.interned: dict[tuple[object, ...], int] = {}
        self.heights: dict[Derivation, int] = {}
        self.plans: dict[tuple[str, int], tuple[Topology, tuple[Edge, ...], list[int]]] = {}

    def height(self, d: Derivation) -> int:
        """1 + the largest height of ``d``'s children (1 without children): with this
        many levels left or more, ``d`` is expanded to primitives, so its fragment (and
        key) is the same for every larger number of levels left."""
        found = self.heights.get(d)
        if found is None:
            found = 1 + max([self.height(c) for c in d.children], default=0)
            if len(self.heights) >= self.cache_size:
                self.heights.clear()
            self.heights[d] = found
        return found

    def key(self, d: Derivation, left: int) -> int:
        """A small integer that is equal for two derivations exactly when their fragments
        with ``left`` levels to expand are: (nt, alt) at 0 levels left (the item label
        ``NT:head`` depends on nothing else), else (nt, alt, the children's keys at
        ``left - 1``), as `fragment` builds them; ``left`` clamped to the height, as
        there."""
        if left > 0:
            left = min(left, self.height(d))
        while len(self.keys) <= left:
            self.keys.append({})
        memo = self.keys[left]
        found = memo.get(d)
        if found is not None:
            return found
        content: tuple[object, ...]
        if left == 0:
            content = (0, d.nt, d.alt)
        else:
            content = (left, d.nt, d.alt, tuple([self.key(c, left - 1) for c in d.children]))
        table = self.interned
        found = table.get(content)
        if found is None:
            found = table[content] = len(table)
        if len(memo) >= self.cache_size:
            memo.clear()
        memo[d] = found
        return found

    def view_key(self, d: Derivation, level: int) -> int:
        """Equal for two architectures exactly when their level-``level`` graphs are:
        `graph` wires the root's template around its children's fragments with ``level``
        levels left, so the graph is a function of the root's key at ``level + 1``."""
        return self.key(d, level + 1)

    def hashed(self, text: str) -> int:
        found = self.texts.get(text)
        if found is None:
            found = self.texts[text] = label_hash(text)
        return found

    def single(self, label: int) -> _LevelPiece:
        """The piece of one kept node between the entry and the exit (what `_Wiring`
        contracts that to), one object per label."""
        found = self.singles.get(label)
        if found is None:
            one = np.zeros(1, dtype=np.int64)
            none = np.empty(0, dtype=np.int64)
            found = _LevelPiece(np.array([label], dtype=np.uint64), none, none, one, one, False)
            self.singles[label] = found
        return found

    def item_label(self, child: Derivation) -> int:
        return self.hashed(f"{child.nt}:{head(self.space, child)}")

    def graph(self, d: Derivation, level: int) -> HashedView:
        """Level ``level`` of ``d``: input and output nodes around the root's template."""
        w = _Wiring()
        source, sink = w.kept(self.hashed("input")), w.kept(self.hashed("output"))
        template = self.space.rule_map[d.nt].alternatives[d.alt].template
        self.build(w, template, iter(d.children), source, sink, level)
        piece = w.contract(entry=None, exit=None)
        s, t = _unique_edges(piece.source, piece.target, len(piece.labels))
        return HashedView(piece.labels, s, t)

    def fragment(self, d: Derivation, left: int) -> _LevelPiece:
        """The item ``d`` with ``left`` more levels to expand (as many as its height
        expand it whole, so more are the same fragment). Remembered by `key`, which is
        equal exactly when the fragments are: derivations that differ only below
        ``left`` levels share theirs."""
        if left > 0:
            left = min(left, self.height(d))
        key = self.key(d, left)
        found = self.cache.get(key)
        if found is not None:
            self.cache.move_to_end(key)
            return found
        template = self.space.rule_map[d.nt].alternatives[d.alt].template
        if left == 0:
            found = self.single(self.item_label(d))
        elif isinstance(template, Prim):
            found = self.single(self.hashed(template.text))
        elif isinstance(template, NT):
            found = self.fragment(d.children[0], left - 1)
        else:
            w = _Wiring()
            entry, exit_ = w.junction(), w.junction()
            self.build(w, template, iter(d.children), entry, exit_, left - 1)
            found = w.contract(entry, exit_)
        self.cache[key] = found
        if len(self.cache) > self.cache_size:
            self.cache.popitem(last=False)
        return found

    def build(
        self, w: _Wiring, t: Template, children: object, src: int, dst: int, left: int
    ) -> None:
        """``t`` wired between vertices ``src`` and ``dst``; its NT children get ``left``
        more levels (as `nasc.compiler.derive.hierarchy`: a node per NT at 0 levels left)."""
        kids = children  # an iterator over the remaining children, in template order
        if isinstance(t, Prim):
            n = w.kept(self.hashed(t.text))
            w.edge(src, n)
            w.edge(n, dst)
            return
        if isinstance(t, NT):
            child = next(kids)  # type: ignore[call-overload]
            w.piece(self.fragment(child, left), src, dst)
            return
        self.topology(w, t, kids, src, dst, left)

    def plan(self, name: str, arity: int) -> tuple[Topology, tuple[Edge, ...], list[int]]:
        """A topology used with ``arity`` arguments: its edges and each node's number
        of incoming edges (remembered: variadic topologies make their edges per call)."""
        found = self.plans.get((name, arity))
        if found is None:
            topology = self.space.topology(name)
            if not _supported(topology):
                raise Unsupported(name)
            edges = topology.edges_for(arity)
            incoming = [0] * topology.node_count(arity)
            for e in edges:
                incoming[e.target] += 1
            found = self.plans[(name, arity)] = (topology, edges, incoming)
        return found

    def topology(
        self, w: _Wiring, t: Topo, children: object, src: int, dst: int, left: int
    ) -> None:
        topology, edges, incoming = self.plan(t.name, len(t.args))
        last = len(incoming) - 1
        arg_children: list[list[Derivation]] = [
            [next(children) for _ in nonterminals_in(arg)]  # type: ignore[call-overload]
            for arg in t.args
        ]
        merge_arg = topology.merge_arg
        # each topology node as (in vertex, out vertex)
        slots: list[tuple[int, int]] = []
        for k in range(last + 1):
            if incoming[k] > 1:
                if merge_arg is None:
                    n = w.kept(self.hashed(topology.merge or "sum"))
                    slots.append((n, n))
                else:
                    merge = t.args[merge_arg]
                    if isinstance(merge, Prim):
                        n = w.kept(self.hashed(merge.text))
                        slots.append((n, n))
                    else:
                        a, z = w.junction(), w.junction()
                        w.piece(self.fragment(arg_children[merge_arg][0], left), a, z)
                        slots.append((a, z))
            else:
                j = w.junction()
                slots.append((j, j))
        w.edge(src, slots[0][0])
        w.edge(slots[last][1], dst)
        for e in edges:
            if e.arg >= 0:
                self.build(
                    w,
                    t.args[e.arg],
                    iter(arg_children[e.arg]),
                    slots[e.source][1],
                    slots[e.target][0],
                    left,
                )


class _Wiring:
    """A small graph of kept nodes (with labels) and junction vertices, contracted into
    a `_LevelPiece`. Child pieces come in whole: their nodes as arrays, their first and
    last nodes wired to the vertices around them."""

    def __init__(self) -> None:
        self.count = 0
        self.is_junction: dict[int, bool] = {}
        self.labels: list[U64] = []
        self.source: list[I64] = []
        self.target: list[I64] = []
        self.new_labels: list[int] = []
        self.label_owner: list[int] = []  # per label chunk, first vertex id
        self.out: dict[int, list[int]] = {}  # vertex -> successors (edges at junctions)

    def _vertex(self, junction: bool) -> int:
        v = self.count
        self.count += 1
        if junction:
            self.is_junction[v] = True
        return v

    def junction(self) -> int:
        return self._vertex(True)

    def kept(self, label: int) -> int:
        v = self._vertex(False)
        self.labels.append(np.array([label], dtype=np.uint64))
        self.label_owner.append(v)
        return v

    def edge(self, s: int, t: int) -> None:
        self.out.setdefault(s, []).append(t)

    def piece(self, piece: _LevelPiece, src: int, dst: int) -> None:
        offset = self.count
        self.count += len(piece.labels)
        if len(piece.labels):
            self.labels.append(piece.labels)
            self.label_owner.append(offset)
        if len(piece.source):
            self.source.append(piece.source + offset)
            self.target.append(piece.target + offset)
        for f in piece.first.tolist():
            self.edge(src, f + offset)
        for node in piece.last.tolist():
            self.edge(node + offset, dst)
        if piece.through:
            self.edge(src, dst)

    def contract(self, entry: int | None, exit: int | None) -> _LevelPiece:
        """Junctions contracted: kept-to-kept edges through junction paths."""
        junction = self.is_junction
        memo: dict[int, tuple[set[int], bool]] = {}

        def reach(v: int) -> tuple[set[int], bool]:
            """Kept nodes reached from junction v through junctions, and whether exit is."""
            found = memo.get(v)
            if found is not None:
                return found
            kept: set[int] = set()
            to_exit = v == exit
            for t in self.out.get(v, ()):
                if t in junction:
                    more, ex = reach(t)
                    kept |= more
                    to_exit = to_exit or ex
                else:
                    kept.add(t)
            memo[v] = (kept, to_exit)
            return memo[v]

        new_source: list[int] = []
        new_target: list[int] = []
        last: list[int] = []
        for s, targets in self.out.items():
            if s in junction:
                continue
            reached: set[int] = set()
            to_exit = False
            for t in targets:
                if t in junction:
                    more, ex = reach(t)
                    reached |= more
                    to_exit = to_exit or ex
                else:
                    reached.add(t)
            for t in reached:
                new_source.append(s)
                new_target.append(t)
            if to_exit:
                last.append(s)
        first: set[int] = set()
        through = False
        if entry is not None:
            first, through = reach(entry)
        # renumber kept vertices 0.. in vertex order
        owners = (
            np.concatenate(
                [
                    np.arange(o, o + len(c), dtype=np.int64)
                    for o, c in zip(self.label_owner, self.labels, strict=True)
                ]
            )
            if self.labels
            else np.empty(0, dtype=np.int64)
        )
        order = np.argsort(owners, kind="stable")
        labels = np.concatenate(self.labels)[order] if self.labels else np.empty(0, np.uint64)
        kept_sorted = owners[order]
        index = np.full(self.count, -1, dtype=np.int64)
        index[kept_sorted] = np.arange(len(kept_sorted))
        source = [*self.source, np.asarray(new_source, dtype=np.int64)]
        target = [*self.target, np.asarray(new_target, dtype=np.int64)]
        return _LevelPiece(
            labels,
            index[np.concatenate(source)],
            index[np.concatenate(target)],
            index[np.asarray(sorted(first), dtype=np.int64)],
            index[np.asarray(sorted(last), dtype=np.int64)],
            through,
        )


class FastViews:
    """Every view of a `ViewSpec`, as `HashedView`s, from memoised fragments."""

    def __init__(self, space: Space, spec: ViewSpec, cache_size: int = 500_000) -> None:
        if space.input is None:
            raise ValueError("the space declares no input shape")
        self.space = space
        self.spec = spec
        self.final = _Final(space, cache_size)
        self.level = _Level(space, cache_size)

    def view_key(self, d: Derivation, view: int) -> int | None:
        """For a hierarchy level, a key equal for two architectures exactly when that
        level's graph is (so what is computed from the graph may be remembered by it);
        None for the final graph, which depends on the whole derivation."""
        return None if view == FINAL else self.level.view_key(d, view)

    def view(self, d: Derivation, view: int) -> HashedView:
        """One view; Unbuildable when it is the final graph and there is none."""
        return self.final.graph(d) if view == FINAL else self.level.graph(d, view)

    def views(self, d: Derivation) -> list[HashedView]:
        """The views in ``spec.views`` order; Unbuildable when there is no final graph."""
        found = []
        for v in self.spec.views:
            found.append(self.final.graph(d) if v == FINAL else self.level.graph(d, v))
        return found


__all__ = ["FastViews", "HashedView", "Unbuildable", "Unsupported"]
