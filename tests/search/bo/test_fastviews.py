"""The memoised fast views against the compiler's on NB201 cells whose ops are fed only
by zero edges: built on a zero node in examples/nb201.nas, pruned under `prune
unreachable` (the same space with that statement added, and examples/hnb201.nas)."""

from __future__ import annotations

import itertools
import random
from pathlib import Path

import numpy as np
import pytest

from nasc.compiler import Derivation, Space, build, load, mutate, sample
from nasc.compiler.derive.sampling import unrank
from nasc.compiler.graph.ir import IROp
from nasc.search.bo.fastviews import FastViews
from nasc.search.bo.features import FeatureStore
from nasc.search.bo.views import FINAL, ViewSpec, final_view
from nasc.search.bo.wl import label_hash

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
ZERO, CONV3, POOL = 1, 2, 4  # alternatives of OP in examples/nb201.nas
SPEC = ViewSpec(views=(FINAL, 0, 1), iterations=(3, 1, 2))


@pytest.fixture(scope="module", params=["plain", "pruned"])
def nb201(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Space:
    if request.param == "plain":
        return load(str(EXAMPLES / "nb201.nas"))
    text = (EXAMPLES / "nb201.nas").read_text() + "\nprune unreachable\n"
    path = tmp_path_factory.mktemp("nb201") / "nb201_pruned.nas"
    path.write_text(text)
    return load(str(path))


def net(ops: tuple[int, ...]) -> Derivation:
    """The NB201 network with every cell's six edges (0,1) (0,2) (1,2) (0,3) (1,3) (2,3)
    taking these OP alternatives."""
    cell = Derivation("CELL", 0, tuple(Derivation("OP", op) for op in ops))
    stage = Derivation("STAGE", 0, (cell,) * 5)
    return Derivation("NET", 0, (Derivation("STEM", 0), stage, stage, stage, Derivation("HEAD", 0)))


def cells() -> list[tuple[int, ...]]:
    """Every cell of zero and conv edges, and of zero and pooling edges."""
    return [*itertools.product((ZERO, CONV3), repeat=6), *itertools.product((ZERO, POOL), repeat=6)]


def assert_same(fast: FeatureStore, slow: FeatureStore, d: Derivation) -> None:
    for view_fast, view_slow in zip(fast.features(d), slow.features(d), strict=True):
        for a, b in zip(view_fast, view_slow, strict=True):
            assert np.array_equal(a.keys, b.keys) and np.array_equal(a.counts, b.counts)


def test_the_final_graph_is_the_compilers_with_and_without_pruning(nb201: Space) -> None:
    """Node for node (as a multiset of labels) and edge for edge in count, then every
    WL feature of every view, over all cells of zero and conv (or pool) edges."""
    fast_views = FastViews(nb201, SPEC)
    fast, slow = FeatureStore(nb201, SPEC), FeatureStore(nb201, SPEC, engine="compiler")
    for ops in cells():
        d = net(ops)
        view = final_view(nb201, d)
        hashed = fast_views.views(d)[0]
        expected = sorted(label_hash(label) for label in view.labels)
        assert sorted(hashed.labels.tolist()) == expected, ops
        assert len(hashed.source) == len(view.edges), ops
        assert_same(fast, slow, d)


def test_zero_fed_ops_are_built_only_without_pruning(nb201: Space) -> None:
    """Edge (0,1) cut, (1,2) and (1,3) convs: node 1 is fed only by zeros. NB201 builds
    both convs on a zero node (they stay in the graph, each with relu and batchnorm);
    `prune unreachable` leaves neither, and the fast view follows the compiler."""
    ops = (ZERO, CONV3, CONV3, CONV3, CONV3, CONV3)
    reference = (CONV3,) * 6
    d, full = net(ops), net(reference)
    convs = [sum(1 for node in build(nb201, x).nodes if node.op == IROp.CONV) for x in (d, full)]
    cut = [len(final_view(nb201, x).labels) for x in (d, full)]
    fast = FastViews(nb201, SPEC)
    assert [len(fast.views(x)[0].labels) for x in (d, full)] == cut
    # a cell of six relu-conv-bn edges has 18 nodes and sums at nodes 2 and 3; cutting
    # (0,1) drops its 3 nodes and, when pruned, those of (1,2) and (1,3) too, and node
    # 2's sum, left one live path: 3 or 10 nodes fewer in each of the 15 cells
    if nb201.prune_unreachable:
        assert (cut[1] - cut[0], convs[1] - convs[0]) == (10 * 15, 3 * 15)
    else:
        assert (cut[1] - cut[0], convs[1] - convs[0]) == (3 * 15, 1 * 15)


def test_hnb201_mutants_of_a_zero_fed_cell(hnb201: Space) -> None:
    """hNB201 declares `prune unreachable`: sampled mutants that keep or lose zero-fed
    ops give the compiler's features from the fast (memoised) path."""
    assert hnb201.prune_unreachable
    rng = random.Random(5)
    fast = FeatureStore(hnb201, SPEC)
    slow = FeatureStore(hnb201, SPEC, engine="compiler")
    seen = 0
    for _ in range(12):
        d = sample(hnb201, rng)
        for child in (d, mutate(hnb201, d, rng), mutate(hnb201, d, rng)):
            if fast.buildable(child):
                assert fast.buildable(child) == slow.buildable(child)
                assert_same(fast, slow, child)
                seen += 1
    assert seen


def test_level_view_keys_are_equal_only_for_equal_level_graphs(hnb201: Space) -> None:
    """The key features are remembered by: two architectures with the same key at a level
    have the same level graph by `nasc.compiler.levels`; a mutant changed deep keeps the
    shallow levels' keys of its parent, and its features are the compiler's."""
    from nasc.compiler import levels

    rng = random.Random(8)
    fast_views = FastViews(hnb201, ViewSpec())
    fast = FeatureStore(hnb201, ViewSpec())
    slow = FeatureStore(hnb201, ViewSpec(), engine="compiler")
    family: list[Derivation] = []
    for _ in range(4):
        d = sample(hnb201, rng)
        family += [d, *(mutate(hnb201, d, rng) for _ in range(6))]
    graphs = {d: levels(hnb201, d, depth=5) for d in family}
    shared = 0
    for level in range(5):
        by_key: dict[int, Derivation] = {}
        for d in family:
            key = fast_views.view_key(d, level)
            assert key is not None
            other = by_key.setdefault(key, d)
            if other is not d:
                shared += 1
                mine, theirs = graphs[d][level], graphs[other][level]
                assert (mine.labels, sorted(mine.edges)) == (theirs.labels, sorted(theirs.edges))
    assert shared > 20  # mutants mostly keep their parent's shallow levels
    assert fast_views.view_key(family[0], FINAL) is None
    for d in family:
        if fast.buildable(d):
            assert_same(fast, slow, d)


COMPOSITE_SPACE = """import std
input [8, 8, 8]
op se(ratio=*0.25) = Binary(multi, id, Sequential(global_avg_pool, linear(channels=ratio),
                                                   relu, linear(8), sigmoid))
op conv_bn(width, k=3) = Sequential(conv(width, kernel=k), batchnorm, relu)
NET   ::= Sequential(conv_bn(8), BLOCK, Residual(BLOCK, id, BLOCK), global_avg_pool, linear(4))
BLOCK ::= se | conv_bn(8, k=(1 | 5)) | Sequential(conv_bn(8), se(ratio=*0.5))
"""


def test_composite_operations_are_expanded_as_the_compiler_does(tmp_path: Path) -> None:
    """A composite stays one unit in derivations but is its body in the Graph: the fast
    views expand it the same way, feature for feature, over every architecture."""
    path = tmp_path / "composite.nas"
    path.write_text(COMPOSITE_SPACE)
    space = load(str(path))
    spec = ViewSpec(views=(FINAL, 0, 1), iterations=(2, 1, 1))
    fast, slow = FeatureStore(space, spec), FeatureStore(space, spec, engine="compiler")
    assert space.count() == 4**3
    for rank in range(space.count()):
        d = unrank(space, rank)
        view = final_view(space, d)
        hashed = FastViews(space, spec).views(d)[0]
        assert sorted(hashed.labels.tolist()) == sorted(label_hash(x) for x in view.labels)
        assert_same(fast, slow, d)


MIXED_SPACE = """import std
input [8, 8, 8]
topology Pair(a, b, c) inputs 2
    edges (0,2) (1,2) (2,3)
NET  ::= Sequential(conv(8, kernel=3), Cascade(CELL, CELL), global_avg_pool, linear(4))
       | Sequential(conv(8, kernel=3), Residual(OP, id, OP), global_avg_pool, linear(4))
CELL ::= Pair(OP, OP, OP)
OP   ::= conv(8, kernel=3) | max_pool(kernel=3) | id
"""


def test_architectures_with_multi_input_cells_take_the_compilers_views(tmp_path: Path) -> None:
    """Fragments model one-input topologies only: an architecture using a two-input cell
    under `Cascade` gets the compiler's views, one using plain topologies the fast ones,
    in the same space, and every feature equals the compiler's."""
    path = tmp_path / "mixed.nas"
    path.write_text(MIXED_SPACE)
    space = load(str(path))
    spec = ViewSpec(views=(FINAL, 0, 1), iterations=(2, 1, 1))
    fast, slow = FeatureStore(space, spec), FeatureStore(space, spec, engine="compiler")
    assert fast._fast is not None
    ranks = range(space.count())
    plain = [unrank(space, r) for r in ranks if unrank(space, r).alt == 1]
    cells = [unrank(space, r) for r in ranks if unrank(space, r).alt == 0]
    assert len(plain) == 9 and len(cells) == 27**2
    for d in cells[:60]:
        assert_same(fast, slow, d)
    assert not fast._fast.final.cache  # no fragment was made for a two-input cell
    for d in plain:
        assert_same(fast, slow, d)
    assert fast._fast.final.cache


def test_hnb201_takes_the_fast_views(hnb201: Space) -> None:
    """The built-in `Cascade` topology every space knows does not turn the fast views off
    for a space that never uses it."""
    store = FeatureStore(hnb201, ViewSpec())
    assert store._fast is not None
    d = sample(hnb201, random.Random(0))
    store.features(d)
    assert store._fast.final.cache and store._fast.level.cache


def test_peeling_dead_branches_finds_the_nodes_a_search_finds() -> None:
    """`_live` (rounds of peeling sinks) against the breadth-first search, on random
    DAGs with short dead branches and with a dead chain longer than its rounds."""
    from nasc.search.bo.fastviews import _PEEL_ROUNDS, _live, _reaching

    rng = np.random.default_rng(0)
    for trial in range(200):
        n = int(rng.integers(2, 60))
        m = int(rng.integers(1, 3 * n))
        a, b = rng.integers(0, n, m), rng.integers(0, n, m)
        keep = a != b
        source, target = np.minimum(a, b)[keep], np.maximum(a, b)[keep]
        if trial % 10 == 0:  # a dead chain hanging off node 0, longer than the rounds
            chain = np.arange(n, n + 2 * _PEEL_ROUNDS)
            source = np.concatenate([source, [0], chain[:-1]])
            target = np.concatenate([target, [chain[0]], chain[1:]])
            n += len(chain)
        out = int(rng.integers(0, n))
        expected = _reaching(n, source, target, out)
        assert np.array_equal(_live(n, source, target, out), expected)


@pytest.mark.parametrize("name", sorted(p.name for p in EXAMPLES.glob("*.nas")))
def test_every_example_gets_the_compilers_features_from_the_fast_views(name: str) -> None:
    """On every example space: the fast views are on unless the space ties cells, and
    samples and their mutants get the compiler's features, view for view."""
    space = load(str(EXAMPLES / name))
    spec = ViewSpec(views=(FINAL, 0, 1, 2), iterations=(2, 1, 2, 2))
    fast, slow = FeatureStore(space, spec), FeatureStore(space, spec, engine="compiler")
    assert (fast._fast is None) == bool(space.ties)
    rng = random.Random(11)
    for _ in range(6):
        d = sample(space, rng)
        for x in (d, mutate(space, d, rng)) if space.count() > 1 else (d,):
            assert fast.buildable(x) == slow.buildable(x)
            if slow.buildable(x):
                assert_same(fast, slow, x)
