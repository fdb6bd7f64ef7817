"""What a running search shows: a live rich display on a terminal, plain lines otherwise."""

from __future__ import annotations

import time
from collections.abc import Mapping

from rich.console import Console, Group
from rich.live import Live
from rich.table import Table
from rich.text import Text

from nasc.search.store import TrialRecord
from nasc.search.trial import Trial


def shorten(term: str, width: int = 72) -> str:
    """A term cut in the middle to at most ``width`` characters.

    >>> shorten("Sequential(" + "relu, " * 30 + "linear(10))", 30)
    'Sequential(relu, r … near(10))'
    """
    if len(term) <= width:
        return term
    head = (width - 3) * 2 // 3
    tail = width - 3 - head
    return f"{term[:head]} … {term[-tail:]}"


def duration(seconds: float) -> str:
    """``75`` -> ``'1:15'``; hours when there are some."""
    seconds = max(0, int(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class Tally:
    """Counts, the best trial and the pace of a search, for either display."""

    def __init__(self, budget: int, finished: int, best: TrialRecord | None, metric: str) -> None:
        self.budget = budget
        self.finished = finished
        self.at_start = finished
        self.failed = 0
        self.best = best
        self.metric = metric
        self.began = time.monotonic()
        self.terms: dict[int, str] = {}
        self.since: dict[int, float] = {}

    def submitted(self, trial: Trial) -> None:
        self.terms[trial.id] = trial.term
        self.since[trial.id] = time.monotonic()

    def finished_trial(self, record: TrialRecord) -> None:
        self.finished += 1
        self.failed += record.status == "failed"
        self.since.pop(record.id, None)
        if record.value is not None and (
            self.best is None or self.best.value is None or record.value < self.best.value
        ):
            self.best = record

    def elapsed(self) -> float:
        return time.monotonic() - self.began

    def eta(self) -> float | None:
        done = self.finished - self.at_start
        if done == 0:
            return None
        return self.elapsed() / done * max(0, self.budget - self.finished)

    def best_line(self) -> str:
        if self.best is None or self.best.value is None:
            return "best: none yet"
        return f"best: {self.metric} {self.best.value:.4f} (trial {self.best.id}) {shorten(self.best.term, 60)}"


class PlainProgress:
    """One line per event: for logs and for output that is not a terminal."""

    def __init__(self, tally: Tally, echo: Console) -> None:
        self.tally = tally
        self.console = echo

    def submitted(self, trial: Trial, worker: str) -> None:
        self.tally.submitted(trial)
        self.console.print(
            f"trial {trial.id} started on {worker}: {shorten(trial.term)}",
            highlight=False,
            soft_wrap=True,
        )

    def finished(self, record: TrialRecord) -> None:
        self.tally.finished_trial(record)
        tally = self.tally
        if record.status == "done":
            what = f"{tally.metric} {record.value:.4f}"
        else:
            what = f"failed: {record.error}"
        seconds = f"{record.seconds:.1f} s" if record.seconds is not None else "?"
        self.console.print(
            f"[{tally.finished}/{tally.budget}] trial {record.id} {what} ({seconds}, {record.worker})",
            highlight=False,
            soft_wrap=True,
            markup=False,
        )

    def tick(self, running: Mapping[int, str]) -> None:
        pass

    def close(self) -> None:
        pass


class LiveProgress:
    """A live panel: done/budget, best so far, running trials, elapsed and ETA."""

    def __init__(self, tally: Tally, console: Console) -> None:
        self.tally = tally
        self.console = console
        self.running: Mapping[int, str] = {}
        self.live = Live(self._render(), console=console, refresh_per_second=4, transient=False)
        self.live.start()

    def submitted(self, trial: Trial, worker: str) -> None:
        self.tally.submitted(trial)

    def finished(self, record: TrialRecord) -> None:
        self.tally.finished_trial(record)
        if record.status == "failed":
            self.live.console.print(f"trial {record.id} failed: {record.error}", markup=False)
        self.live.update(self._render())

    def tick(self, running: Mapping[int, str]) -> None:
        self.running = dict(running)
        self.live.update(self._render())

    def close(self) -> None:
        self.live.update(self._render())
        self.live.stop()

    def _render(self) -> Group:
        tally = self.tally
        eta = tally.eta()
        head = Text.assemble(
            ("trials ", "bold"),
            f"{tally.finished}/{tally.budget}",
            f" ({tally.failed} failed)" if tally.failed else "",
            "   elapsed ",
            duration(tally.elapsed()),
            "   ETA ",
            duration(eta) if eta is not None else "?",
        )
        table = Table(box=None, padding=(0, 1), show_header=bool(self.running))
        for column in ("trial", "worker", "time", "architecture"):
            table.add_column(column, no_wrap=True, overflow="ellipsis")
        now = time.monotonic()
        for trial_id, worker in sorted(self.running.items()):
            since = tally.since.get(trial_id, now)
            term = shorten(tally.terms.get(trial_id, ""), 60)
            table.add_row(str(trial_id), worker, duration(now - since), term)
        return Group(head, Text(tally.best_line()), table)


__all__ = ["LiveProgress", "PlainProgress", "Tally", "duration", "shorten"]
