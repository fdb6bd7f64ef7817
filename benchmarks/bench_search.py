"""Search overhead, start-up time and throughput of `nasc search` on MNIST-1D, 1-epoch trials.

- overhead: the share of each worker's time, from its first trial's start to its last
  trial's end, spent between trials (the driver telling a result, asking the strategy,
  writing the store, sending the next trial) rather than inside the objective (the
  built-in trainer, model build included); workers waiting at the end of the budget
  for the last trial are counted apart ("idle");
- start-up: from launching `nasc search` to the first trial being submitted, and to
  the objective starting in its worker;
- trials per minute with 1 and 2 workers.

.venv/bin/python benchmarks/bench_search.py [--budget 8] [--workers 1 2] [--space examples/mnist1d.nas]
"""

from __future__ import annotations

import argparse
import itertools
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NASC = str(Path(sys.executable).parent / "nasc")


def run(space: str, budget: int, workers: int, out: Path) -> dict[str, float]:
    launched = time.time()
    subprocess.run(
        [
            NASC,
            "search",
            space,
            "--dataset",
            "mnist1d",
            "--budget",
            str(budget),
            "--epochs",
            "1",
            "--workers",
            str(workers),
            "--device",
            "cpu",
            "--out",
            str(out),
        ],
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    ended = time.time()
    db = sqlite3.connect(out / "run.sqlite")
    rows = db.execute(
        "SELECT started_at, finished_at, seconds, status, worker FROM trials ORDER BY id"
    ).fetchall()
    db.close()
    first_submit = min(r[0] for r in rows)
    # when the objective began and ended in its worker (the end as the driver heard it)
    spans = [(r[1] - r[2], r[1], r[4]) for r in rows]
    first_objective = min(begin for begin, _, _ in spans)
    last_told = max(end for _, end, _ in spans)
    loop = last_told - first_submit
    busy = between = 0.0
    for worker in {w for _, _, w in spans}:
        mine = sorted((b, e) for b, e, w in spans if w == worker)
        busy += sum(e - b for b, e in mine)
        between += sum(max(0.0, b2 - e1) for (_, e1), (b2, _) in itertools.pairwise(mine))
    idle = workers * (last_told - first_objective) - busy - between
    return {
        "trials": len(rows),
        "to_first_submit": first_submit - launched,
        "to_first_objective": first_objective - launched,
        "loop": loop,
        "total": ended - launched,
        "overhead": between / (busy + between),
        "idle": max(0.0, idle) / (workers * (last_told - first_objective)),
        "per_minute": len(rows) / loop * 60,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=int, default=8)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--space", default="examples/mnist1d.nas")
    args = parser.parse_args()
    print(f"nasc search {args.space} --dataset mnist1d --epochs 1 --budget {args.budget} (CPU)")
    print(
        f"{'workers':>7} {'trials':>6} {'first submit':>12} {'first trial':>11} "
        f"{'loop s':>7} {'overhead':>8} {'trials/min':>10}"
    )
    with tempfile.TemporaryDirectory() as folder:
        for workers in args.workers:
            r = run(args.space, args.budget, workers, Path(folder) / f"w{workers}")
            print(
                f"{workers:>7} {int(r['trials']):>6} {r['to_first_submit']:>11.2f}s "
                f"{r['to_first_objective']:>10.2f}s {r['loop']:>7.1f} "
                f"{100 * r['overhead']:>7.2f}% {r['per_minute']:>10.1f}"
            )


if __name__ == "__main__":
    main()
