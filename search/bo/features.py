"""WL features of architectures, cached by derivation, and the Gram matrices they give.

A `FeatureStore` turns a derivation into the WL histograms of every view of its
`ViewSpec` (cached, least recently used first out) and computes exact integer Gram
matrices between sets of architectures with sparse products. The final graph's
iterations stay separate *components*, so the GP can try h = 0..H from one product
per iteration; every other view is one component (its iterations 0..h together).

The views come from `FastViews` (memoised fragments; ``engine="fast"``, the default)
or straight from `nasc.compiler.build` / `levels` (``engine="compiler"``); the
tests check that both give the same features.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from nasc.compiler import Derivation, Space
from nasc.dsl import NascError
from nasc.search.bo.fastviews import FastViews, Unbuildable, Unsupported
from nasc.search.bo.views import FINAL, ViewSpec, views_of
from nasc.search.bo.wl import (
    Histogram,
    LabelDictionary,
    batch_histograms,
    histograms,
    view_arrays,
)

F64 = npt.NDArray[np.float64]
U64 = npt.NDArray[np.uint64]
I64 = npt.NDArray[np.int64]
ArchFeatures = tuple[tuple[Histogram, ...], ...]  # per view, per iteration


@dataclass(frozen=True)
class Component:
    """A block of features whose Gram is computed as one product: one view, some iterations."""

    view: int  # position in the ViewSpec
    iterations: tuple[int, ...]


@dataclass(frozen=True)
class Rows:
    """The sparse count matrices (one per component) of a list of architectures, with
    their squared norms; columns of a `LabelDictionary`, which may have grown since."""

    data: tuple[tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64]], ...]
    squared: tuple[F64, ...]

    def matrix(self, component: int, columns: int) -> sp.csr_matrix:
        data, index, indptr = self.data[component]
        return sp.csr_matrix((data, index, indptr), shape=(len(indptr) - 1, columns))


@dataclass(frozen=True)
class Basis:
    """The training side of cross Grams: the distinct keys of the training architectures
    over all components (sorted; keys are salted by view and iteration, so components
    never share one) and their count matrix transposed (keys x architectures), with the
    component of each key. A candidate's key that no training architecture has adds
    nothing to a cross product, so candidates need neither the run-wide dictionary nor
    new columns, and all components take one sparse product.

    ``shared`` remembers the products of hierarchy-level histograms: many candidates
    share a level graph (a mutant changed below it keeps its parent's, the same
    histogram object), whose row against this basis is computed once."""

    keys: npt.NDArray[np.uint64]
    transposed: sp.csr_matrix
    squared: F64  # (C, n) squared norms of the training rows
    size: int
    shared: dict[tuple[int, int], tuple[object, F64, float]] = field(
        default_factory=dict, compare=False, repr=False
    )


def _gather(
    rows: Sequence[tuple[tuple[Histogram, ...], tuple[int, ...]]],
) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Keys, counts and row pointers of sparse rows, each the histograms of one view at
    some of its iterations."""
    keys, counts = [], []
    lengths = np.zeros(len(rows) + 1, dtype=np.int64)
    for r, (view, iterations) in enumerate(rows):
        for i in iterations:
            keys.append(view[i].keys)
            counts.append(view[i].counts)
            lengths[r + 1] += len(view[i].keys)
    flat_keys = np.concatenate(keys) if keys else np.empty(0, dtype=np.uint64)
    flat_counts = np.concatenate(counts) if counts else np.empty(0, dtype=np.int64)
    return flat_keys, flat_counts, np.cumsum(lengths)


def _component_arrays(
    feats: Sequence[ArchFeatures], component: Component
) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Keys, counts and row pointers of one component over a list of architectures."""
    return _gather([(f[component.view], component.iterations) for f in feats])


def _squared(counts: npt.NDArray[np.int64], indptr: npt.NDArray[np.int64]) -> F64:
    """Each row's squared norm (sum of squared counts)."""
    squares = (counts * counts).astype(np.float64)
    sums = np.concatenate([[0.0], np.cumsum(squares)])
    out: F64 = sums[indptr[1:]] - sums[indptr[:-1]]
    return out


