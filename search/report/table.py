"""The trials of one or several runs as a table, JSON or CSV."""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Sequence
from typing import Any

from rich.table import Table

from nasc.search.progress import shorten
from nasc.search.store import TrialRecord

# the metrics a table shows besides the objective (JSON and CSV hold them all)
SHOWN = ("test_error", "params")
FIXED = ("run", "id", "status", "value", "seconds", "worker", "attempts", "term", "error")


def sort_key(metric: str | None) -> Any:
    """Order trials by ``metric`` (the objective value by default), missing values last."""

    def key(item: tuple[str, TrialRecord]) -> tuple[int, float, int]:
        _, record = item
        if metric in (None, "value"):
            value = record.value
        elif metric == "id":
            value = float(record.id)
        elif metric == "seconds":
            value = record.seconds
        else:
            value = record.metrics.get(metric)
        missing = value is None or not math.isfinite(value)
        return (1 if missing else 0, 0.0 if missing else float(value), record.id)  # type: ignore[arg-type]

    return key


def metric_names(rows: Sequence[tuple[str, TrialRecord]]) -> list[str]:
    names: set[str] = set()
    for _, record in rows:
        names.update(record.metrics)
    return sorted(names)


def as_dicts(rows: Sequence[tuple[str, TrialRecord]]) -> list[dict[str, Any]]:
    out = []
    for run, record in rows:
        out.append(
            {
                "run": run,
                "id": record.id,
                "status": record.status,
                "value": record.value,
                "metrics": dict(record.metrics),
                "seconds": record.seconds,
                "worker": record.worker,
                "attempts": record.attempts,
                "seed": record.seed,
                "term": record.term,
                "error": record.error,
                "weights": record.weights,
            }
        )
    return out


def to_json(rows: Sequence[tuple[str, TrialRecord]]) -> str:
    return json.dumps(as_dicts(rows), indent=2)


def to_csv(rows: Sequence[tuple[str, TrialRecord]]) -> str:
    metrics = metric_names(rows)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([*FIXED, *metrics])
    for run, record in rows:
        writer.writerow(
            [
                run,
                record.id,
                record.status,
                record.value,
                record.seconds,
                record.worker,
                record.attempts,
                record.term,
                record.error or "",
            ]
            + [record.metrics.get(m, "") for m in metrics]
        )
    return buffer.getvalue()


def _number(value: float | None) -> str:
    if value is None:
        return "-"
    if float(value).is_integer() and abs(value) >= 100:
        return f"{int(value):,}"
    return f"{value:.4f}"


def trials_table(
    rows: Sequence[tuple[str, TrialRecord]],
    metric: str,
    limit: int | None = None,
    term_width: int = 48,
) -> Table:
    """A rich table: id, status, the objective, the other metrics, time, architecture."""
    several = len({run for run, _ in rows}) > 1
    names = metric_names(rows)
    shown = [m for m in SHOWN if m in names and m != metric]
    table = Table(show_edge=False, header_style="bold")
    if several:
        table.add_column("run", no_wrap=True)
    for name in ("trial", "status", metric, *shown, "s"):
        table.add_column(name, justify="right", no_wrap=True, min_width=max(len(name), 6))
    table.add_column("architecture", no_wrap=True, overflow="ellipsis")
    for run, record in list(rows)[:limit]:
        cells = [str(record.id), record.status, _number(record.value)]
        cells += [_number(record.metrics.get(m)) for m in shown]
        cells.append(f"{record.seconds:.1f}" if record.seconds is not None else "-")
        what = shorten(record.term, term_width) if record.status != "failed" else f"{record.error}"
        table.add_row(*([run] if several else []), *cells, what)
    return table


__all__ = ["as_dicts", "metric_names", "sort_key", "to_csv", "to_json", "trials_table"]
