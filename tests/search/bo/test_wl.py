"""WL features against an independent implementation: grakel's WeisfeilerLehman kernel
with a VertexHistogram base kernel, normalised, must equal nasc's to 1e-9."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

from nasc.compiler import Derivation, Space, crossover, load, mutate, sample, self_crossover
from nasc.search.bo.features import FeatureStore
from nasc.search.bo.views import FINAL, View, ViewSpec, views_of
from nasc.search.bo.wl import LabelDictionary, wl_histograms

grakel = pytest.importorskip("grakel")
from grakel.kernels import VertexHistogram, WeisfeilerLehman  # noqa: E402


@pytest.fixture(scope="module")
def examples_spaces() -> list[Space]:
    root = Path(__file__).resolve().parents[3]
    names = ["nb201.nas", "mnist1d.nas", "activation.nas", "transformer.nas"]
    names += ["tests/backends/spaces/signals.nas"]
    found = []
    for name in names:
        path = root / "examples" / name if "/" not in name else root / name
        if path.exists():
            found.append(load(str(path)))
    return found


def grakel_kernel(views: list[View], h: int) -> np.ndarray:
    graphs = []
    for view in views:
        adjacency: dict[int, dict[int, float]] = {i: {} for i in range(len(view.labels))}
        for s, t in view.edges:
            adjacency[s][t] = 1.0
        graphs.append(grakel.Graph(adjacency, node_labels=dict(enumerate(view.labels))))
    kernel = WeisfeilerLehman(n_iter=h, base_graph_kernel=VertexHistogram, normalize=True)
    return np.asarray(kernel.fit_transform(graphs), dtype=np.float64)


def nasc_kernel(views: list[View], h: int) -> np.ndarray:
    dictionary = LabelDictionary()
    histograms = [wl_histograms(v, 0, h) for v in views]
    columns = [[dictionary.columns(x.keys) for x in per] for per in histograms]
    features = np.zeros((len(views), len(dictionary)))
    for row, per_iteration in enumerate(histograms):
        for histogram, found in zip(per_iteration, columns[row], strict=True):
            features[row, found] += histogram.counts
    gram = features @ features.T
    norms = np.sqrt(np.diag(gram))
    return gram / np.outer(norms, norms)


def random_view(rng: random.Random) -> View:
    n = rng.randint(1, 14)
    labels = tuple(rng.choice("abcd") for _ in range(n))
    edges = {(rng.randrange(n), rng.randrange(n)) for _ in range(rng.randint(0, 3 * n))}
    return View(labels, tuple(sorted(edges)))


@pytest.mark.parametrize("h", [1, 2, 3, 4])
def test_random_graphs_match_grakel(h: int) -> None:
    rng = random.Random(h)
    views = [random_view(rng) for _ in range(40)]
    assert np.abs(nasc_kernel(views, h) - grakel_kernel(views, h)).max() < 1e-9


@pytest.mark.parametrize("view_index", [FINAL, 0, 1, 2, 3, 4])
def test_hnb201_views_match_grakel(
    hnb201: Space, architectures: list[Derivation], view_index: int
) -> None:
    spec = ViewSpec(views=(view_index,), iterations=(2,))
    views = [views_of(hnb201, d, spec)[0] for d in architectures[:10]]
    for h in (1, 2):
        assert np.abs(nasc_kernel(views, h) - grakel_kernel(views, h)).max() < 1e-9


def test_feature_store_grams_match_grakel(hnb201: Space, architectures: list[Derivation]) -> None:
    """The store's per-view normalised Grams (the final graph at every h) are grakel's."""
    store = FeatureStore(hnb201, ViewSpec(views=(FINAL, 1), iterations=(3, 2)))
    ds = architectures[:8]
    raw, diag, _ = store.raw_grams(ds)
    final = [views_of(hnb201, d, store.spec)[0] for d in ds]
    level1 = [views_of(hnb201, d, store.spec)[1] for d in ds]
    for h in (1, 2, 3):
        grams = store.view_grams(raw, diag, diag, h)
        assert np.abs(grams[0] - grakel_kernel(final, h)).max() < 1e-9
        assert np.abs(grams[1] - grakel_kernel(level1, 2)).max() < 1e-9


@pytest.mark.parametrize("seed", [0, 1])
def test_fast_views_give_the_compiler_views_features(hnb201: Space, seed: int) -> None:
    """Memoised fragments give exactly the features of `build` and `levels`, for sampled
    architectures and for their mutants and crossover children (which reuse fragments)."""
    rng = random.Random(seed)
    parents = [sample(hnb201, rng) for _ in range(6)]
    children = [mutate(hnb201, p, rng) for p in parents]
    children += [self_crossover(hnb201, p, rng) for p in parents[:3]]
    children += list(crossover(hnb201, parents[0], parents[1], rng))
    fast = FeatureStore(hnb201, ViewSpec())
    slow = FeatureStore(hnb201, ViewSpec(), engine="compiler")
    for d in [*parents, *children]:
        for view_fast, view_slow in zip(fast.features(d), slow.features(d), strict=True):
            for a, b in zip(view_fast, view_slow, strict=True):
                assert np.array_equal(a.keys, b.keys) and np.array_equal(a.counts, b.counts)


def test_fast_views_on_other_spaces(examples_spaces: list[Space]) -> None:
    rng = random.Random(3)
    for space in examples_spaces:
        fast = FeatureStore(space, ViewSpec(views=(FINAL, 0, 1, 2), iterations=(3, 1, 2, 2)))
        slow = FeatureStore(space, fast.spec, engine="compiler")
        for _ in range(6):
            d = sample(space, rng)
            for d2 in (d, mutate(space, d, rng)):
                assert fast.buildable(d2) == slow.buildable(d2)
                if not fast.buildable(d2):
                    continue
                for vf, vs in zip(fast.features(d2), slow.features(d2), strict=True):
                    for a, b in zip(vf, vs, strict=True):
                        assert np.array_equal(a.keys, b.keys)
                        assert np.array_equal(a.counts, b.counts)


def test_dictionary_round_trips_and_ids_do_not_change_kernels(
    hnb201: Space, architectures: list[Derivation]
) -> None:
    forward = FeatureStore(hnb201, ViewSpec())
    raw_a, diag_a, _ = forward.raw_grams(architectures[:6])
    backward = FeatureStore(hnb201, ViewSpec())
    for d in reversed(architectures):  # other order: other column numbers
        backward.features(d)
    raw_b, diag_b, _ = backward.raw_grams(architectures[:6])
    assert np.array_equal(raw_a, raw_b) and np.array_equal(diag_a, diag_b)
    restored = LabelDictionary.from_json(backward.dictionary.to_json())
    assert restored.to_json() == backward.dictionary.to_json()
    assert len(restored) == len(backward.dictionary) > 0


def test_batched_histograms_equal_one_call_per_graph() -> None:
    """`batch_histograms` over a disjoint union: per graph, the same keys and counts as
    `histograms`, including graphs without edges and an empty graph."""
    from nasc.search.bo.wl import batch_histograms, histograms

    rng = np.random.default_rng(1)
    graphs = []
    for size in [0, 1, 5, 12, 30, 7]:
        labels = rng.integers(0, 4, size).astype(np.uint64)
        m = 2 * size if size > 1 else 0
        a, b = rng.integers(0, max(size, 1), m), rng.integers(0, max(size, 1), m)
        keep = a != b
        graphs.append((labels, np.minimum(a, b)[keep], np.maximum(a, b)[keep]))
    batched = batch_histograms(graphs, 2, 3)
    for graph, found in zip(graphs, batched, strict=True):
        one = histograms(*graph, 2, 3)
        assert len(found) == len(one) == 4
        for x, y in zip(found, one, strict=True):
            assert np.array_equal(x.keys, y.keys) and np.array_equal(x.counts, y.counts)
