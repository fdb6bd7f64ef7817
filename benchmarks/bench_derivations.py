"""Speed of derivations: counting, uniform sampling, mutation, crossover and term round trips.

Usage: python benchmarks/bench_derivations.py [SPACE.nas ...] [--n N] [--repeat R]
Prints figures per space, each the best of R passes over N fresh inputs; nothing is
asserted. Terms are parsed from texts printed in the same process but never read
before; printing times derivations never printed before.
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from nasc.compiler import load
from nasc.compiler.derive.counting import count, log10
from nasc.compiler.derive.derivation import Derivation
from nasc.compiler.derive.mutation import crossover, mutate
from nasc.compiler.derive.sampling import sample
from nasc.compiler.derive.terms import format_term, parse_term

ROOT = Path(__file__).resolve().parent.parent
REFERENCE_SAMPLES_PER_S = 24.0  # NePS 0.12.2 on hNB201, measured on the same 2-core CPU


def rate(repeat: int, inputs: Callable[[], list[Any]], work: Callable[[Any], object]) -> float:
    """Operations per second: the best of ``repeat`` timed passes, each over fresh inputs
    (the machine may be shared, so the fastest pass is the least disturbed)."""
    best = float("inf")
    for _ in range(repeat):
        items = inputs()
        start = time.perf_counter()
        for item in items:
            work(item)
        best = min(best, time.perf_counter() - start)
    return len(items) / best


def bench(path: str, n: int, repeat: int) -> None:
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

    def samples() -> list[Derivation]:
        return [sample(space, rng) for _ in range(n)]

    def pairs() -> list[tuple[Derivation, Derivation]]:
        parents = samples()  # each parent is in two pairs, as in a search's population
        return list(zip(parents, parents[1:] + parents[:1], strict=True))

    def terms() -> list[str]:
        return [format_term(space, d) for d in samples()]

    parse_term(space, terms()[0])  # build the reader once
    samples_per_s = rate(repeat, lambda: [None] * n, lambda _: sample(space, rng))
    mutations_per_s = rate(repeat, samples, lambda d: mutate(space, d, rng))
    crossovers_per_s = rate(repeat, pairs, lambda ab: crossover(space, *ab, rng))
    parses_per_s = rate(repeat, terms, lambda t: parse_term(space, t))
    prints_per_s = rate(repeat, samples, lambda d: format_term(space, d))  # never printed
    round_trips_per_s = 1 / (1 / parses_per_s + 1 / prints_per_s)
    nodes = sum(len(t) for t in terms()) / n

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
    parser.add_argument("--repeat", type=int, default=3, help="timed passes; the best counts")
    args = parser.parse_args()
    for path in args.spaces:
        bench(path, args.n, args.repeat)


if __name__ == "__main__":
    main()
