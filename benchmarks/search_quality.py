"""Search quality on a hierarchical 1-D space: BO (hWL) vs BO (WL) vs evolution vs random
vs AREA at equal budget, and the surrogate study (Kendall τ, Spearman ρ).

Usage:
  python benchmarks/search_quality.py search [--space examples/hmnist1d.nas]
      [--strategies bo bo-wl evolution random area] [--seeds 5] [--budget 60]
      [--epochs 1] [--train-size 2000] [--out benchmarks/results/quality]
  python benchmarks/search_quality.py surrogate
      [--table benchmarks/results/quality/trained.json.gz] [--train 10 25 50 100 200]
      [--test 100] [--repeats 5] [--train-only]
  python benchmarks/search_quality.py noise [--count 60] [--repeats 2]
  python benchmarks/search_quality.py plot [--out benchmarks/results/quality]

Trials are 1 epoch (``--epochs``) of the default recipe on the first ``--train-size``
of MNIST-1D's 3,600 training samples, on one thread (torch, OpenMP and BLAS alike: the
machine is shared).
``search`` runs every strategy for every seed, writes each run's curve (best
validation error after each evaluation) and the test error of its final best to
OUT/results.json (runs already there are skipped), and adds every trained
architecture to OUT/searched.json.gz (term -> validation error, gzipped JSON, saved
after every run). The surrogate study has a table of its own, OUT/trained.json.gz, of
uniform samples only (what a search trains is far from uniform). ``surrogate``
trains uniform samples until the table holds max(n_train) + test architectures
(``--train-only``: only that), then fits BO's GP (hWL and WL) on n_train of them and
reports Kendall τ and Spearman ρ between its predictions and the true validation
errors of the held-out ones, mean ± standard deviation over random splits, to
surrogate.json beside the table and benchmarks/figures/surrogate.png. ``plot`` draws
the search study's mean ± spread curves and each run's test error, and prints the
summary.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import statistics
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

# one thread for every numeric library, set before they load: an idle OpenMP or
# OpenBLAS worker spinning beside the training takes half a core on a shared machine
for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

from nasc.search.store.weights import write_atomically  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
RESULTS = str(ROOT / "benchmarks" / "results" / "quality")
TRAIN_SIZE = 2000  # training samples of MNIST-1D used (of 3,600): a small, fast study


def trained_table(path: Path) -> dict[str, float]:
    """The cached table term -> validation error (gzipped JSON when the name ends .gz)."""
    if not path.exists():
        return {}
    data = path.read_bytes()
    loaded: dict[str, float] = json.loads(gzip.decompress(data) if path.suffix == ".gz" else data)
    return loaded


def save_table(path: Path, table: dict[str, float]) -> None:
    """Write the table whole or not at all (a temporary file and a rename), so that a
    run stopped at any moment keeps every result saved before."""
    text = json.dumps(table, indent=0, sort_keys=True).encode()
    write_atomically(path, gzip.compress(text, mtime=0) if path.suffix == ".gz" else text)


def dataset(train_size: int | None) -> Any:
    """MNIST-1D, its training split cut to its first ``train_size`` samples (None: all
    3,600); validation (400) and test (1,000) stay whole."""
    from nasc.search.data import load_dataset

    data = load_dataset("mnist1d")
    if train_size is not None:
        data = replace(
            data,
            x_train=data.x_train[:train_size],
            y_train=data.y_train[:train_size],
            fingerprint=f"{data.fingerprint}:train{train_size}",
        )
    return data


def one_thread() -> None:
    """Train on one thread: the trials are small, and the machine is shared."""
    import torch

    torch.set_num_threads(1)


def search(args: argparse.Namespace) -> None:
    from nasc.search import Study
    from nasc.search.training import RECIPES, Trainer

    one_thread()
    data = dataset(args.train_size)
    trainer = Trainer(data, replace(RECIPES["default"], epochs=args.epochs))
    out = Path(args.out)
    table = trained_table(out / "searched.json.gz")
    results_path = out / "results.json"
    results: dict[str, Any] = json.loads(results_path.read_text()) if results_path.exists() else {}
    for strategy in args.strategies:
        for seed in range(args.seeds):
            key = f"{strategy}/{seed}"
            if key in results:
                continue
            start = time.perf_counter()
            study = Study(args.space, strategy, seed=seed, dataset=data)
            study.optimize(trainer, budget=args.budget)
            curve, best = [], float("inf")
            best_record = None
            for record in study.trials:
                if record.value is not None:
                    table[record.term] = record.value
                    if record.value < best:
                        best, best_record = record.value, record
                curve.append(best)
            test = best_record.metrics.get("test_error") if best_record else None
            results[key] = {
                "curve": curve,
                "best": best,
                "test_error": test,
                "seconds": time.perf_counter() - start,
            }
            out.mkdir(parents=True, exist_ok=True)
            write_atomically(results_path, json.dumps(results, indent=1).encode())
            save_table(out / "searched.json.gz", table)
            print(
                f"{key}: best val {best:.4f} test {test} ({results[key]['seconds']:.0f}s)",
                flush=True,
            )
    summarise(results, args.strategies)


def summarise(results: dict[str, Any], strategies: list[str]) -> None:
    """Per strategy: the best validation error after 20, 40 and all evaluations (mean ±
    standard deviation over seeds) and the test error of each run's final best."""
    print(
        f"{'strategy':>10} {'runs':>5} {'best val @20':>16} {'@40':>16} {'@all':>16}"
        f" {'test of best':>16}"
    )
    for strategy in strategies:
        runs = [r for k, r in results.items() if k.split("/")[0] == strategy]
        if not runs:
            continue
        cells = []
        for at in (20, 40, None):
            values = [r["curve"][min(at or len(r["curve"]), len(r["curve"])) - 1] for r in runs]
            cells.append(_mean_sd(values))
        test = [r["test_error"] for r in runs if r["test_error"] is not None]
        print(f"{strategy:>10} {len(runs):>5} {cells[0]} {cells[1]} {cells[2]} {_mean_sd(test)}")


