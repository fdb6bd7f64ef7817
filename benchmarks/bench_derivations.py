"""Speed of derivations: counting, uniform sampling, mutation, crossover and term round trips.

Usage: python benchmarks/bench_derivations.py [SPACE.nas ...] [--n N]
Prints figures per space; nothing is asserted.
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable
from pathlib import Path

from nasc.compiler import load
from nasc.compiler.counting import count, log10
from nasc.compiler.mutation import crossover, mutate
from nasc.compiler.sampling import sample
from nasc.compiler.terms import format_term, parse_term

ROOT = Path(__file__).resolve().parent.parent
REFERENCE_SAMPLES_PER_S = 24.0  # NePS 0.12.2 on hNB201, measured on the same 2-core CPU


def rate(n: int, work: Callable[[], object]) -> float:
    start = time.perf_counter()
    for _ in range(n):
        work()
    return n / (time.perf_counter() - start)


def bench(path: str, n: int) -> None:
    start = time.perf_counter()
    space = load(path)
    total = count(space)
    first_count = time.perf_counter() - start
    fresh = load(path)
    start = time.perf_counter()
    count(fresh)
    count_ms = (time.perf_counter() - start) * 1000

    rng = random.Random(0)
    sample(space, rng)  # build the tables once
    samples_per_s = rate(n, lambda: sample(space, rng))
    parents = [sample(space, rng) for _ in range(n)]
    terms = [format_term(space, d) for d in parents]
    it = iter(parents)
    mutations_per_s = rate(n, lambda: mutate(space, next(it), rng))
    pairs = iter(zip(parents, parents[1:] + parents[:1], strict=True))
    crossovers_per_s = rate(n, lambda: crossover(space, *next(pairs), rng))
    fresh_terms = [format_term(space, sample(space, rng)) for _ in range(n)]
    tt = iter(fresh_terms)
    parses_per_s = rate(n, lambda: parse_term(space, next(tt)))
    dd = iter([sample(space, rng) for _ in range(n)])  # never printed before
    prints_per_s = rate(n, lambda: format_term(space, next(dd)))
    round_trips_per_s = 1 / (1 / parses_per_s + 1 / prints_per_s)
    nodes = sum(len(t) for t in terms) / len(terms)

    print(
        f"{Path(path).name}: {total if total < 10**12 else f'~1e{log10(total):.2f}'} architectures"
    )
    print(f"  count (fresh space)      {count_ms:8.1f} ms   (with loading: {first_count:.2f} s)")
    print(f"  uniform samples          {samples_per_s:8.0f} /s")
    print(f"  mutations                {mutations_per_s:8.0f} /s")
    print(f"  crossovers (pairs)       {crossovers_per_s:8.0f} /s")
    print(f"  term printing            {prints_per_s:8.0f} /s   (terms of {nodes:.0f} chars)")
    print(f"  term parsing             {parses_per_s:8.0f} /s")
    print(f"  term round trips         {round_trips_per_s:8.0f} /s")
    if Path(path).name == "hnb201.nas":
        ratio = samples_per_s / REFERENCE_SAMPLES_PER_S
        print(f"  sampling vs reference (24/s, NePS 0.12.2): {ratio:.0f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("spaces", nargs="*", default=[str(ROOT / "examples" / "hnb201.nas")])
    parser.add_argument("--n", type=int, default=1000, help="operations timed per figure")
    args = parser.parse_args()
    for path in args.spaces:
        bench(path, args.n)


if __name__ == "__main__":
    main()
