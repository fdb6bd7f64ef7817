"""Weisfeiler-Lehman subtree features: label histograms for h = 0..H.

Relabelling is done with 64-bit hashes instead of a growing string table: the
label of node v at iteration i+1 is a hash of its label at i and of the multiset
of its successors' labels at i (a sum of mixed 64-bit values, which is order-free),
so two nodes get the same label exactly when grakel's string compression gives them
the same one (up to a 64-bit hash collision). Base labels are hashed with blake2b,
so every process of a run, and a resumed run, computes the same hashes.

A run-wide `LabelDictionary` turns the (view, iteration, label) hashes into small
integer columns for sparse matrices. Kernel values never depend on which column a
label got: counts are integers and Gram entries are exact integer dot products.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from nasc.search.bo.views import View

U64 = npt.NDArray[np.uint64]
I64 = npt.NDArray[np.int64]

_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_S30, _S27, _S31 = np.uint64(30), np.uint64(27), np.uint64(31)


def mix(x: U64) -> U64:
    """The splitmix64 finaliser: a bijection of 64-bit words that scrambles every bit."""
    x = x ^ (x >> _S30)
    x = x * _M1
    x = x ^ (x >> _S27)
    x = x * _M2
    return x ^ (x >> _S31)  # type: ignore[no-any-return]


def label_hash(text: str) -> int:
    """A stable 64-bit hash of a node label (the same in every process)."""
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "little")


_label_cache: dict[str, int] = {}


def _base_hashes(labels: Sequence[str]) -> U64:
    cache = _label_cache
    out = np.empty(len(labels), dtype=np.uint64)
    for i, text in enumerate(labels):
        h = cache.get(text)
        if h is None:
            h = cache[text] = label_hash(text)
        out[i] = h
    return out


def wl_node_hashes(view: View, iterations: int) -> list[U64]:
    """The WL label (a 64-bit hash) of every node at iterations 0..``iterations``."""
    with np.errstate(over="ignore"):
        current = mix(_base_hashes(view.labels))
        result = [current]
        if iterations == 0:
            return result
        n = len(view.labels)
        if view.edges:
            edges = np.asarray(view.edges, dtype=np.int64)
            source, target = edges[:, 0], edges[:, 1]
        else:
            source = target = np.empty(0, dtype=np.int64)
        for i in range(1, iterations + 1):
            gathered = np.zeros(n, dtype=np.uint64)
            np.add.at(gathered, source, mix(current[target] + _GOLDEN))
            salt = np.uint64(i) * _GOLDEN
            current = mix(mix(current ^ salt) + mix(gathered ^ _M1))
            result.append(current)
        return result


def feature_keys(view_index: int, iteration: int, node_hashes: U64) -> tuple[U64, I64]:
    """The histogram of one iteration: distinct keys (hashes salted by view and iteration,
    so different views and iterations never share a key) and their counts."""
    with np.errstate(over="ignore"):
        salt = mix(np.array([(view_index + 2) * 1000 + iteration], dtype=np.uint64))[0]
        keys, counts = np.unique(mix(node_hashes ^ salt), return_counts=True)
    return keys, counts.astype(np.int64)


class LabelDictionary:
    """Run-wide map from WL feature keys to integer columns, growing as labels are seen.

    Serialisable (`to_json` / `from_json`); column numbers do not affect kernel values,
    so a resumed run may equally rebuild it from the derivations it featurises.
    """

    def __init__(self) -> None:
        self._index: dict[int, int] = {}

    def __len__(self) -> int:
        return len(self._index)

    def columns(self, keys: U64) -> I64:
        index = self._index
        setdefault = index.setdefault
        return np.fromiter(
            (setdefault(k, len(index)) for k in keys.tolist()), dtype=np.int64, count=len(keys)
        )

    def to_json(self) -> list[str]:
        """The keys in column order, as hex strings."""
        return [f"{k:016x}" for k in self._index]

    @classmethod
    def from_json(cls, data: Iterable[Any]) -> LabelDictionary:
        found = cls()
        for text in data:
            found._index.setdefault(int(str(text), 16), len(found._index))
        return found


@dataclass(frozen=True, slots=True)
class Histogram:
    """The sparse WL histogram of one view at one iteration: columns and counts."""

    columns: I64
    counts: I64

    @property
    def squared_norm(self) -> int:
        return int(np.dot(self.counts, self.counts))


def wl_histograms(
    view: View, view_index: int, iterations: int, dictionary: LabelDictionary
) -> list[Histogram]:
    """One `Histogram` per iteration 0..``iterations`` of one view."""
    result = []
    for i, hashes in enumerate(wl_node_hashes(view, iterations)):
        keys, counts = feature_keys(view_index, i, hashes)
        result.append(Histogram(dictionary.columns(keys), counts))
    return result


__all__ = [
    "Histogram",
    "LabelDictionary",
    "feature_keys",
    "label_hash",
    "mix",
    "wl_histograms",
    "wl_node_hashes",
]