def _mean_sd(values: list[float]) -> str:
    if not values:
        return f"{'-':>16}"
    sd = statistics.stdev(values) if len(values) > 1 else 0.0
    return f"{statistics.mean(values):>8.4f} ± {sd:.4f}"


def surrogate(args: argparse.Namespace) -> None:
    from scipy.stats import kendalltau, spearmanr

    from nasc.compiler import load, parse_term
    from nasc.search.bo.features import FeatureStore
    from nasc.search.bo.gp import fit_gp
    from nasc.search.bo.views import SINGLE_WL, ViewSpec

    space = load(args.space)
    table_path = Path(args.table)
    table = trained_table(table_path)
    needed = max(args.train) + args.test
    if len(table) < needed:
        train_missing(args.space, table, needed, table_path, args.epochs, args.train_size)
    if args.train_only:
        return
    terms = sorted(table)
    print(f"{len(terms)} trained architectures in {table_path}")
    print(f"{'n_train':>8} {'kernel':>6} {'Kendall tau':>16} {'Spearman rho':>16}")
    rows: list[dict[str, Any]] = []
    for n in args.train:
        for name, spec in (("hWL", ViewSpec()), ("WL", SINGLE_WL)):
            taus, rhos = [], []
            for r in range(args.repeats):
                rng = random.Random(r)
                picked = rng.sample(terms, min(len(terms), n + args.test))
                train, test = picked[:n], picked[n:]
                store = FeatureStore(space, spec)
                xs = [parse_term(space, t) for t in train]
                fitted = fit_gp(store, xs, [table[t] for t in train])
                predicted = fitted.predict_value([parse_term(space, t) for t in test])
                truth = [table[t] for t in test]
                taus.append(kendalltau(predicted, truth).statistic)
                rhos.append(spearmanr(predicted, truth).statistic)
            print(
                f"{n:>8} {name:>6} {statistics.mean(taus):>8.3f} ± {statistics.pstdev(taus):.3f}"
                f" {statistics.mean(rhos):>8.3f} ± {statistics.pstdev(rhos):.3f}",
                flush=True,
            )
            rows.append({"n_train": n, "kernel": name, "tau": taus, "rho": rhos})
    out = table_path.parent / "surrogate.json"
    summary = {"table": len(terms), "test": args.test, "rows": rows}
    write_atomically(out, json.dumps(summary, indent=1).encode())
    plot_surrogate(rows, ROOT / "benchmarks" / "figures" / "surrogate.png")


