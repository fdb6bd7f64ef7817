"""The shortcuts of the hot path give the numbers of the plain computation: candidates'
Grams against the training keys alone, and the training Gram grown by new rows."""

from __future__ import annotations

import random

import numpy as np

from nasc.compiler import Derivation, Space, mutate, sample
from nasc.search.bo.features import FeatureStore
from nasc.search.bo.gp import fit_gp
from nasc.search.bo.views import ViewSpec


def test_cross_grams_equal_the_dictionary_products(
    hnb201: Space, architectures: list[Derivation]
) -> None:
    store = FeatureStore(hnb201, ViewSpec())
    train = architectures[:16]
    rng = random.Random(3)
    candidates = [mutate(hnb201, d, rng) for d in architectures[:8]] + architectures[16:]
    candidates = [d for d in candidates if store.buildable(d)]
    basis = store.basis(train)
    raw, squared = store.cross_grams(candidates, basis)
    a, b = store.rows(candidates), store.rows(train)
    assert np.array_equal(raw, store.raw_grams_of(a, b))
    assert np.array_equal(squared, np.asarray(a.squared))
    assert np.array_equal(basis.squared, np.asarray(b.squared))
    assert raw[0].min() > 0  # every architecture shares labels with every other at h=0
    # up to a final-graph depth: the same numbers where `view_grams` at that h reads
    upto, _ = store.cross_grams(candidates, basis, final_h=1)
    final = [c for c, comp in enumerate(store.components) if comp.view == 0]
    assert len(final) == 5
    assert np.array_equal(upto[final[:2]], raw[final[:2]]) and not upto[final[2:]].any()
    assert np.array_equal(upto[len(final) :], raw[len(final) :])
    grams = store.view_grams(raw, squared, basis.squared, 1)
    assert np.array_equal(store.view_grams(upto, squared, basis.squared, 1), grams)
    # the hierarchy levels' rows are remembered by histogram object: a second batch
    # (mutants sharing their parents' level graphs) takes them from the memo, unchanged
    assert basis.shared
    more = [mutate(hnb201, d, rng) for d in candidates]
    more = [d for d in more if store.buildable(d)]
    both = [*candidates[::-1], *more]
    again, again_squared = store.cross_grams(both, basis)
    c = store.rows(both)
    assert np.array_equal(again, store.raw_grams_of(c, b))
    assert np.array_equal(again_squared, np.asarray(c.squared))


def test_a_grown_training_gram_equals_a_fresh_one(
    hnb201: Space, architectures: list[Derivation]
) -> None:
    grown = FeatureStore(hnb201, ViewSpec())
    for n in (5, 12, 12, 24):
        grown.train_grams(architectures[:n])
    raw, diag = grown.train_grams(architectures)
    fresh_raw, fresh_diag, _ = FeatureStore(hnb201, ViewSpec()).raw_grams(architectures)
    assert np.array_equal(raw, fresh_raw) and np.array_equal(diag, fresh_diag)
    # a training set that is not an extension is computed whole
    other, _ = grown.train_grams(architectures[::-1])
    assert np.array_equal(other, fresh_raw[:, ::-1, ::-1])


def test_the_fit_is_the_same_with_a_remembered_gram(
    hnb201: Space, architectures: list[Derivation]
) -> None:
    values = [1.0 + (i % 5) for i in range(len(architectures))]
    remembered = FeatureStore(hnb201, ViewSpec())
    fit_gp(remembered, architectures[:10], values[:10])
    a = fit_gp(remembered, architectures, values)
    b = fit_gp(FeatureStore(hnb201, ViewSpec()), architectures, values)
    assert a.hyper == b.hyper
    probe = architectures[:4]
    assert np.array_equal(a.predict(probe)[0], b.predict(probe)[0])


def test_prefetched_features_equal_those_computed_one_by_one(hnb201: Space) -> None:
    rng = random.Random(5)
    parents = [sample(hnb201, rng) for _ in range(6)]
    batch = [*parents, *(mutate(hnb201, d, rng) for d in parents for _ in range(4))]
    together, alone = FeatureStore(hnb201, ViewSpec()), FeatureStore(hnb201, ViewSpec())
    together.prefetch(batch)
    assert all(d in together._cache for d in batch)
    for d in batch:
        assert together.buildable(d) == alone.buildable(d)
        if not alone.buildable(d):
            continue
        for x, y in zip(together.features(d), alone.features(d), strict=True):
            for a, b in zip(x, y, strict=True):
                assert np.array_equal(a.keys, b.keys) and np.array_equal(a.counts, b.counts)


def test_scoring_at_a_fitted_depth_gives_the_whole_features_numbers(
    hnb201: Space, architectures: list[Derivation]
) -> None:
    """Candidates prefetched for scoring at final-graph depth 1 (WL stopped there) get
    the cross Grams of the whole features at that depth, and their whole features
    when they are wanted for training."""
    rng = random.Random(9)
    train = architectures[:12]
    candidates = [mutate(hnb201, d, rng) for d in architectures for _ in range(2)]
    shallow, whole = FeatureStore(hnb201, ViewSpec()), FeatureStore(hnb201, ViewSpec())
    candidates = [d for d in dict.fromkeys(candidates) if whole.buildable(d)]
    basis_s, basis_w = shallow.basis(train), whole.basis(train)
    shallow.prefetch(candidates, final_h=1)
    assert all(d in shallow._scoring and d not in shallow._cache for d in candidates)
    assert all(shallow.buildable(d) for d in candidates)
    assert len(shallow.scoring_features(candidates[0], 1)[0]) == 2  # iterations 0 and 1
    raw_s, sq_s = shallow.cross_grams(candidates, basis_s, final_h=1)
    raw_w, sq_w = whole.cross_grams(candidates, basis_w, final_h=1)
    assert np.array_equal(raw_s, raw_w) and np.array_equal(sq_s, sq_w)
    for d in candidates[:5]:
        for x, y in zip(shallow.features(d), whole.features(d), strict=True):
            assert len(x) == len(y)
            for a, b in zip(x, y, strict=True):
                assert np.array_equal(a.keys, b.keys) and np.array_equal(a.counts, b.counts)
