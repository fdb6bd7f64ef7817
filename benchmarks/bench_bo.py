"""Speed of BO on hNB201 with the paper's settings: features, GP fit, scoring, proposals.

Usage: python benchmarks/bench_bo.py [--space examples/hnb201.nas] [--n 50 100 200 400]
       [--repeat R] [--fit lbfgs|adam] [--proposals P] [--overhead BUDGET]

For each n: n uniform architectures with a synthetic objective (log of 1 + the number of
3x3 convolutions: a stand-in for trained results, which do not change the timings) are
told to a BO run, then it measures (best of R runs each, the machine may be shared):

* feature: WL features of 100 architectures never seen (uniform samples), and of 100
  mutants of told ones (what the acquisition mostly sees), ms per architecture;
* fit: fitting the GP on the n results (features cached; h of the final graph chosen
  from 0..4, so five fits batched); the default (lbfgs) with the training Gram
  remembered from the fit before (as in a run, where each proposal adds a result) and
  cold (the Gram computed whole), and the paper's Adam;
* score: posterior and log EI of 100 new mutants, features included (on one BLAS
  thread, as inside a proposal);
* proposal: one whole `propose` (fit + evolution: pool 200 seeded with the 10 best, up
  to 50 generations, patience 5), with the generations it ran and candidates scored.

Each row is followed by the process CPU time of the same runs: on a shared machine the
wall time includes waiting for a core, the CPU time is what the work itself took.

``--overhead BUDGET``: a BO run on MNIST-1D (examples/hmnist1d.nas, the hierarchical
space) of BUDGET 1-epoch trials on ``--train-size`` training samples (2,000), timing
every ask and tell apart from the training: the share of wall time the search takes.
Reference (NePS 0.12.2 on hNB201, this 2-core CPU): fit on 200 15-17 s, scoring 100
candidates 5.5-7 s, one proposal 102 s at about 10 observations.
"""

from __future__ import annotations

import argparse
import math
import os
import random
import time
from pathlib import Path

from nasc.compiler import IROp, Space, build, load, mutate, sample
from nasc.search.bo.acquisition import log_expected_improvement
from nasc.search.bo.gp import FitSettings, fit_gp
from nasc.search.bo.optimiser import BayesianOptimiser, BOSettings
from nasc.search.bo.threads import single_threaded

ROOT = Path(__file__).resolve().parent.parent


def objective(space: Space, d: object) -> float:
    convs = sum(
        1
        for node in build(space, d).nodes  # type: ignore[arg-type]
        if node.op == IROp.CONV and dict(node.attrs).get("kernel") == 3
    )
    return math.log(1.0 + convs)


CPU: list[float] = []  # the process CPU time of each best_of's best run