class FeatureStore:
    """WL histograms per derivation for one space and view spec, with a run-wide dictionary."""

    def __init__(
        self,
        space: Space,
        spec: ViewSpec,
        dictionary: LabelDictionary | None = None,
        cache_size: int = 200_000,
        engine: str = "fast",
    ) -> None:
        if engine not in ("fast", "compiler"):
            raise ValueError(f"unknown feature engine '{engine}' (fast or compiler)")
        self.space = space
        self.spec = spec
        self.dictionary = dictionary if dictionary is not None else LabelDictionary()
        self.cache_size = cache_size
        self.engine = engine
        # the fast views know one-input topologies only: a space with ties (`shared
        # CELL(kind)`) takes the reference views, and so does an architecture using a
        # cell with several inputs, `Cascade` or per-node merges (`Unsupported`)
        simple = not space.ties
        self._fast = FastViews(space, spec) if engine == "fast" and simple else None
        self._cache: OrderedDict[Derivation, ArchFeatures | None] = OrderedDict()
        # candidates prefetched for scoring with the final graph's iterations only up to
        # the fitted depth (`prefetch` with ``final_h``); `features` completes them
        self._scoring: OrderedDict[Derivation, ArchFeatures] = OrderedDict()
        # histograms of hierarchy-level views by (view position, FastViews.view_key): a
        # mutant changed below a level has that level's graph, and features, unchanged
        self._by_view: dict[tuple[int, int], tuple[Histogram, ...]] = {}
        self._gram: tuple[list[Derivation], F64, F64] = ([], np.empty(0), np.empty(0))
        self.components: list[Component] = []
        for p, (view, h) in enumerate(zip(spec.views, spec.iterations, strict=True)):
            if view == FINAL:
                self.components += [Component(p, (i,)) for i in range(h + 1)]
            else:
                self.components.append(Component(p, tuple(range(h + 1))))

    def buildable(self, derivation: Derivation) -> bool:
        """Whether the architecture has a graph (and so features)."""
        return derivation in self._scoring or self._lookup(derivation) is not None

    def scoring_features(self, derivation: Derivation, final_h: int | None) -> ArchFeatures:
        """Features good for a kernel that reads the final graph's iterations up to
        ``final_h`` only: those `prefetch` made to that depth, else the whole ones."""
        if final_h is not None and derivation not in self._cache:
            found = self._scoring.get(derivation)
            if found is not None and all(
                len(found[c.view]) > final_h
                for c in self.components
                if self.spec.views[c.view] == FINAL
            ):
                return found
        return self.features(derivation)

    def features(self, derivation: Derivation) -> ArchFeatures:
        """The histograms of every view at every iteration (cached); Unbuildable when the
        architecture has no graph."""
        found = self._lookup(derivation)
        if found is None:
            raise Unbuildable(f"no graph for {derivation!r}")
        return found

    def _lookup(self, derivation: Derivation) -> ArchFeatures | None:
        cache = self._cache
        if derivation in cache:
            cache.move_to_end(derivation)
            return cache[derivation]
        found: ArchFeatures | None
        try:
            found = self._compute(derivation)
        except (Unbuildable, NascError):
            found = None
        self._store(derivation, found)
        return found

    def prefetch(self, derivations: Sequence[Derivation], final_h: int | None = None) -> None:
        """Compute the features of those of ``derivations`` not cached yet, together:
        their graphs one by one, then the WL histograms of each view for the whole batch
        at once (`batch_histograms`). The same features as computing them one by one;
        what the fast views cannot build is left to `features`.

        With ``final_h`` (scoring under a model fitted at that depth), the final graph's
        WL stops there: those features serve `scoring_features` only, and `features`
        computes the whole ones if the architecture is wanted for training."""
        fast = self._fast
        if final_h is not None and final_h >= (self.final_iterations() or 0):
            final_h = None
        new = [
            d
            for d in dict.fromkeys(derivations)
            if d not in self._cache and (final_h is None or d not in self._scoring)
        ]
        if fast is None or len(new) < 2:
            return
        spec, remembered = self.spec, self._by_view
        graphs: list[list[tuple[U64, I64, I64]]] = [[] for _ in spec.views]
        waiting: dict[tuple[int, int], int] = {}  # (view position, key) -> graph index
        slots: list[tuple[Derivation, list[tuple[Histogram, ...] | int]]] = []
        for d in new:
            try:
                row: list[tuple[Histogram, ...] | int] = []
                for p, view in enumerate(spec.views):
                    key = fast.view_key(d, view)
                    if key is not None:
                        known = remembered.get((p, key))
                        if known is not None:
                            row.append(known)
                            continue
                        if (p, key) in waiting:
                            row.append(waiting[(p, key)])
                            continue
                    v = fast.view(d, view)
                    if key is not None:
                        waiting[(p, key)] = len(graphs[p])
                    row.append(len(graphs[p]))
                    graphs[p].append((v.labels, v.source, v.target))
            except Unsupported:
                continue
            except (Unbuildable, NascError):
                self._store(d, None)
                continue
            slots.append((d, row))
        made = [
            [
                tuple(h)
                for h in batch_histograms(
                    graphs[p], view, h if final_h is None or view != FINAL else final_h
                )
            ]
            for p, (view, h) in enumerate(zip(spec.views, spec.iterations, strict=True))
        ]
        for (p, _key), at in waiting.items():
            if len(remembered) >= self.cache_size:
                remembered.clear()
            remembered[(p, _key)] = made[p][at]
        for d, row in slots:
            found = tuple(made[p][x] if isinstance(x, int) else x for p, x in enumerate(row))
            if final_h is None:
                self._store(d, found)
                continue
            self._scoring[d] = found
            if len(self._scoring) > self.cache_size:
                self._scoring.popitem(last=False)

    def _store(self, derivation: Derivation, found: ArchFeatures | None) -> None:
        cache = self._cache
        cache[derivation] = found
        if len(cache) > self.cache_size:
            cache.popitem(last=False)

    def _compute(self, derivation: Derivation) -> ArchFeatures:
        spec = self.spec
        fast = self._fast
        if fast is not None:
            try:
                return self._compute_fast(fast, derivation)
            except Unsupported:
                pass
        arrays = [view_arrays(v) for v in views_of(self.space, derivation, spec)]
        return tuple(
            tuple(histograms(*a, index, h))
            for a, index, h in zip(arrays, spec.views, spec.iterations, strict=True)
        )

    def _compute_fast(self, fast: FastViews, derivation: Derivation) -> ArchFeatures:
        found: list[tuple[Histogram, ...]] = []
        remembered = self._by_view
        for p, (view, h) in enumerate(zip(self.spec.views, self.spec.iterations, strict=True)):
            key = fast.view_key(derivation, view)
            hist = remembered.get((p, key)) if key is not None else None
            if hist is None:
                v = fast.view(derivation, view)
                hist = tuple(histograms(v.labels, v.source, v.target, view, h))
                if key is not None:
                    if len(remembered) >= self.cache_size:
                        remembered.clear()
                    remembered[(p, key)] = hist
            found.append(hist)
        return tuple(found)

    def rows(self, derivations: Sequence[Derivation]) -> Rows:
        """The count matrices of ``derivations`` for every component (one dictionary
        lookup for the whole batch)."""
        feats = [self.features(d) for d in derivations]
        arrays = [_component_arrays(feats, component) for component in self.components]
        flat = (
            np.concatenate([keys for keys, _, _ in arrays])
            if arrays
            else np.empty(0, dtype=np.uint64)
        )
        columns = self.dictionary.columns(flat)
        data, squared, at = [], [], 0
        for keys, values, indptr in arrays:
            data.append((values, columns[at : at + len(keys)], indptr))
            at += len(keys)
            squared.append(_squared(values, indptr))
        return Rows(tuple(data), tuple(squared))

    def _stacked(
        self, feats: Sequence[ArchFeatures]
    ) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.int64], npt.NDArray[np.int64], F64]:
        """Every component's keys and counts of ``feats`` as one matrix of C·m rows (row
        c·m + r: component c of architecture r), and the squared norms (C, m)."""
        keys: list[npt.NDArray[np.uint64]] = []
        counts: list[npt.NDArray[np.int64]] = []
        pointers: list[npt.NDArray[np.int64]] = [np.zeros(1, dtype=np.int64)]
        squared: list[F64] = []
        at = 0
        for component in self.components:
            flat, values, indptr = _component_arrays(feats, component)
            keys.append(flat)
            counts.append(values)
            pointers.append(indptr[1:] + at)
            at += int(indptr[-1])
            squared.append(_squared(values, indptr))
        return (
            np.concatenate(keys),
            np.concatenate(counts),
            np.concatenate(pointers),
            np.asarray(squared, dtype=np.float64).reshape(len(self.components), len(feats)),
        )

    def basis(self, derivations: Sequence[Derivation]) -> Basis:
        """The `Basis` of a training set."""
        feats = [self.features(d) for d in derivations]
        n = len(derivations)
        keys, counts, indptr, squared = self._stacked(feats)
        vocab, columns = np.unique(keys, return_inverse=True)
        rows = np.repeat(np.arange(len(indptr) - 1, dtype=np.int64) % max(n, 1), np.diff(indptr))
        transposed = sp.csr_matrix(
            (counts.astype(np.float64), (columns.reshape(-1), rows)), shape=(len(vocab), n)
        )
        return Basis(vocab, transposed, squared, n)

    def cross_grams(
        self, derivations: Sequence[Derivation], basis: Basis, final_h: int | None = None
    ) -> tuple[F64, F64]:
        """Unnormalised Grams per component (C, |derivations|, basis.size) against a
        training `Basis`, and the derivations' squared norms (C, |derivations|): the
        same exact integers as `raw_grams_of`, without touching the dictionary. A
        hierarchy level's histograms shared by several candidates (one object) take one
        row of the product, remembered in ``basis.shared``. With ``final_h``, the final
        graph's iterations above it (which `view_grams` at that h does not read) are
        left at zero."""
        self.prefetch(derivations, final_h)
        feats = [self.scoring_features(d, final_h) for d in derivations]
        m, c = len(derivations), len(self.components)
        out = np.zeros((c, m, basis.size))
        squared = np.zeros((c, m))
        # the rows to compute: (component, the histograms of its view) and where they go
        todo: list[tuple[int, tuple[Histogram, ...]]] = []
        places: list[list[tuple[int, int]]] = []
        fresh: dict[tuple[int, int], int] = {}
        for ci, component in enumerate(self.components):
            if (
                final_h is not None
                and self.spec.views[component.view] == FINAL
                and component.iterations[0] > final_h
            ):
                continue
            level = self.spec.views[component.view] != FINAL
            for r, f in enumerate(feats):
                hists = f[component.view]
                if not level:
                    todo.append((ci, hists))
                    places.append([(ci, r)])
                    continue
                key = (ci, id(hists))
                known = basis.shared.get(key)
                if known is not None and known[0] is hists:
                    out[ci, r] = known[1]
                    squared[ci, r] = known[2]
                    continue
                at = fresh.get(key)
                if at is None:
                    at = fresh[key] = len(todo)
                    todo.append((ci, hists))
                    places.append([])
                places[at].append((ci, r))
        if todo:
            raw, norms = self._product(todo, basis)
            for (ci, hists), rows, row, norm in zip(todo, places, raw, norms, strict=True):
                for cj, r in rows:
                    out[cj, r] = row
                    squared[cj, r] = norm
                if (ci, id(hists)) in fresh:
                    basis.shared[(ci, id(hists))] = (hists, row, float(norm))
        return out, squared

    def _product(
        self, todo: Sequence[tuple[int, tuple[Histogram, ...]]], basis: Basis
    ) -> tuple[F64, F64]:
        """The rows (component, histograms) against the basis: products (len, n) and
        squared norms (len,)."""
        flat, values, indptr = _gather(
            [(hists, self.components[ci].iterations) for ci, hists in todo]
        )
        norms = _squared(values, indptr)
        vocab = basis.keys
        if len(vocab) == 0 or len(flat) == 0:
            return np.zeros((len(todo), basis.size)), norms
        pos = np.searchsorted(vocab, flat)
        np.minimum(pos, len(vocab) - 1, out=pos)
        hit = vocab[pos] == flat
        kept = np.concatenate([[0], np.cumsum(hit)])[indptr]
        a = sp.csr_matrix(
            (values[hit].astype(np.float64), pos[hit], kept), shape=(len(todo), len(vocab))
        )
        product: F64 = (a @ basis.transposed).toarray()
        return product, norms

    def raw_grams_of(self, a: Rows, b: Rows) -> F64:
        """Unnormalised Grams per component (C, |a|, |b|), exact integers in float64."""
        width = max(len(self.dictionary), 1)
        out = []
        for c in range(len(self.components)):
            out.append((a.matrix(c, width) @ b.matrix(c, width).T).toarray())
        return np.asarray(out, dtype=np.float64)

    def raw_grams(
        self, rows: Sequence[Derivation], cols: Sequence[Derivation] | None = None
    ) -> tuple[F64, F64, F64]:
        """Unnormalised Grams per component (C, |rows|, |cols|) and the self-similarities
        of rows and cols (C, |rows|), (C, |cols|)."""
        a = self.rows(rows)
        b = a if cols is None else self.rows(cols)
        return self.raw_grams_of(a, b), np.asarray(a.squared), np.asarray(b.squared)

    def train_grams(self, derivations: Sequence[Derivation]) -> tuple[F64, F64]:
        """`raw_grams` of a training set and its squared norms, (C, n, n) and (C, n),
        remembered: when the last training set is a prefix of this one (results are
        told in order), only the new rows and columns are computed. Exact integers, so
        the same numbers as computing the whole Gram again."""
        train = list(derivations)
        known, raw, diag = self._gram
        k = len(known)
        if k == 0 or len(train) < k or train[:k] != known:
            raw, diag, _ = self.raw_grams(train)
        elif len(train) > k:
            new = train[k:]
            a = self.rows(new)
            b = self.rows(train)
            block = self.raw_grams_of(a, b)  # (C, new, n)
            c, n = len(self.components), len(train)
            grown = np.empty((c, n, n), dtype=np.float64)
            grown[:, :k, :k] = raw
            grown[:, k:, :] = block
            grown[:, :k, k:] = block[:, :, :k].transpose(0, 2, 1)
            raw = grown
            diag = np.concatenate([diag, np.asarray(a.squared)], axis=1)
        self._gram = (train, raw, diag)
        return raw, diag

    def forget_gram(self) -> None:
        """Drop the remembered training Gram (the next `train_grams` computes it whole)."""
        self._gram = ([], np.empty(0), np.empty(0))

    def view_grams(self, raw: F64, diag_rows: F64, diag_cols: F64, final_h: int | None) -> F64:
        """Cosine-normalised Gram of every view (V, |rows|, |cols|); the final graph with WL
        iterations 0..``final_h`` (all of them when None)."""
        out = []
        for p, view in enumerate(self.spec.views):
            picked = [c for c, comp in enumerate(self.components) if comp.view == p]
            if view == FINAL and final_h is not None:
                picked = [c for c in picked if self.components[c].iterations[0] <= final_h]
            k = raw[picked].sum(axis=0)
            da = diag_rows[picked].sum(axis=0)
            db = diag_cols[picked].sum(axis=0)
            out.append(k / np.sqrt(np.maximum(np.outer(da, db), 1e-300)))
        return np.asarray(out)

    def final_iterations(self) -> int | None:
        """The largest h of the final graph view, None when the spec has no final graph."""
        for view, h in zip(self.spec.views, self.spec.iterations, strict=True):
            if view == FINAL:
                return h
        return None


__all__ = ["ArchFeatures", "Component", "FeatureStore", "Rows"]
