"""Counting and sampling large topologies: NAS-Bench-101-style cells of 26 edges.

Usage: python benchmarks/bench_count_scale.py [--n N] [--space NAME ...] [--skip-pcfg]
Prints, per space, the time and peak traced memory of counting it from scratch (a fresh
load), the first uniform sample, then uniform and pcfg samples per second; nothing is
asserted. The spaces are the test fixtures in tests/compiler/derive/spaces/:

- ``nb101``: NAS-Bench-101's 7-node cell with its operations on nodes: each of the 5
  intermediate nodes is an in-node and an out-node joined by an op edge (``OP ::=
  conv3x3 | conv1x1 | max_pool``, never ``zero``), and the 21 edges of the 7-node DAG
  are ``E ::= id | zero``: 26 edges, ``constraint connected``;
- ``nb101_le9``: the same with NAS-Bench-101's at most 9 edges (``edges(NB101) <= 14``:
  the 5 op edges are never zero, so at most 9 of the 21 adjacency edges are live);
- ``dense26``: 26 edges of ``zero | conv3x3 | avg_pool`` over 8 nodes, ``connected``;
- ``dense26_le9``: the same with ``edges(D) <= 9``.
"""

from __future__ import annotations

import argparse
import gc
import random
import resource
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

from nasc.compiler import load
from nasc.compiler.derive.counting import count, log10
from nasc.compiler.derive.sampling import sample

SPACES = Path(__file__).resolve().parent.parent / "tests" / "compiler" / "derive" / "spaces"
NAMES = ("nb101", "nb101_le9", "dense26", "dense26_le9")


def per_second(n: int, work: Callable[[], object]) -> float:
    start = time.perf_counter()
    for _ in range(n):
        work()
    return n / (time.perf_counter() - start)


def bench(name: str, n: int, pcfg: bool) -> None:
    path = str(SPACES / f"{name}.nas")
    space = load(path)
    start = time.perf_counter()
    total = count(space)
    seconds = time.perf_counter() - start
    traced = load(path)
    gc.collect()
    tracemalloc.start()
    count(traced)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"{name}: {total:,} architectures (log10 {log10(total):.2f})")
    print(f"  count from scratch: {seconds * 1000:.1f} ms, peak {peak / 2**20:.1f} MiB traced")
    rng = random.Random(0)
    start = time.perf_counter()
    sample(space, rng)
    print(f"  first uniform sample after counting: {(time.perf_counter() - start) * 1000:.1f} ms")
    print(f"  uniform: {per_second(n, lambda: sample(space, rng)):,.0f} samples/s")
    if pcfg:
        fresh = load(path)
        start = time.perf_counter()
        sample(fresh, rng, "pcfg")
        print(f"  first pcfg sample (fresh load): {(time.perf_counter() - start) * 1000:.1f} ms")
        print(f"  pcfg: {per_second(n, lambda: sample(fresh, rng, 'pcfg')):,.0f} samples/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--n", type=int, default=2000, help="samples per sampler")
    parser.add_argument("--space", nargs="*", default=list(NAMES), choices=NAMES)
    parser.add_argument("--skip-pcfg", action="store_true")
    args = parser.parse_args()
    for name in args.space:
        bench(name, args.n, not args.skip_pcfg)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak resident memory of the whole process: {rss:.0f} MiB")


if __name__ == "__main__":
    main()
