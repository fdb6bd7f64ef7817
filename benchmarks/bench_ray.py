"""Ray executor against the local one: trials per minute, Ray's cost per trial, start-up.

    .venv/bin/python benchmarks/bench_ray.py [--trials 8] [--workers 2]

1. Trials per minute with 1-epoch MNIST-1D trials (the built-in trainer), the local
   process executor against the Ray executor on a Ray instance started on this machine;
   both with the same workers, both timed from `Study.optimize` to its return (the Ray
   figure also without Ray's start-up).
2. Ray's cost per trial: a no-op objective, one worker, Ray against running the trials
   in this process; the difference per trial in ms.
3. From `nasc search --executor ray` to the first trial running (the objective began).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SPACE = str(ROOT / "examples" / "mnist1d.nas")


class NoOp:
    """An objective that does nothing: what remains is the executor's own cost."""

    def __call__(self, trial: Any) -> float:
        return 0.0


def _optimize(objective: Any, budget: int, executor: Any, dataset: Any = None) -> float:
    from nasc.search.study import Study

    with tempfile.TemporaryDirectory(prefix="bench-ray-") as folder:
        study = Study(SPACE, "random", seed=0, store=Path(folder) / "run", dataset=dataset)
        began = time.perf_counter()
        study.optimize(objective, budget, executor=executor)
        seconds = time.perf_counter() - began
        assert study.finished_count() == budget
        study.close()
    return seconds


def _start_ray(cpus: int) -> float:
    """Start Ray on this machine; the seconds it took."""
    import ray

    began = time.perf_counter()
    ray.init(num_cpus=cpus, include_dashboard=False, log_to_driver=False)
    return time.perf_counter() - began


def throughput(trials: int, workers: int) -> None:
    import ray

    from nasc.search.builtin import TrainerObjective
    from nasc.search.data import load_dataset
    from nasc.search.executors.local import LocalExecutor
    from nasc.search.executors.ray import RayExecutor

    dataset = load_dataset("mnist1d")
    trainer = TrainerObjective("default", epochs=1)
    local = _optimize(trainer, trials, LocalExecutor(workers, threads=1), dataset)
    startup = _start_ray(workers)
    try:
        remote = _optimize(trainer, trials, RayExecutor(workers=workers), dataset)
    finally:
        ray.shutdown()
    print(f"1-epoch MNIST-1D trials, {workers} workers, {trials} trials")
    print(f"  local executor  {trials / local * 60:6.1f} trials/min  ({local:.1f} s)")
    print(
        f"  Ray executor    {trials / remote * 60:6.1f} trials/min  ({remote:.1f} s; "
        f"Ray itself took {startup:.1f} s more to start)"
    )


def overhead(trials: int) -> None:
    import ray

    from nasc.search.executors.inline import InlineExecutor
    from nasc.search.executors.ray import RayExecutor

    inline = _optimize(NoOp(), trials, InlineExecutor()) / trials
    _start_ray(1)
    try:  # the difference of a short and a long run: the actor's start cancels out
        short = _optimize(NoOp(), 2, RayExecutor(workers=1))
        long = _optimize(NoOp(), 2 + trials, RayExecutor(workers=1))
    finally:
        ray.shutdown()
    remote = (long - short) / trials
    print(f"no-op objective, 1 worker, {trials} trials")
    print(f"  in this process {inline * 1000:7.1f} ms/trial")
    print(
        f"  Ray executor    {remote * 1000:7.1f} ms/trial (a worker's start: {short - 2 * remote:.1f} s)"
    )
    print(f"  Ray's cost      {(remote - inline) * 1000:7.1f} ms/trial")


def first_trial() -> None:
    from nasc.search.store import RunStore

    with tempfile.TemporaryDirectory(prefix="bench-ray-") as folder:
        run = Path(folder) / "run"
        command = [
            str(Path(sys.executable).parent / "nasc"), "search", SPACE, "--dataset", "mnist1d",
            "--budget", "1", "--epochs", "1", "--device", "cpu", "--executor", "ray",
            "--out", str(run),
        ]  # fmt: skip
        began = time.time()
        done = subprocess.run(command, capture_output=True, text=True, timeout=600)
        whole = time.time() - began
        if done.returncode != 0:
            print(done.stdout, done.stderr, sep="\n")
            raise SystemExit(f"nasc search failed ({done.returncode})")
        with RunStore.open(run, lock=False) as store:
            (record,) = store.trials()
    assert record.finished_at is not None and record.seconds is not None
    running = record.finished_at - record.seconds - began  # when the objective began
    print("nasc search --executor ray --budget 1 (Ray started on this machine by the command)")
    print(f"  to the first trial running {running:5.1f} s (the whole command {whole:.1f} s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--skip", nargs="*", default=[], choices=["throughput", "overhead", "cli"])
    args = parser.parse_args()
    if "overhead" not in args.skip:
        overhead(max(args.trials, 10))
    if "throughput" not in args.skip:
        throughput(args.trials, args.workers)
    if "cli" not in args.skip:
        first_trial()


if __name__ == "__main__":
    main()
