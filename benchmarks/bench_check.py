"""Parse and check the example spaces: cold (first in a process) and warm times.

.venv/bin/python benchmarks/bench_check.py [--repeat 30]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

from nasc.compiler import check

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    print(f"{'space':<18}{'warm median ms':>16}{'warm min ms':>14}{'cold ms':>10}")
    for path in EXAMPLES:
        times = warm_ms(path, args.repeat)
        print(
            f"{path.name:<18}{statistics.median(times):>16.1f}{min(times):>14.1f}"
            f"{cold_ms(path):>10.1f}"
        )


if __name__ == "__main__":
    main()
