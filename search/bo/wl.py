"""Weisfeiler-Lehman subtree features: label histograms for h = 0..H.

Relabelling is done with 64-bit hashes instead of a growing string table: the
label of node v at iteration i+1 is a hash of its label at i and of the multiset
of its successors' labels at i (a sum of mixed 64-bit values, which is order-free),
so two nodes get the same label exactly when grakel's string compression gives them
the same one (up to a 64-bit hash collision, odds about n²/2⁶⁴). Base labels are
hashed with blake2b, so every process of a run, and a resumed run, computes the
same hashes.

A run-wide `LabelDictionary` turns the (view, iteration, label) keys into integer
columns for sparse matrices, a batch at a time. Kernel values never depend on which
column a key got: counts are integers and Gram entries exact integer dot products.
"""

from __future__ import annotations

import hashlib
import itertools
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
    return x ^ (x >> _S31)


def label_hash(text: str) -> int:
    """A stable 64-bit hash of a node label (the same in every process)."""
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "little")


def base_hashes(labels: Sequence[str]) -> U64:
    """`label_hash` of every label."""
    return np.fromiter((label_hash(t) for t in labels), dtype=np.uint64, count=len(labels))


def view_arrays(view: View) -> tuple[U64, I64, I64]:
    """A `View` as label hashes and edge arrays."""
    edges = np.asarray(view.edges, dtype=np.int64).reshape(-1, 2)
    return base_hashes(view.labels), edges[:, 0].copy(), edges[:, 1].copy()


def wl_node_hashes(labels: U64, source: I64, target: I64, iterations: int) -> list[U64]:
    """The WL label (a 64-bit hash) of every node at iterations 0..``iterations``, from
    base label hashes and edges source -> target (aggregating over successors).

    Iteration i+1: mix(label_i · K + Σ_successors label_i + salt_i); the sum is the
    order-free hash of the successors' multiset, and the labels are pseudo-random
    64-bit words, so distinct (label, multiset) pairs collide with odds ~2⁻⁶⁴.
    """
    with np.errstate(over="ignore"):
        current = mix(labels)
        result = [current]
        n = len(labels)
        if iterations and len(source):
            order = np.argsort(source, kind="stable")
            by_source, targets = source[order], target[order]
            first = np.empty(len(by_source), dtype=np.bool_)
            first[0] = True
            np.not_equal(by_source[1:], by_source[:-1], out=first[1:])
            starts = np.flatnonzero(first)
            owners = by_source[starts]
        for i in range(1, iterations + 1):
            gathered = np.zeros(n, dtype=np.uint64)
            if len(source):
                gathered[owners] = np.add.reduceat(current[targets], starts)
            current = mix(current * _M2 + gathered + _SALTS[i])
            result.append(current)
        return result


_SALTS = [np.uint64((i * 0x9E3779B97F4A7C15 + 0x632BE59BD9B4E019) % 2**64) for i in range(64)]


@dataclass(frozen=True, slots=True)
class Histogram:
    """The WL histogram of one view at one iteration: distinct keys (sorted) and counts."""

    keys: U64
    counts: I64


_KEY_SALTS: dict[tuple[int, int], np.uint64] = {}


def _key_salt(view_index: int, iteration: int) -> np.uint64:
    found = _KEY_SALTS.get((view_index, iteration))
    if found is None:
        word = np.array([(view_index + 2) * 1000 + iteration], dtype=np.uint64)
        with np.errstate(over="ignore"):
            found = _KEY_SALTS[(view_index, iteration)] = mix(word)[0]
    return found


def histograms(
    labels: U64, source: I64, target: I64, view_index: int, iterations: int
) -> list[Histogram]:
    """One `Histogram` per iteration 0..``iterations``; keys are node hashes plus a salt
    of the view and iteration, so different views and iterations never share a key."""
    found = []
    with np.errstate(over="ignore"):
        for i, hashes in enumerate(wl_node_hashes(labels, source, target, iterations)):
            keys = np.sort(hashes + _key_salt(view_index, i))
            n = len(keys)
            if n == 0:
                found.append(Histogram(keys, np.empty(0, dtype=np.int64)))
                continue
            first = np.empty(n, dtype=np.bool_)
            first[0] = True
            np.not_equal(keys[1:], keys[:-1], out=first[1:])
            starts = np.flatnonzero(first)
            counts = np.empty(len(starts), dtype=np.int64)
            counts[:-1] = starts[1:] - starts[:-1]
            counts[-1] = n - starts[-1]
            found.append(Histogram(keys[starts], counts))
    return found


