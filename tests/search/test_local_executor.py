"""Local worker processes: real spawns, real signals, real timeouts."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import pytest

from nasc.search import Study
from nasc.search.executors import Job, LocalExecutor, TrialSpec
from nasc.search.source import SpaceSource
from tests.search.strategy_contract import MNIST1D

OBJECTIVES = "tests.search.objectives"


def job(objective: str) -> Job:
    source = SpaceSource.read(MNIST1D)
    return Job(source.text, source.path, {}, {}, f"{OBJECTIVES}:{objective}")


def spec(trial_id: int, term: str, timeout: float | None = None) -> TrialSpec:
    return TrialSpec(trial_id, term, seed=trial_id, timeout=timeout)


@pytest.fixture(scope="module")
def terms() -> list[str]:
    from nasc.compiler import format_term, load

    space = load(str(MNIST1D))
    return [format_term(space, space.sample(seed)) for seed in range(6)]


def wait_for(executor: LocalExecutor, count: int, limit: float = 60) -> list:  # type: ignore[type-arg]
    outcomes: list = []  # type: ignore[type-arg]
    deadline = time.monotonic() + limit
    while len(outcomes) < count and time.monotonic() < deadline:
        outcomes += executor.wait(timeout=1.0)
    return outcomes


def test_trials_run_in_spawned_workers(terms: list[str]) -> None:
    executor = LocalExecutor(workers=2)
    executor.start(job("by_params"))
    try:
        executor.submit(spec(1, terms[0]))
        executor.submit(spec(2, terms[1]))
        assert set(executor.running()) == {1, 2}
        outcomes = wait_for(executor, 2)
    finally:
        executor.shutdown()
    assert sorted(o.trial_id for o in outcomes) == [1, 2]
    assert {o.status for o in outcomes} == {"done"}
    assert all(o.worker.startswith("pid ") and o.worker != f"pid {os.getpid()}" for o in outcomes)
    assert len({o.worker for o in outcomes}) == 2


def test_wait_returns_on_timeout_with_nothing(terms: list[str]) -> None:
    executor = LocalExecutor(workers=1)
    executor.start(job("sleepy"))
    try:
        began = time.monotonic()
        assert executor.wait(timeout=0.2) == []
        assert time.monotonic() - began < 2
    finally:
        executor.shutdown()


def test_a_worker_killed_mid_trial_loses_the_trial_and_is_replaced(
    tmp_path: Path, terms: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    pid_file = tmp_path / "pid"
    monkeypatch.setenv("NASC_TEST_PID_FILE", str(pid_file))
    executor = LocalExecutor(workers=1)
    executor.start(job("pid_then_sleep"))
    try:
        executor.submit(spec(2, terms[0]))
        deadline = time.monotonic() + 60
        while not pid_file.exists() and time.monotonic() < deadline:
            executor.wait(timeout=0.2)
        pid = int(pid_file.read_text())
        os.kill(pid, signal.SIGKILL)
        [lost] = wait_for(executor, 1, limit=20)
        assert lost.trial_id == 2 and lost.status == "lost"
        assert "died: killed by SIGKILL" in (lost.error or "")
        executor.submit(spec(3, terms[1]))  # the replacement worker takes the next trial
        [done] = wait_for(executor, 1)
        assert done.status == "done" and done.worker != f"pid {pid}"
    finally:
        executor.shutdown()


def test_a_search_whose_worker_is_killed_fails_that_trial_and_completes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pid_file = tmp_path / "pid"
    monkeypatch.setenv("NASC_TEST_PID_FILE", str(pid_file))

    def killer() -> None:
        deadline = time.monotonic() + 60
        while not pid_file.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.1)
        os.kill(int(pid_file.read_text()), signal.SIGKILL)

    thread = threading.Thread(target=killer)
    thread.start()
    with Study(MNIST1D, store=tmp_path / "run") as study:
        study.optimize(f"{OBJECTIVES}:pid_then_sleep", budget=4, workers=2)
        trials = {t.id: t for t in study.trials}
    thread.join()
    assert len(trials) == 4
    assert trials[2].status == "failed" and "killed by SIGKILL" in (trials[2].error or "")
    assert [trials[i].status for i in (1, 3, 4)] == ["done"] * 3


def test_raising_nan_and_timed_out_trials_fail_and_the_search_completes(tmp_path: Path) -> None:
    with Study(MNIST1D, store=tmp_path / "run") as study:
        study.optimize(f"{OBJECTIVES}:raising", budget=6, workers=2)
        raised = {t.id: (t.status, t.error) for t in study.trials}
    assert raised[2] == ("failed", "RuntimeError: the objective broke on purpose")
    assert raised[3] == ("failed", "loss is nan")
    assert raised[4] == ("failed", "the objective 'val_error' is nan")
    assert [raised[i][0] for i in (1, 5, 6)] == ["done"] * 3

    began = time.monotonic()
    with Study(MNIST1D, store=tmp_path / "timeouts") as study:
        study.optimize(f"{OBJECTIVES}:slow_second", budget=4, workers=2, trial_timeout=3)
        timed = {t.id: (t.status, t.error) for t in study.trials}
    assert time.monotonic() - began < 40
    assert timed[2] == ("failed", "timed out after 3 s (--trial-timeout)")
    assert [timed[i][0] for i in (1, 3, 4)] == ["done"] * 3


def test_each_worker_sees_its_own_gpu(terms: list[str]) -> None:
    executor = LocalExecutor(workers=2, gpus=["0", "1"])
    executor.start(job("by_params"))
    try:
        envs = [slot.env["CUDA_VISIBLE_DEVICES"] for slot in executor._pool]
    finally:
        executor.shutdown(cancel=True)
    assert envs == ["0", "1"]