def noise(args: argparse.Namespace) -> None:
    """How repeatable one trial's validation error is: the first ``--count``
    architectures of the surrogate's table retrained ``--repeats`` times with other
    seeds (initial weights and data order). The Kendall τ between two trainings of the
    same architectures is the most a surrogate can reach against one training's
    result; it goes to noise.json beside the table."""
    from scipy.stats import kendalltau

    from nasc.compiler import parse_term
    from nasc.search import Study
    from nasc.search.training import RECIPES, Trainer
    from nasc.search.trial import Trial, trial_seed

    one_thread()
    data = dataset(args.train_size)
    trainer = Trainer(data, replace(RECIPES["default"], epochs=args.epochs))
    table_path = Path(args.table)
    table = trained_table(table_path)
    terms = sorted(table)[: args.count]
    space = Study(args.space, "random", seed=0, dataset=data).space
    runs: list[list[float]] = [[table[t] for t in terms]]
    for r in range(args.repeats):
        found = []
        for i, term in enumerate(terms):
            trial = Trial(i, parse_term(space, term), trial_seed(7000 + r, i), space, term=term)
            found.append(trainer(trial)["val_error"])
        runs.append(found)
        print(f"retraining {r + 1}/{args.repeats} done", flush=True)
    taus = [
        kendalltau(runs[a], runs[b]).statistic
        for a in range(len(runs))
        for b in range(a + 1, len(runs))
    ]
    spread = [statistics.pstdev(values) for values in zip(*runs, strict=True)]
    print(
        f"{len(terms)} architectures, {len(runs)} trainings each: Kendall tau between two"
        f" trainings {statistics.mean(taus):.3f} (min {min(taus):.3f}, max {max(taus):.3f});"
        f" within-architecture standard deviation of the validation error: mean"
        f" {statistics.mean(spread):.4f}, median {statistics.median(spread):.4f}"
    )
    out = table_path.parent / "noise.json"
    found = {"terms": terms, "val_error": runs, "tau": taus}
    write_atomically(out, json.dumps(found, indent=0).encode())


