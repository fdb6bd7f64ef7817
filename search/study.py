"""A study: a strategy proposing architectures of one space, a run store recording them.

Optuna's habits: `ask` gives a `Trial`, `tell` records its result, `optimize`
runs an objective over a budget of trials through an executor.

>>> study = Study("examples/nb201.nas", "random", seed=0)
>>> trial = study.ask()
>>> study.tell(trial, 0.25).status
'done'
>>> study.best.value
0.25
"""

from __future__ import annotations

import math
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from nasc.compiler import Derivation, format_term, from_json, to_json
from nasc.dsl import NascError
from nasc.search.errors import search_error
from nasc.search.executors.base import Executor, Job, Outcome, TrialSpec
from nasc.search.executors.evaluate import failure_text
from nasc.search.executors.inline import InlineExecutor
from nasc.search.executors.local import LocalExecutor
from nasc.search.source import SpaceSource
from nasc.search.store import RunStore, TrialRecord, keep_weights
from nasc.search.store.weights import KEEP
from nasc.search.strategies import Exhausted, Strategy, StrategyContext, make_strategy
from nasc.search.trial import Objective, Trial, TrialFailed, trial_seed

if TYPE_CHECKING:
    from nasc.search.data import Dataset

Result = float | Mapping[str, float] | BaseException | None


class Progress(Protocol):
    """What `Study.optimize` reports while it runs (the command line draws it)."""

    def submitted(self, trial: Trial, worker: str) -> None: ...

    def finished(self, record: TrialRecord) -> None: ...

    def tick(self, running: Mapping[int, str]) -> None: ...


