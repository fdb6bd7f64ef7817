"""`nasc report`: the trials of one or several runs, the best architecture, the plots."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import click
from rich.console import Console

from nasc.search.report.table import sort_key, to_csv, to_json, trials_table
from nasc.search.store import RunStore, TrialRecord


def read_runs(runs: Sequence[Path]) -> tuple[dict[str, list[TrialRecord]], str]:
    """Each run folder's trials, keyed by the folder's name (made unique), and the
    first run's objective metric."""
    found: dict[str, list[TrialRecord]] = {}
    metric = "val_error"
    for index, run in enumerate(runs):
        with RunStore.open(run, lock=False) as store:
            name = run.name or str(run)
            while name in found:
                name += "'"
            found[name] = store.trials()
            if index == 0:
                metric = str(store.meta().get("settings", {}).get("metric", metric))
    return found, metric


def report_runs(
    runs: Sequence[Path],
    sort: str | None,
    form: str,
    plots: Path | None,
    top: int,
    console: Console | None = None,
) -> list[Path]:
    """Print the table (or JSON/CSV) and write the PNG plots; returns the plots' paths."""
    from nasc.search.report.plots import write_plots

    found, metric = read_runs(runs)
    rows = [(name, record) for name, records in found.items() for record in records]
    rows.sort(key=sort_key(sort))
    if form == "json":
        click.echo(to_json(rows))
    elif form == "csv":
        click.echo(to_csv(rows), nl=False)
    written = write_plots(found, plots or runs[0])
    if form != "table":
        return written
    console = console or Console()
    console.print(trials_table(rows, metric, limit=top))
    done = [r for _, r in rows if r.status == "done" and r.value is not None]
    if done:
        best = min(done, key=lambda r: (r.value, r.finished_at or 0.0, r.id))
        console.print(
            f"best: trial {best.id}, {metric} {best.value:.4f}", markup=False, highlight=False
        )
        console.print(best.term, markup=False, soft_wrap=True, highlight=False)
    counts = {
        s: sum(1 for _, r in rows if r.status == s)
        for s in ("done", "failed", "running", "interrupted")
    }
    console.print(", ".join(f"{n} {s}" for s, n in counts.items() if n), markup=False)
    for path in written:
        console.print(f"wrote {path}", markup=False)
    return written


__all__ = ["read_runs", "report_runs"]