def plot_surrogate(rows: list[dict[str, Any]], path: Path) -> None:
    """Kendall τ and Spearman ρ (mean ± sd over repeats) against n_train, per kernel."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, 2, figsize=(8, 3.2))
    for axis, metric, title in ((axes[0], "tau", "Kendall τ"), (axes[1], "rho", "Spearman ρ")):
        for kernel in sorted({r["kernel"] for r in rows}):
            mine = [r for r in rows if r["kernel"] == kernel]
            x = [r["n_train"] for r in mine]
            mean = [statistics.mean(r[metric]) for r in mine]
            sd = [statistics.pstdev(r[metric]) for r in mine]
            axis.errorbar(x, mean, yerr=sd, marker="o", capsize=3, label=kernel)
        axis.set_xscale("log")
        ticks = sorted({r["n_train"] for r in rows})
        axis.set_xticks(ticks, [str(t) for t in ticks])
        axis.minorticks_off()
        axis.set_xlabel("n_train")
        axis.set_title(title)
        axis.legend()
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=90)
    print(f"wrote {path}")


def train_missing(
    space: str,
    table: dict[str, float],
    needed: int,
    path: Path,
    epochs: int,
    train_size: int | None,
) -> None:
    """Train uniform samples of the space until the table holds ``needed`` architectures."""
    from nasc.search import Study
    from nasc.search.training import RECIPES, Trainer

    one_thread()
    data = dataset(train_size)
    trainer = Trainer(data, replace(RECIPES["default"], epochs=epochs))
    study = Study(space, "random", seed=999, dataset=data)
    while len(table) < needed:
        trial = study.ask()
        if trial.term in table:
            study.tell(trial, {"val_error": table[trial.term]})
            continue
        start = time.perf_counter()
        result = trainer(trial)
        study.tell(trial, result)
        table[trial.term] = result["val_error"]
        save_table(path, table)  # every result: a long run may be stopped at any point
        print(f"trained {len(table)}/{needed} ({time.perf_counter() - start:.1f}s)", flush=True)


def plot(args: argparse.Namespace) -> None:
    """The search study's curves (mean ± standard deviation of the best validation
    error over seeds, against evaluations) and each run's test error of its final best;
    the summary table printed beside."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    out = Path(args.out)
    results = json.loads((out / "results.json").read_text())
    order = ["bo", "bo-wl", "evolution", "area", "random"]
    found = {k.split("/")[0] for k in results}
    strategies = [s for s in order if s in found] + sorted(found - set(order))
    summarise(results, strategies)
    figure, (axis, tests) = plt.subplots(1, 2, figsize=(9, 4), gridspec_kw={"width_ratios": [2, 1]})
    for index, strategy in enumerate(strategies):
        mine = [r for k, r in results.items() if k.split("/")[0] == strategy]
        curves = [r["curve"] for r in mine]
        length = min(len(c) for c in curves)
        data = np.asarray([c[:length] for c in curves])
        mean, sd = data.mean(axis=0), data.std(axis=0)
        x = np.arange(1, length + 1)
        axis.plot(x, mean, label=f"{strategy} ({len(curves)} seeds)")
        axis.fill_between(x, mean - sd, mean + sd, alpha=0.15)
        test = [r["test_error"] for r in mine if r["test_error"] is not None]
        tests.scatter([index] * len(test), test, s=14, alpha=0.7)
        if test:
            tests.plot([index - 0.25, index + 0.25], [np.mean(test)] * 2, color="black")
    axis.set_xlabel("evaluations")
    axis.set_ylabel("best validation error")
    axis.legend()
    tests.set_xticks(range(len(strategies)), strategies, rotation=30)
    tests.set_ylabel("test error of the final best")
    figure.tight_layout()
    figure.savefig(out / "search_quality.png", dpi=100)
    print(f"wrote {out / 'search_quality.png'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    s = sub.add_parser("search")
    s.add_argument("--space", default=str(ROOT / "examples" / "hmnist1d.nas"))
    s.add_argument(
        "--strategies", nargs="+", default=["bo", "bo-wl", "evolution", "random", "area"]
    )
    s.add_argument("--seeds", type=int, default=5)
    s.add_argument("--budget", type=int, default=60)
    s.add_argument("--epochs", type=int, default=1)
    s.add_argument("--out", default=RESULTS)
    s.add_argument("--train-size", type=int, default=TRAIN_SIZE)
    g = sub.add_parser("surrogate")
    g.add_argument("--space", default=str(ROOT / "examples" / "hmnist1d.nas"))
    g.add_argument("--table", default=f"{RESULTS}/trained.json.gz")
    g.add_argument("--train", type=int, nargs="+", default=[10, 25, 50, 100, 200])
    g.add_argument("--test", type=int, default=100)
    g.add_argument("--repeats", type=int, default=5)
    g.add_argument("--epochs", type=int, default=1)
    g.add_argument("--train-size", type=int, default=TRAIN_SIZE)
    g.add_argument("--train-only", action="store_true", help="fill the table, fit nothing")
    n = sub.add_parser("noise")
    n.add_argument("--space", default=str(ROOT / "examples" / "hmnist1d.nas"))
    n.add_argument("--table", default=f"{RESULTS}/trained.json.gz")
    n.add_argument("--count", type=int, default=60)
    n.add_argument("--repeats", type=int, default=2)
    n.add_argument("--epochs", type=int, default=1)
    n.add_argument("--train-size", type=int, default=TRAIN_SIZE)
    p = sub.add_parser("plot")
    p.add_argument("--out", default=RESULTS)
    args = parser.parse_args()
    {"search": search, "surrogate": surrogate, "noise": noise, "plot": plot}[args.command](args)


if __name__ == "__main__":
    main()