def best_of(repeat: int, work: object) -> float:
    """The best wall time of ``repeat`` runs; its process CPU time goes to CPU (on a
    shared machine CPU time is what the work would take on a core of its own)."""
    times = []
    for _ in range(repeat):
        start, cpu = time.perf_counter(), time.process_time()
        work()  # type: ignore[operator]
        times.append((time.perf_counter() - start, time.process_time() - cpu))
    best = min(times)
    CPU.append(best[1])
    return best[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--space", default=str(ROOT / "examples" / "hnb201.nas"))
    parser.add_argument("--n", type=int, nargs="*", default=[50, 100, 200, 400])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--proposals", type=int, default=2)
    parser.add_argument("--overhead", type=int, default=0)
    parser.add_argument("--train-size", type=int, default=2000)
    parser.add_argument("--table", default=None, help="add the overhead run's results here")
    args = parser.parse_args()
    if args.overhead and not args.n:
        overhead(args.overhead, args.train_size, args.table)
        return
    space = load(args.space)
    print(f"space {args.space}; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(
        f"{'n':>5} {'feat new':>9} {'feat mut':>9} {'fit lbfgs':>10} {'fit cold':>9}"
        f" {'fit adam':>9}"
        f" {'score 100':>10} {'proposal':>9} {'gens':>5} {'scored':>7}"
    )
    rng = random.Random(0)
    for n in args.n:
        measure(space, n, args.repeat, args.proposals, rng)
    if args.overhead:
        overhead(args.overhead, args.train_size, args.table)


def measure(space: Space, n: int, repeat: int, proposals: int, rng: random.Random) -> None:
    """One row of the table: n told architectures."""
    told = list(dict.fromkeys(sample(space, rng) for _ in range(n)))
    values = [objective(space, d) for d in told]
    bo = BayesianOptimiser(space, BOSettings())
    for d, v in zip(told, values, strict=True):
        bo.record_ask(d)
        bo.record_tell(d, math.exp(v))
    store = bo.store

    def fresh(count: int) -> list[object]:
        return [sample(space, rng) for _ in range(count)]

    def mutants(count: int) -> list[object]:
        return [mutate(space, told[i % len(told)], rng) for i in range(count)]

    first = len(CPU)
    batches = [fresh(100) for _ in range(repeat)]
    feat_new = best_of(repeat, lambda: [store.features(d) for d in batches.pop()])
    batches = [mutants(100) for _ in range(repeat)]
    feat_mut = best_of(repeat, lambda: [store.features(d) for d in batches.pop()])
    for d in told:
        store.features(d)
    xs = [d for d, _ in bo.successes()]
    ys = [v for _, v in bo.successes()]
    fit_gp(store, xs[:20], ys[:20])  # warm-up: imports, first Cholesky
    fit_l = best_of(repeat, lambda: fit_gp(store, xs, ys, FitSettings()))

    def cold() -> None:
        store.forget_gram()
        fit_gp(store, xs, ys, FitSettings())

    fit_cold = best_of(repeat, cold)
    adam = FitSettings(optimizer="adam", steps=20)
    fit_a = best_of(repeat, lambda: fit_gp(store, xs, ys, adam))
    fitted = fit_gp(store, xs, ys)
    batches = [mutants(100) for _ in range(repeat)]

    def score() -> None:
        with single_threaded():  # as inside a proposal
            mean, std = fitted.predict(batches.pop())
            log_expected_improvement(mean, std, fitted.best)

    scoring = best_of(repeat, score)
    proposal_times, generations, scored = [], [], []
    for k in range(proposals):
        bo._fitted_on = -1  # refit, as after a new result
        start, cpu = time.perf_counter(), time.process_time()
        bo.propose(random.Random(1000 + k))
        proposal_times.append(time.perf_counter() - start)
        CPU.append(time.process_time() - cpu)
        generations.append(int(bo.timings["generations"]))
        scored.append(int(bo.timings["scored"]))
    print(
        f"{len(told):>5} {feat_new * 10:>7.2f}ms {feat_mut * 10:>7.2f}ms"
        f" {fit_l:>9.3f}s {fit_cold:>9.3f}s {fit_a:>8.3f}s {scoring:>9.3f}s {min(proposal_times):>8.2f}s"
        f" {generations[0]:>5} {scored[0]:>7}",
        flush=True,
    )
    f_new, f_mut, c_fit, c_cold, c_adam, c_score = CPU[first : first + 6]
    c_prop = min(CPU[first + 6 :])
    print(
        f"{'cpu':>5} {f_new * 10:>7.2f}ms {f_mut * 10:>7.2f}ms {c_fit:>9.3f}s {c_cold:>9.3f}s"
        f" {c_adam:>8.3f}s"
        f" {c_score:>9.3f}s {c_prop:>8.2f}s   (process CPU time of the same runs)",
        flush=True,
    )


def overhead(budget: int, train_size: int | None, table: str | None) -> None:
    """The share of a 1-epoch MNIST-1D BO run (examples/hmnist1d.nas) spent in the
    strategy: each ask and tell is timed apart from the training between them."""
    import json
    from dataclasses import replace

    import torch

    from nasc.search import Study
    from nasc.search.data import load_dataset
    from nasc.search.training import RECIPES, Trainer

    torch.set_num_threads(1)
    data = load_dataset("mnist1d")
    if train_size is not None:
        data = replace(data, x_train=data.x_train[:train_size], y_train=data.y_train[:train_size])
    trainer = Trainer(data, replace(RECIPES["default"], epochs=1))
    study = Study(ROOT / "examples" / "hmnist1d.nas", "bo", seed=0, dataset=data)
    spent = {"ask": 0.0, "tell": 0.0, "train": 0.0}
    asks: list[float] = []
    trained: dict[str, float] = {}
    start = time.perf_counter()
    for _ in range(budget):
        t0 = time.perf_counter()
        trial = study.ask()
        t1 = time.perf_counter()
        result = trainer(trial)
        t2 = time.perf_counter()
        study.tell(trial, result)
        t3 = time.perf_counter()
        spent["ask"] += t1 - t0
        spent["train"] += t2 - t1
        spent["tell"] += t3 - t2
        asks.append(t1 - t0)
        trained[trial.term] = result["val_error"]
        print(
            f"trial {len(asks)}: ask {t1 - t0:.2f}s, train {t2 - t1:.1f}s, tell {t3 - t2:.3f}s,"
            f" val error {result['val_error']:.3f}",
            flush=True,
        )
    total = time.perf_counter() - start
    share = (spent["ask"] + spent["tell"]) / total
    print(
        f"MNIST-1D (hmnist1d) BO, {budget} 1-epoch trials on {len(data.x_train)} samples:"
        f" {total:.0f}s, training {spent['train']:.0f}s, ask {spent['ask']:.1f}s,"
        f" tell {spent['tell']:.2f}s: search overhead {share:.1%};"
        f" slowest ask {max(asks):.2f}s, mean ask after the initial design"
        f" {sum(asks[10:]) / max(len(asks) - 10, 1):.2f}s"
    )
    if table:
        path = Path(table)
        known = json.loads(path.read_text()) if path.exists() else {}
        path.write_text(json.dumps({**known, **trained}, indent=0, sort_keys=True))


if __name__ == "__main__":
    main()
