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
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from nasc.compiler import Derivation, Space
from nasc.dsl import NascError
from nasc.search.bo.fastviews import FastViews, Unbuildable
from nasc.search.bo.views import FINAL, ViewSpec, views_of
from nasc.search.bo.wl import Histogram, LabelDictionary, histograms, view_arrays

F64 = npt.NDArray[np.float64]
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
        # the fast views know one-input topologies only: cells with several inputs,
        # `Cascade` and ties (`shared CELL(kind)`) take the reference views
        simple = not space.ties and all(
            t.inputs == 1 and not t.cascade and not t.node_merges for t in space.topologies
        )
        self._fast = FastViews(space, spec) if engine == "fast" and simple else None
        self._cache: OrderedDict[Derivation, ArchFeatures | None] = OrderedDict()
        self.components: list[Component] = []
        for p, (view, h) in enumerate(zip(spec.views, spec.iterations, strict=True)):
            if view == FINAL:
                self.components += [Component(p, (i,)) for i in range(h + 1)]
            else:
                self.components.append(Component(p, tuple(range(h + 1))))

    def buildable(self, derivation: Derivation) -> bool:
        """Whether the architecture has a graph (and so features)."""
        return self._lookup(derivation) is not None

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
        cache[derivation] = found
        if len(cache) > self.cache_size:
            cache.popitem(last=False)
        return found

    def _compute(self, derivation: Derivation) -> ArchFeatures:
        spec = self.spec
        if self._fast is not None:
            arrays = [(v.labels, v.source, v.target) for v in self._fast.views(derivation)]
        else:
            arrays = [view_arrays(v) for v in views_of(self.space, derivation, spec)]
        return tuple(
            tuple(histograms(*a, index, h))
            for a, index, h in zip(arrays, spec.views, spec.iterations, strict=True)
        )

    def rows(self, derivations: Sequence[Derivation]) -> Rows:
        """The count matrices of ``derivations`` for every component (one dictionary
        lookup for the whole batch)."""
        feats = [self.features(d) for d in derivations]
        per_component: list[
            tuple[list[npt.NDArray[np.uint64]], list[npt.NDArray[np.int64]], npt.NDArray[np.int64]]
        ] = []
        all_keys: list[npt.NDArray[np.uint64]] = []
        for component in self.components:
            keys, counts = [], []
            lengths = np.zeros(len(derivations) + 1, dtype=np.int64)
            for r, f in enumerate(feats):
                view = f[component.view]
                for i in component.iterations:
                    keys.append(view[i].keys)
                    counts.append(view[i].counts)
                    lengths[r + 1] += len(view[i].keys)
            per_component.append((keys, counts, np.cumsum(lengths)))
            all_keys += keys
        flat = np.concatenate(all_keys) if all_keys else np.empty(0, dtype=np.uint64)
        columns = self.dictionary.columns(flat)
        data, squared, at = [], [], 0
        for _keys, counts, indptr in per_component:
            size = int(indptr[-1])
            values = np.concatenate(counts) if counts else np.empty(0, dtype=np.int64)
            data.append((values, columns[at : at + size], indptr))
            at += size
            sq = (
                np.add.reduceat(values * values, indptr[:-1]) if size else np.zeros(len(indptr) - 1)
            )
            sq = np.where(np.diff(indptr) > 0, sq, 0)
            squared.append(sq.astype(np.float64))
        return Rows(tuple(data), tuple(squared))

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