class Study:
    """A search over one space with one strategy, recorded in a run store.

    ``store``: a run folder (made, or continued with ``resume=True``), an open
    `RunStore`, or None for a temporary folder. ``settings`` are what must not
    change across a resume (epochs, dataset, objective, ...); ``force`` accepts a
    changed space or changed settings anyway.
    """

    def __init__(
        self,
        space: SpaceSource | str | Path,
        strategy: str | Strategy = "random",
        *,
        seed: int = 0,
        store: RunStore | str | Path | None = None,
        resume: bool = False,
        force: bool = False,
        strategy_settings: Mapping[str, Any] | None = None,
        settings: Mapping[str, Any] | None = None,
        metric: str = "val_error",
        dataset: Dataset | None = None,
        device: str = "cpu",
        keep: str = "best",
        overrides: Mapping[str, str] | None = None,
    ) -> None:
        if keep not in KEEP:
            raise ValueError(f"keep must be one of {KEEP}, got {keep!r}")
        self.source = (
            space if isinstance(space, SpaceSource) else SpaceSource.read(space, overrides)
        )
        self.space = self.source.load()
        self.seed = seed
        self.metric = metric
        self.dataset = dataset
        self.device = device
        self.keep = keep
        context = StrategyContext(self.space, seed, dataset, device)
        name = strategy if isinstance(strategy, str) else type(strategy).__name__
        self.strategy: Strategy = (
            make_strategy(strategy, context, strategy_settings or {})
            if isinstance(strategy, str)
            else strategy
        )
        self.settings = {
            "strategy": name,
            "strategy_settings": dict(strategy_settings or {}),
            "seed": seed,
            "metric": metric,
            "overrides": dict(self.source.overrides),
            **dict(settings or {}),
        }
        meta = {
            "space_path": self.source.path,
            "space_text": self.source.text,
            "space_imports": dict(self.source.imports),
            "space_hash": self.source.hash,
            "settings": self.settings,
            "dataset": dataset.fingerprint if dataset is not None else None,
            "dataset_name": dataset.name if dataset is not None else None,
            "created": time.time(),
        }
        self.store = _open_store(store, meta, resume)
        self._reruns: list[Trial] = []
        self._best: TrialRecord | None = None
        if resume:
            try:
                _check_same_run(self.store, meta, force)
                self._replay()
            except BaseException:
                self.store.close()
                raise

    # -- ask and tell ----------------------------------------------------------

    def ask(self) -> Trial:
        """The next trial: a trial interrupted before a resume first, then new proposals.

        Raises `Exhausted` when the strategy has no architecture left to propose.
        """
        if self._reruns:
            trial = self._reruns.pop(0)
            self.store.rerun(trial.id)
            return trial
        derivation = self.strategy.ask()
        term = format_term(self.space, derivation)
        trial_id, seed = self.store.add_trial(
            term, to_json(derivation), lambda i: trial_seed(self.seed, i)
        )
        return self._trial(trial_id, derivation, seed, term)

    def tell(
        self,
        trial: Trial | int,
        result: Result,
        *,
        weights: bytes | None = None,
        worker: str | None = None,
        log: str | None = None,
        seconds: float | None = None,
    ) -> TrialRecord:
        """Record a trial's result: its objective value, its metrics (holding the study's
        metric), or a failure (an exception, or None)."""
        trial_id = trial if isinstance(trial, int) else trial.id
        record = self.store.trial(trial_id)
        if record is None:
            raise search_error("E970", f"trial {trial_id} was never asked in this run")
        if record.status in ("done", "failed"):
            raise search_error("E971", f"trial {trial_id} is already {record.status}")
        if isinstance(trial, Trial):
            weights = weights if weights is not None else trial.weights_npz()
            log = log if log is not None else "\n".join(trial.messages) or None
        status, value, metrics, error = self._judge(result)
        best_before = self.best
        if seconds is None:
            seconds = time.time() - (record.started_at or record.asked_at)
        self.store.finish(
            trial_id,
            status=status,
            value=value,
            metrics=metrics,
            error=error,
            worker=worker,
            log=log,
            seconds=seconds,
        )
        self.strategy.tell(from_json(self.space, record.derivation), value)
        is_best = value is not None and (
            best_before is None or best_before.value is None or value < best_before.value
        )
        keep_weights(
            self.store,
            self.keep,
            trial_id,
            weights if status == "done" else None,
            best_before.id if best_before is not None else None,
            is_best,
        )
        finished = self.store.trial(trial_id)
        assert finished is not None
        if is_best:
            self._best = finished
        return finished

    def _judge(self, result: Result) -> tuple[str, float | None, dict[str, float], str | None]:
        if result is None:
            return "failed", None, {}, "failed"
        if isinstance(result, BaseException):
            return "failed", None, {}, failure_text(result)
        if isinstance(result, Mapping):
            metrics = {str(k): float(v) for k, v in result.items()}
            if self.metric not in metrics:
                return "failed", None, metrics, f"the objective returned no '{self.metric}'"
            value = metrics[self.metric]
        else:
            value = float(result)
            metrics = {self.metric: value}
        if not math.isfinite(value):
            return "failed", None, {}, f"the objective '{self.metric}' is {value}"
        return "done", value, metrics, None

    # -- running a budget ------------------------------------------------------

    def optimize(
        self,
        objective: Objective | str,
        budget: int,
        *,
        workers: int = 1,
        executor: Executor | None = None,
        trial_timeout: float | None = None,
        progress: Progress | None = None,
    ) -> TrialRecord | None:
        """Run trials until ``budget`` of them have finished (done or failed, counting
        those of a resumed run); return the best trial.

        With no ``executor``: one trial at a time in this process when ``workers`` is 1
        and there is no timeout, local worker processes otherwise (the objective must
        then be picklable or ``"module:function"``). Ctrl-C marks running trials
        interrupted (rerun on resume) and raises KeyboardInterrupt.
        """
        if budget < 1:
            raise ValueError(f"budget must be >= 1, got {budget}")
        if executor is None:
            executor = (
                InlineExecutor()
                if workers == 1 and trial_timeout is None
                else LocalExecutor(workers)
            )
        executor.start(self.job(objective))
        running: dict[int, Trial] = {}
        exhausted = False
        try:
            while True:
                finished = self.finished_count()
                while (
                    not exhausted
                    and len(running) < executor.capacity()
                    and finished + len(running) < budget
                ):
                    try:
                        trial = self.ask()
                    except Exhausted:
                        exhausted = True
                        break
                    running[trial.id] = trial
                    executor.submit(self._spec(trial, trial_timeout))
                    worker = executor.running().get(trial.id, "")
                    self.store.started(trial.id, worker)
                    if progress is not None:
                        progress.submitted(trial, worker)
                if not running:
                    break
                for outcome in executor.wait(timeout=0.5):
                    running.pop(outcome.trial_id, None)
                    record = self._told(outcome)
                    if progress is not None:
                        progress.finished(record)
                if progress is not None:
                    progress.tick(executor.running())
        except BaseException:
            # every running trial is this search's: the store's lock says it is the only one
            executor.shutdown(cancel=True)
            self.store.interrupt_running()
            raise
        executor.shutdown()
        return self.best

    def _told(self, outcome: Outcome) -> TrialRecord:
        result: Result
        if outcome.status == "done":
            result = dict(outcome.metrics or {})
        else:
            result = TrialFailed(outcome.error or outcome.status)
        return self.tell(
            outcome.trial_id,
            result,
            weights=outcome.weights,
            worker=outcome.worker,
            log=outcome.log or None,
            seconds=outcome.seconds,
        )

    def job(self, objective: Objective | str) -> Job:
        """What every worker needs to run trials of this study."""
        source = self.source
        return Job(
            source.text,
            source.path,
            dict(source.imports),
            dict(source.overrides),
            objective,
            self.dataset,
            self.metric,
        )

    def _spec(self, trial: Trial, timeout: float | None) -> TrialSpec:
        return TrialSpec(trial.id, trial.term, trial.seed, self.device, timeout)

    # -- what the store holds --------------------------------------------------

    @property
    def trials(self) -> list[TrialRecord]:
        return self.store.trials()

    @property
    def best(self) -> TrialRecord | None:
        """The finished trial with the lowest objective value (the first to finish among ties)."""
        if self._best is None:
            done = [t for t in self.store.trials() if t.status == "done" and t.value is not None]
            self._best = (
                min(done, key=lambda t: (t.value, t.finished_at or 0.0, t.id)) if done else None
            )
        return self._best

    def finished_count(self) -> int:
        return sum(1 for t in self.store.trials() if t.status in ("done", "failed"))

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Study:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- resuming --------------------------------------------------------------

    def _replay(self) -> None:
        """Rebuild the strategy from the stored events; queue unfinished trials to rerun."""
        records = {t.id: t for t in self.store.trials()}
        derivations: dict[int, Derivation] = {}
        for event in self.store.events():
            record = records[event.trial_id]
            if event.trial_id not in derivations:
                derivations[event.trial_id] = from_json(self.space, record.derivation)
            if event.kind == "ask":
                self.strategy.asked(derivations[event.trial_id])
            else:
                self.strategy.tell(derivations[event.trial_id], event.value)
        for record in records.values():
            if record.status in ("running", "interrupted"):
                self._reruns.append(
                    self._trial(record.id, derivations[record.id], record.seed, record.term)
                )

    def _trial(self, trial_id: int, derivation: Derivation, seed: int, term: str) -> Trial:
        return Trial(trial_id, derivation, seed, self.space, self.device, self.dataset, term=term)


