"""PNG plots of one or several runs (matplotlib, Agg: no display needed).

- ``best_so_far.png``: the best validation error so far against trials and against
  wall time; several runs give one thin curve each and their mean ± one standard
  deviation.
- ``pareto.png``: validation error against parameters, the Pareto front marked.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from numpy.typing import NDArray

from nasc.search.report.curves import best_so_far, pareto_front
from nasc.search.store import TrialRecord

Runs = Mapping[str, Sequence[TrialRecord]]


def _step_on(
    grid: NDArray[np.float64], xs: Sequence[float], ys: Sequence[float]
) -> NDArray[np.float64]:
    """A best-so-far curve read at ``grid`` (NaN before its first point)."""
    out = np.full(grid.shape, np.nan)
    if not xs:
        return out
    positions = np.searchsorted(np.asarray(xs, dtype=float), grid, side="right")
    index = np.asarray(positions, dtype=np.int64) - 1
    have = index >= 0
    out[have] = np.asarray(ys, dtype=float)[index[have]]
    return out


def _panel(
    axes: Axes, curves: Mapping[str, tuple[Sequence[float], Sequence[float]]], label: str
) -> None:
    for name, (xs, ys) in curves.items():
        axes.step(
            xs, ys, where="post", linewidth=1 if len(curves) > 1 else 2, alpha=0.6, label=name
        )
    filled = [c for c in curves.values() if c[0]]
    if len(filled) > 1:
        top = max(max(xs) for xs, _ in filled)
        grid = np.linspace(0.0, top, 200, dtype=np.float64)
        stack = np.vstack([_step_on(grid, xs, ys) for xs, ys in filled])
        valid = ~np.isnan(stack).any(axis=0)
        mean, spread = stack[:, valid].mean(axis=0), stack[:, valid].std(axis=0)
        axes.plot(
            grid[valid], mean, color="black", linewidth=2, label=f"mean of {len(filled)} runs"
        )
        axes.fill_between(
            grid[valid], mean - spread, mean + spread, color="grey", alpha=0.3, label="± 1 sd"
        )
    axes.set_xlabel(label)
    axes.set_ylabel("best validation error so far")
    axes.grid(alpha=0.3)


def plot_best_so_far(runs: Runs, path: Path) -> Path:
    """Best-so-far against trials and against wall time, in one PNG."""
    by_trials: dict[str, tuple[Sequence[float], Sequence[float]]] = {}
    by_time: dict[str, tuple[Sequence[float], Sequence[float]]] = {}
    for name, records in runs.items():
        counts, times, values = best_so_far(records)
        by_trials[name] = ([float(c) for c in counts], values)
        by_time[name] = (times, values)
    figure, (left, right) = plt.subplots(1, 2, figsize=(11, 4), constrained_layout=True)
    _panel(left, by_trials, "trials finished")
    _panel(right, by_time, "wall time (s)")
    left.legend(fontsize="small")
    figure.suptitle("best validation error so far")
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path


def plot_pareto(runs: Runs, path: Path) -> Path:
    """Validation error against parameters, every run's finished trials, the front marked."""
    figure, axes = plt.subplots(figsize=(6, 4.5), constrained_layout=True)
    every: list[tuple[float, float]] = []
    for name, records in runs.items():
        points = [
            (float(r.metrics.get("params", 0.0)), r.value)
            for r in records
            if r.status == "done" and r.value is not None and r.metrics.get("params")
        ]
        every += [(p, v) for p, v in points if v is not None]
        if points:
            axes.scatter(
                [p for p, _ in points], [v for _, v in points], s=14, alpha=0.6, label=name
            )
    front = pareto_front(every)
    if front:
        axes.step(
            [p for p, _ in front],
            [v for _, v in front],
            where="post",
            color="red",
            linewidth=1.5,
            label="Pareto front",
        )
        axes.scatter(
            [p for p, _ in front], [v for _, v in front], s=40, facecolors="none", edgecolors="red"
        )
        axes.set_xscale("log")
    axes.set_xlabel("parameters")
    axes.set_ylabel("validation error")
    axes.grid(alpha=0.3)
    if every:
        axes.legend(fontsize="small")
    else:
        axes.text(
            0.5, 0.5, "no finished trial reports 'params'", ha="center", transform=axes.transAxes
        )
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path


def write_plots(runs: Runs, folder: Path) -> list[Path]:
    """Both PNGs into ``folder``; returns their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    return [
        plot_best_so_far(runs, folder / "best_so_far.png"),
        plot_pareto(runs, folder / "pareto.png"),
    ]


__all__ = ["plot_best_so_far", "plot_pareto", "write_plots"]
