"""Parse and check the example spaces (cold and warm times), and grammars of many rules.

.venv/bin/python benchmarks/bench_check.py [--repeat 30] [--scale 10000 100000]

``--scale N...`` checks a generated grammar of N rules (see `scaled_grammar`) and
prints the time per rule: checking is linear in the number of rules (a fixpoint
over the rules once made it quadratic; 100,000 rules took 787 s).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from nasc.compiler import check
from nasc.compiler.limits import run_deep

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.nas"))


def cold_ms(path: Path) -> float:
    """A fresh interpreter: import nasc, build the parser, parse std, check the file."""
    code = (
        "import time; t = time.perf_counter(); from nasc.compiler import check; "
        f"r = check({str(path)!r}); assert r.ok; print((time.perf_counter() - t) * 1000)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(out.stdout)


def warm_ms(path: Path, repeat: int) -> list[float]:
    check(str(path))
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = check(str(path))
        times.append((time.perf_counter() - start) * 1000)
        assert result.ok
    return times


def scaled_grammar(rules: int) -> str:
    """A space of ``rules`` rules, each with two primitive alternatives and one that uses
    the two rules below it (R_i uses R_2i+1 and R_2i+2): a tree of rules, as wide as it
    is large, not a chain (a chain of 100,000 rules nests past the nesting limit, E714)."""
    lines = []
    for i in range(rules):
        kids = [k for k in (2 * i + 1, 2 * i + 2) if k < rules]
        uses = f" | Sequential({', '.join(f'R{k}' for k in kids)})" if kids else ""
        lines.append(f"R{i} ::= relu | gelu{uses}\n")
    return "import std\ninput [3, 8, 8]\n" + "".join(lines)


def scale(sizes: list[int]) -> None:
    print(f"{'rules':>8}{'check s':>10}{'us/rule':>10}")
    with tempfile.TemporaryDirectory() as folder:
        for rules in sizes:
            path = Path(folder) / f"r{rules}.nas"
            path.write_text(scaled_grammar(rules), encoding="utf-8")
            start = time.perf_counter()
            result = run_deep(lambda p=path: check(str(p)))  # the CLI's nesting room
            seconds = time.perf_counter() - start
            assert result.ok, result.format()[:500]
            print(f"{rules:>8}{seconds:>10.2f}{seconds / rules * 1e6:>10.0f}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--scale", type=int, nargs="*", metavar="RULES", help="rule counts")
    args = parser.parse_args()
    if args.scale:
        scale(args.scale)
        return
    print(f"{'space':<18}{'warm median ms':>16}{'warm min ms':>14}{'cold ms':>10}")
    for path in EXAMPLES:
        times = warm_ms(path, args.repeat)
        print(
            f"{path.name:<18}{statistics.median(times):>16.1f}{min(times):>14.1f}"
            f"{cold_ms(path):>10.1f}"
        )


if __name__ == "__main__":
    main()
