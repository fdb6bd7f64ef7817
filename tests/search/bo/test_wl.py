"""WL features against an independent implementation: grakel's WeisfeilerLehman kernel
with a VertexHistogram base kernel, normalised, must equal nasc's to 1e-9."""

from __future__ import annotations

import random

import numpy as np
import pytest

from nasc.compiler import Derivation, Space
from nasc.search.bo.features import FeatureStore
from nasc.search.bo.views import FINAL, View, ViewSpec, views_of
from nasc.search.bo.wl import LabelDictionary, wl_histograms

grakel = pytest.importorskip("grakel")
from grakel.kernels import VertexHistogram, WeisfeilerLehman  # noqa: E402


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
    histograms = [wl_histograms(v, 0, h, dictionary) for v in views]
    features = np.zeros((len(views), len(dictionary)))
    for row, per_iteration in enumerate(histograms):
        for histogram in per_iteration:
            features[row, histogram.columns] += histogram.counts
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
