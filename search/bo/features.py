"""WL features of architectures, cached by derivation, and the Gram matrices they give.

A `FeatureStore` turns a derivation into the WL histograms of every view of its
`ViewSpec` (cached, least recently used first out) and computes exact integer Gram
matrices between sets of architectures with sparse products. The final graph's
iterations stay separate *components*, so the GP can try h = 0..H from one product
per iteration; every other view is one component (its iterations 0..h together).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from nasc.compiler import Derivation, Space
from nasc.search.bo.views import FINAL, ViewSpec, views_of
from nasc.search.bo.wl import Histogram, LabelDictionary, wl_histograms

F64 = npt.NDArray[np.float64]
ArchFeatures = tuple[tuple[Histogram, ...], ...]  # per view, per iteration


@dataclass(frozen=True)
class Component:
    """A block of features whose Gram is computed as one product: one view, some iterations."""

    view: int  # position in the ViewSpec
    iterations: tuple[int, ...]


class FeatureStore:
    """WL histograms per derivation for one space and view spec, with a run-wide dictionary."""

    def __init__(
        self,
        space: Space,
        spec: ViewSpec,
        dictionary: LabelDictionary | None = None,
        cache_size: int = 200_000,
    ) -> None:
        self.space = space
        self.spec = spec
        self.dictionary = dictionary if dictionary is not None else LabelDictionary()
        self.cache_size = cache_size
        self._cache: OrderedDict[Derivation, ArchFeatures] = OrderedDict()
        self.components: list[Component] = []
        for p, (view, h) in enumerate(zip(spec.views, spec.iterations, strict=True)):
            if view == FINAL:
                self.components += [Component(p, (i,)) for i in range(h + 1)]
            else:
                self.components.append(Component(p, tuple(range(h + 1))))

    def features(self, derivation: Derivation) -> ArchFeatures:
        """The histograms of every view at every iteration (cached)."""
        cache = self._cache
        found = cache.get(derivation)
        if found is not None:
            cache.move_to_end(derivation)
            return found
        views = views_of(self.space, derivation, self.spec)
        found = tuple(
            tuple(wl_histograms(view, index, h, self.dictionary))
            for view, index, h in zip(views, self.spec.views, self.spec.iterations, strict=True)
        )
        cache[derivation] = found
        if len(cache) > self.cache_size:
            cache.popitem(last=False)
        return found

    def matrix(self, derivations: Sequence[Derivation], component: Component) -> sp.csr_matrix:
        """The sparse count matrix of one component, one row per derivation."""
        columns: list[npt.NDArray[np.int64]] = []
        counts: list[npt.NDArray[np.int64]] = []
        lengths = np.zeros(len(derivations) + 1, dtype=np.int64)
        for r, d in enumerate(derivations):
            view = self.features(d)[component.view]
            for i in component.iterations:
                columns.append(view[i].columns)
                counts.append(view[i].counts)
                lengths[r + 1] += len(view[i].columns)
        indptr = np.cumsum(lengths)
        data = np.concatenate(counts) if counts else np.empty(0, np.int64)
        index = np.concatenate(columns) if columns else np.empty(0, np.int64)
        shape = (len(derivations), max(len(self.dictionary), 1))
        return sp.csr_matrix((data, index, indptr), shape=shape)

    def raw_grams(
        self, rows: Sequence[Derivation], cols: Sequence[Derivation] | None = None
    ) -> tuple[F64, F64, F64]:
        """Unnormalised Grams per component (C, |rows|, |cols|), exact integers in float64,
        and the self-similarities of rows and cols (C, |rows|), (C, |cols|)."""
        for d in rows:
            self.features(d)
        if cols is not None:
            for d in cols:
                self.features(d)
        grams, diag_rows, diag_cols = [], [], []
        for component in self.components:
            a = self.matrix(rows, component)
            a_sq = np.asarray(a.multiply(a).sum(axis=1)).ravel()
            if cols is None:
                b, b_sq = a, a_sq
            else:
                b = self.matrix(cols, component)
                b_sq = np.asarray(b.multiply(b).sum(axis=1)).ravel()
            grams.append((a @ b.T).toarray())
            diag_rows.append(a_sq)
            diag_cols.append(b_sq)
        return (
            np.asarray(grams, dtype=np.float64),
            np.asarray(diag_rows, dtype=np.float64),
            np.asarray(diag_cols, dtype=np.float64),
        )

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


__all__ = ["ArchFeatures", "Component", "FeatureStore"]
