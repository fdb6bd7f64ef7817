"""Trials in local worker processes (spawned), one per GPU when there are several.

A worker that dies under a trial (SIGKILL, a segfault, the OOM killer) yields a
``lost`` outcome and is replaced; a trial over its timeout has its worker killed
and fails ("timed out"). `wait` never blocks longer than asked.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from multiprocessing.context import SpawnProcess
from typing import Any

from nasc.search.executors import worker as worker_module
from nasc.search.executors.base import Job, Outcome, TrialSpec

_ENVIRONMENT = threading.Lock()


@dataclass
class _Worker:
    process: SpawnProcess
    connection: Connection
    env: dict[str, str]
    sender: threading.Thread | None = None
    spec: TrialSpec | None = None
    since: float = 0.0
    ready: bool = False

    @property
    def name(self) -> str:
        return f"pid {self.process.pid}"


class LocalExecutor:
    """``workers`` spawned processes; worker i sees GPU ``gpus[i % len(gpus)]`` alone."""

    def __init__(
        self,
        workers: int = 1,
        gpus: Sequence[str] = (),
        threads: int | None = None,
        preload: Sequence[str] = (),
    ) -> None:
        if workers < 1:
            raise ValueError(f"workers must be >= 1, got {workers}")
        self.workers = workers
        self.gpus = list(gpus)
        # CPU threads per worker: the cores shared out
        self.threads = threads or max(1, (os.cpu_count() or 1) // workers)
        self.preload = tuple(preload)  # modules a worker imports while it waits for the job
        self._context = multiprocessing.get_context("spawn")
        self._job: Job | None = None
        self._pool: list[_Worker] = []
        self._done: list[Outcome] = []

    # -- the protocol ----------------------------------------------------------

    def warm(self) -> None:
        """Start the worker processes now, before the job is known, so that their
        start-up (Python, torch) overlaps the driver's own."""
        if not self._pool:
            self._pool = [self._spawn(i) for i in range(self.workers)]

    def start(self, job: Job) -> None:
        self._job = job
        self.warm()
        for slot in self._pool:
            self._send_job(slot)

    def capacity(self) -> int:
        return self.workers

    def submit(self, spec: TrialSpec) -> None:
        for slot in self._pool:
            if slot.spec is None:
                assert slot.sender is not None, "start the executor first"
                slot.sender.join()
                slot.spec, slot.since = spec, time.monotonic()
                with contextlib.suppress(BrokenPipeError, OSError):  # a dead worker: wait()
                    slot.connection.send(spec)  # reports its trial lost
                return
        raise RuntimeError("every worker is busy: submit at most capacity() trials")

    def wait(self, timeout: float | None = None) -> list[Outcome]:
        deadline = None if timeout is None else time.monotonic() + timeout
        while not self._done:
            now = time.monotonic()
            limit = self._next_timeout(now)
            if deadline is not None:
                limit = deadline - now if limit is None else min(limit, deadline - now)
            self._poll(max(0.0, limit) if limit is not None else None)
            self._expire(time.monotonic())
            if deadline is not None and time.monotonic() >= deadline:
                break
        done, self._done = self._done, []
        return done

    def running(self) -> Mapping[int, str]:
        return {slot.spec.trial_id: slot.name for slot in self._pool if slot.spec is not None}

    def shutdown(self, cancel: bool = False) -> None:
        for slot in self._pool:
            if cancel or slot.spec is not None:
                _kill(slot.process)
            else:
                try:
                    if slot.sender is not None:
                        slot.sender.join(timeout=5)
                    slot.connection.send(None)
                except (BrokenPipeError, OSError):
                    pass
        for slot in self._pool:
            slot.process.join(timeout=5)
            if slot.process.is_alive():
                _kill(slot.process)
                slot.process.join(timeout=5)
            slot.connection.close()
        self._pool = []

    # -- workers ---------------------------------------------------------------

    def _spawn(self, index: int) -> _Worker:
        env = {"OMP_NUM_THREADS": str(self.threads), "MKL_NUM_THREADS": str(self.threads)}
        if self.gpus:
            env["CUDA_VISIBLE_DEVICES"] = self.gpus[index % len(self.gpus)]
        parent, child = self._context.Pipe()
        process = self._context.Process(
            target=worker_module.main,
            args=(child, os.getpid()),
            daemon=True,
            name=f"nasc-worker-{index}",
        )
        with _ENVIRONMENT:  # a spawned child inherits the environment at start
            saved = {k: os.environ.get(k) for k in env}
            os.environ.update(env)
            try:
                process.start()
            finally:
                for key, value in saved.items():
                    if value is None:
                        os.environ.pop(key, None)
                    else:
                        os.environ[key] = value
        child.close()
        slot = _Worker(process, parent, env=env)
        if self._job is not None:
            self._send_job(slot)
        return slot

    def _send_job(self, slot: _Worker) -> None:
        if slot.sender is None:
            slot.sender = threading.Thread(
                target=_send_quietly, args=(slot.connection, self._job), daemon=True
            )
            slot.sender.start()

    def _replace(self, slot: _Worker) -> None:
        _kill(slot.process)
        slot.process.join(timeout=5)
        slot.connection.close()
        index = self._pool.index(slot)
        self._pool[index] = self._spawn(index)

    def _poll(self, timeout: float | None) -> None:
        waitables: dict[Any, _Worker] = {}
        for slot in self._pool:
            waitables[slot.connection] = slot
            waitables[slot.process.sentinel] = slot
        for ready in wait(list(waitables), timeout):
            slot = waitables[ready]
            if ready is slot.connection:
                self._receive(slot)
            elif slot in self._pool:
                self._receive_all(slot)
                if slot in self._pool and not slot.process.is_alive():
                    self._died(slot)

    def _receive_all(self, slot: _Worker) -> None:
        try:
            while slot.connection.poll() and self._receive(slot):
                pass
        except (EOFError, OSError):
            pass

    def _receive(self, slot: _Worker) -> bool:
        """Take one message; False when the pipe is closed (the sentinel reports the death)."""
        try:
            kind, payload = slot.connection.recv()
        except (EOFError, OSError):
            return False
        if kind == "ready":
            slot.ready = True
        elif kind == "outcome" and slot.spec is not None:
            self._done.append(payload)
            slot.spec = None
        return True

    def _died(self, slot: _Worker) -> None:
        spec = slot.spec
        if spec is not None:
            reason = _death(slot.process.exitcode)
            self._done.append(
                Outcome(
                    spec.trial_id,
                    "lost",
                    None,
                    f"the worker ({slot.name}) died: {reason}",
                    worker=slot.name,
                    seconds=time.monotonic() - slot.since,
                )
            )
        self._replace(slot)

    def _next_timeout(self, now: float) -> float | None:
        limits = [
            slot.since + slot.spec.timeout - now
            for slot in self._pool
            if slot.spec is not None and slot.spec.timeout is not None
        ]
        return min(limits) if limits else None

    def _expire(self, now: float) -> None:
        for slot in list(self._pool):
            spec = slot.spec
            if spec is None or spec.timeout is None or now < slot.since + spec.timeout:
                continue
            self._receive_all(slot)  # it may have just finished
            if slot.spec is None:
                continue
            self._done.append(
                Outcome(
                    spec.trial_id,
                    "failed",
                    None,
                    f"timed out after {spec.timeout:g} s (--trial-timeout)",
                    worker=slot.name,
                    seconds=now - slot.since,
                )
            )
            slot.spec = None
            self._replace(slot)


def _send_quietly(connection: Connection, job: Job) -> None:
    with contextlib.suppress(BrokenPipeError, OSError):
        connection.send(job)


def _kill(process: SpawnProcess) -> None:
    if process.is_alive() and process.pid is not None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(process.pid, signal.SIGKILL)


def _death(code: int | None) -> str:
    if code is None:
        return "unknown"
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit status {code}"


__all__ = ["LocalExecutor"]