def batch_histograms(
    graphs: Sequence[tuple[U64, I64, I64]], view_index: int, iterations: int
) -> list[list[Histogram]]:
    """`histograms` of many graphs (label hashes, sources, targets) of one view at once:
    WL runs on their disjoint union, and each iteration's keys, sorted graph by graph,
    are counted in one pass, so a batch costs a sort per graph and a few array
    operations per iteration instead of a dozen per graph. The same histograms as one call per graph."""
    if not graphs:
        return []
    sizes = np.fromiter((len(g[0]) for g in graphs), dtype=np.int64, count=len(graphs))
    offsets = np.concatenate([[0], np.cumsum(sizes)])
    labels = np.concatenate([g[0] for g in graphs])
    source = np.concatenate([g[1] + o for g, o in zip(graphs, offsets.tolist(), strict=False)])
    target = np.concatenate([g[2] + o for g, o in zip(graphs, offsets.tolist(), strict=False)])
    owner = np.repeat(np.arange(len(graphs), dtype=np.int64), sizes)
    found: list[list[Histogram]] = [[] for _ in graphs]
    n = len(labels)
    bounds_list = offsets.tolist()
    spans = list(itertools.pairwise(bounds_list))
    with np.errstate(over="ignore"):
        for i, hashes in enumerate(wl_node_hashes(labels, source, target, iterations)):
            salted = hashes + _key_salt(view_index, i)
            # sorted graph by graph (a node's graph does not change, so ``owner`` holds)
            keys = np.concatenate([np.sort(salted[a:b]) for a, b in spans])
            owners = owner
            first = np.ones(n, dtype=np.bool_)
            if n:
                np.not_equal(keys[1:], keys[:-1], out=first[1:])
                first[1:] |= owners[1:] != owners[:-1]
            starts = np.flatnonzero(first)
            counts = np.diff(np.append(starts, n))
            run_keys, run_owners = keys[starts], owners[starts]
            bounds = np.searchsorted(run_owners, np.arange(len(graphs) + 1)).tolist()
            for g in range(len(graphs)):
                a, b = bounds[g], bounds[g + 1]
                found[g].append(Histogram(run_keys[a:b], counts[a:b]))
    return found


def wl_histograms(view: View, view_index: int, iterations: int) -> list[Histogram]:
    """`histograms` of a `View`."""
    return histograms(*view_arrays(view), view_index, iterations)


class LabelDictionary:
    """Run-wide map from WL feature keys to integer columns, growing as keys are seen.

    Lookups are vectorised (a sorted key array and `searchsorted`), a batch of keys at a
    time. Serialisable (`to_json` / `from_json`); column numbers do not change kernel
    values, so a resumed run may equally rebuild it from the derivations it featurises.
    """

    def __init__(self) -> None:
        self._sorted: U64 = np.empty(0, dtype=np.uint64)  # known keys, sorted
        self._columns: I64 = np.empty(0, dtype=np.int64)  # their columns
        self._by_column: list[U64] = []  # keys in column order, in chunks

    def __len__(self) -> int:
        return len(self._sorted)

    def columns(self, keys: U64) -> I64:
        """The column of every key, new keys getting the next columns (in sorted order)."""
        if len(keys) == 0:
            return np.empty(0, dtype=np.int64)
        pos = np.searchsorted(self._sorted, keys)
        clipped = np.minimum(pos, max(len(self._sorted) - 1, 0))
        known = (
            (pos < len(self._sorted)) & (self._sorted[clipped] == keys)
            if len(self._sorted)
            else np.zeros(len(keys), dtype=np.bool_)
        )
        if not known.all():
            new = np.unique(keys[~known])
            start = len(self._sorted)
            new_columns = np.arange(start, start + len(new), dtype=np.int64)
            merged = np.concatenate([self._sorted, new])
            order = np.argsort(merged, kind="stable")
            self._sorted = merged[order]
            self._columns = np.concatenate([self._columns, new_columns])[order]
            self._by_column.append(new)
            pos = np.searchsorted(self._sorted, keys)
        return self._columns[pos]

    def to_json(self) -> list[str]:
        """The keys in column order, as hex strings."""
        return [f"{int(k):016x}" for chunk in self._by_column for k in chunk]

    @classmethod
    def from_json(cls, data: Iterable[Any]) -> LabelDictionary:
        found = cls()
        keys = [int(str(text), 16) for text in data]
        seen: dict[int, None] = dict.fromkeys(keys)
        ordered = np.asarray(list(seen), dtype=np.uint64)
        if len(ordered):
            order = np.argsort(ordered, kind="stable")
            found._sorted = ordered[order]
            found._columns = np.arange(len(ordered), dtype=np.int64)[order]
            found._by_column = [ordered]
        return found


__all__ = [
    "Histogram",
    "LabelDictionary",
    "base_hashes",
    "batch_histograms",
    "histograms",
    "label_hash",
    "mix",
    "view_arrays",
    "wl_histograms",
    "wl_node_hashes",
]
