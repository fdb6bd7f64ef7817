"""The numbers behind the plots: best-so-far curves and the Pareto front."""

from __future__ import annotations

from collections.abc import Sequence

from nasc.search.store import TrialRecord


def finished(records: Sequence[TrialRecord]) -> list[TrialRecord]:
    """Done and failed trials in the order they finished."""
    done = [r for r in records if r.status in ("done", "failed") and r.finished_at is not None]
    return sorted(done, key=lambda r: (r.finished_at or 0.0, r.id))


def best_so_far(records: Sequence[TrialRecord]) -> tuple[list[int], list[float], list[float]]:
    """(trials finished, seconds since the run began, best value so far) at each
    finished trial from the first one that succeeded.

    >>> from nasc.search.store.records import TrialRecord
    >>> def r(i, v, t):
    ...     return TrialRecord(i, "t", {}, 0, "done", v, {}, None, None, None, 1, 0.0, 0.0, t, 1.0, None)
    >>> best_so_far([r(1, 0.5, 10.0), r(2, 0.7, 20.0), r(3, 0.2, 30.0)])
    ([1, 2, 3], [10.0, 20.0, 30.0], [0.5, 0.5, 0.2])
    """
    order = finished(records)
    if not order:
        return [], [], []
    start = min(r.asked_at for r in records)
    counts: list[int] = []
    times: list[float] = []
    values: list[float] = []
    best: float | None = None
    for count, record in enumerate(order, start=1):
        if record.value is not None and (best is None or record.value < best):
            best = record.value
        if best is not None:
            counts.append(count)
            times.append((record.finished_at or start) - start)
            values.append(best)
    return counts, times, values


def pareto_front(points: Sequence[tuple[float, float]]) -> list[tuple[float, float]]:
    """The points (cost, error) that no other point beats in both, by cost.

    >>> pareto_front([(1, 0.5), (2, 0.6), (3, 0.3), (4, 0.3), (5, 0.1)])
    [(1, 0.5), (3, 0.3), (5, 0.1)]
    """
    front: list[tuple[float, float]] = []
    for cost, error in sorted(points):
        if not front or error < front[-1][1]:
            front.append((cost, error))
    return front


__all__ = ["best_so_far", "finished", "pareto_front"]
