"""Trials run one at a time in the calling process (the Python API's default).

No process boundary: an objective may be any callable (a lambda too), but a
crash takes the caller down with it and there is no per-trial timeout.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from nasc.search.executors.base import Job, Outcome, TrialSpec
from nasc.search.executors.evaluate import Evaluator


class InlineExecutor:
    """Runs each submitted trial in `wait`, in this process."""

    def __init__(self) -> None:
        self._evaluator: Evaluator | None = None
        self._queue: list[TrialSpec] = []

    def start(self, job: Job) -> None:
        self._evaluator = Evaluator(job)

    def capacity(self) -> int:
        return 1

    def submit(self, spec: TrialSpec) -> None:
        self._queue.append(spec)

    def wait(self, timeout: float | None = None) -> list[Outcome]:
        assert self._evaluator is not None, "start the executor first"
        if not self._queue:
            return []
        spec = self._queue[0]
        outcome = self._evaluator.run(spec, f"pid {os.getpid()}")
        self._queue.pop(0)
        return [outcome]

    def running(self) -> Mapping[int, str]:
        return {spec.trial_id: f"pid {os.getpid()}" for spec in self._queue}

    def shutdown(self, cancel: bool = False) -> None:
        self._queue.clear()


__all__ = ["InlineExecutor"]