def _open_store(
    store: RunStore | str | Path | None, meta: Mapping[str, Any], resume: bool
) -> RunStore:
    if isinstance(store, RunStore):
        return store
    if store is None:
        return RunStore.create(tempfile.mkdtemp(prefix="nasc-run-"), meta)
    return RunStore.open(store) if resume else RunStore.create(store, meta)


def _check_same_run(store: RunStore, meta: Mapping[str, Any], force: bool) -> None:
    stored = store.meta()
    changed: list[str] = []
    if stored.get("space_hash") != meta["space_hash"]:
        changed.append(f"the space ({stored.get('space_path')} then, {meta['space_path']} now)")
    if stored.get("dataset") != meta["dataset"]:
        changed.append(
            f"the dataset ({stored.get('dataset_name')} then, {meta['dataset_name']} now)"
        )
    old, new = stored.get("settings", {}), meta["settings"]
    for key in sorted(set(old) | set(new)):
        if old.get(key) != new.get(key):
            changed.append(f"{key} ({old.get(key)!r} then, {new.get(key)!r} now)")
    if not changed:
        return
    if not force:
        raise search_error(
            "E953",
            f"{store.folder} was made for another search: " + "; ".join(changed),
            "resume with the same space and settings, add --force to continue anyway, "
            "or choose another --out",
        )
    updates = {
        k: meta[k]
        for k in (
            "space_path",
            "space_text",
            "space_imports",
            "space_hash",
            "settings",
            "dataset",
            "dataset_name",
        )
    }
    store.set_meta(updates)


__all__ = ["NascError", "Progress", "Study"]
