"""Running one trial where a worker runs it: the space from the job's texts, the
objective from the job, the result as an `Outcome` (every executor uses this)."""

from __future__ import annotations

import importlib
import math
import time
import traceback
from collections.abc import Mapping
from functools import cached_property
from typing import Any, cast

from nasc.compiler import Space, parse_term
from nasc.search.executors.base import Job, Outcome, TrialSpec
from nasc.search.source import SpaceSource
from nasc.search.trial import Objective, Trial, TrialFailed


def resolve_objective(objective: Objective | str) -> Objective:
    """A callable objective, importing ``"module:function"`` when given as text."""
    if not isinstance(objective, str):
        return objective
    module, sep, name = objective.partition(":")
    if not sep or not module or not name:
        raise ValueError(f"an objective is 'module:function', got '{objective}'")
    found: Any = importlib.import_module(module)
    for part in name.split("."):
        found = getattr(found, part)
    if not callable(found):
        raise TypeError(f"'{objective}' is not callable")
    return cast(Objective, found)


class Evaluator:
    """One worker's view of a job: its space and objective, made once."""

    def __init__(self, job: Job) -> None:
        self.job = job

    @cached_property
    def space(self) -> Space:
        job = self.job
        return SpaceSource(job.space_path, job.space_source, job.imports, job.overrides).load()

    @cached_property
    def objective(self) -> Objective:
        return resolve_objective(self.job.objective)

    def run(self, spec: TrialSpec, worker: str) -> Outcome:
        """Run the objective on the trial of ``spec``; any exception fails the trial."""
        begun = time.perf_counter()
        trial: Trial | None = None
        try:
            derivation = parse_term(self.space, spec.term)
            trial = Trial(
                spec.trial_id,
                derivation,
                spec.seed,
                self.space,
                spec.device,
                self.job.dataset,
                term=spec.term,
            )
            result = self.objective(trial)
            metrics = _metrics(result, self.job.metric)
            value = metrics[self.job.metric]
            if not math.isfinite(value):
                raise TrialFailed(f"the objective '{self.job.metric}' is {value}")
            metrics.setdefault("params", float(trial.params))
            metrics.setdefault("macs", float(trial.macs))
            status, error = "done", None
        except TrialFailed as exc:
            metrics, status, error = None, "failed", str(exc) or "the objective failed"
        except Exception as exc:  # the user's objective may raise anything
            metrics, status, error = None, "failed", failure_text(exc)
            if trial is not None:
                trial.log(traceback.format_exc(limit=-8))
        weights = trial.weights_npz() if trial is not None and status == "done" else None
        return Outcome(
            trial_id=spec.trial_id,
            status=status,  # type: ignore[arg-type]
            metrics=metrics,
            error=error,
            weights=weights,
            log="\n".join(trial.messages) if trial is not None else "",
            worker=worker,
            seconds=time.perf_counter() - begun,
        )


def failure_text(exc: BaseException) -> str:
    """A failed trial's error text: a TrialFailed's message, else the exception and its message."""
    if isinstance(exc, TrialFailed):
        return str(exc) or "the objective failed"
    return f"{type(exc).__name__}: {exc}"


def _metrics(result: float | Mapping[str, float], metric: str) -> dict[str, float]:
    if isinstance(result, Mapping):
        if metric not in result:
            keys = ", ".join(sorted(map(str, result))) or "none"
            raise TrialFailed(f"the objective returned no '{metric}' (its keys: {keys})")
        return {str(k): float(v) for k, v in result.items()}
    if isinstance(result, bool) or not isinstance(result, int | float):
        raise TrialFailed(
            f"the objective returned {type(result).__name__}, not a number or a mapping"
        )
    return {metric: float(result)}


__all__ = ["Evaluator", "resolve_objective"]
