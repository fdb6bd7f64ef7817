"""Trials on a Ray cluster: one actor per slot (a CPU share, or a GPU), the driver the only writer.

The `Job` goes into Ray's object store once; each actor fetches it once, rebuilds the
space from the shipped texts (never the driver's files), and runs trials on it. A
worker process or node lost under a trial makes the trial "lost": it is run again on
another worker (on another node where one is free) up to ``max_retries`` times, then
reported failed with the reason. An objective that raises is failed, never retried.

Ray is imported only when an executor starts: `pip install 'nasc[ray]'`.
"""

from __future__ import annotations

import contextlib
import os
import socket
import time
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from nasc.dsl import NascError
from nasc.dsl.diagnostics import error
from nasc.search.executors.base import Job, Outcome, TrialSpec
from nasc.search.executors.evaluate import Evaluator

_INSTALL = "pip install 'nasc[ray]'"
_TICK = 0.25  # seconds between checks of trial timeouts while waiting
_CREATION_FAILURES = 3  # workers that fail to start in a row before queued trials fail
_CAPACITY_AGE = 1.0  # seconds a reading of the cluster's resources is used
_CONNECT_TIMEOUT = 5.0  # seconds to reach a head's address before giving up


def _ray() -> Any:
    try:
        import ray
    except ImportError:
        raise NascError(
            error("E980", f"the Ray executor needs Ray, which is not installed: {_INSTALL}", None)
        ) from None
    return ray


def _where() -> tuple[str, str, int]:
    ray = _ray()
    return ray.get_runtime_context().get_node_id(), ray.util.get_node_ip_address(), os.getpid()


class TrialWorker:
    """A Ray actor's state: the job, fetched from the object store at its first trial."""

    def __init__(self) -> None:
        self._evaluator: Evaluator | None = None
        node, ip, pid = _where()
        self.place = (node, f"node {ip} pid {pid}")

    def where(self) -> tuple[str, str]:
        """The node id and the worker's name (``node IP pid N``)."""
        return self.place

    def run(self, job_ref: list[Any], spec: TrialSpec) -> Outcome:
        """Run one trial; every failure of the objective comes back as a failed Outcome."""
        if self._evaluator is None:
            try:
                self._evaluator = Evaluator(_ray().get(job_ref[0]))
            except Exception as exc:  # e.g. an objective not importable on this node
                reason = f"cannot load the job on {self.place[1]}: {type(exc).__name__}: {exc}"
                return Outcome(spec.trial_id, "failed", None, reason, worker=self.place[1])
        if spec.device.startswith("cuda"):
            spec = replace(spec, device="cuda")  # Ray shows the actor its own GPU alone
        return self._evaluator.run(spec, self.place[1])


@dataclass
class _Attempt:
    spec: TrialSpec
    tries: int = 0  # runs lost so far
    avoid: str | None = None  # the node the last lost run was on
    history: tuple[str, ...] = ()


@dataclass
class _Worker:
    handle: Any
    kind: str  # "cpu" or "cuda"
    ready: Any  # the ObjectRef of where() until it resolves, then None
    node: str = ""
    name: str = ""
    attempt: _Attempt | None = None
    result: Any = None  # the ObjectRef of run()
    since: float = 0.0


class RayExecutor:
    """Runs trials as Ray actor calls on a cluster (see the module docstring).

    ``address``: None starts Ray on this machine (or uses the one this process already
    joined), ``"auto"`` joins the cluster started here with ``ray start``,
    ``"HOST:PORT"`` a head's address. ``workers``: trials at once (default: what the
    cluster's CPUs, or GPUs for CUDA trials, can run). ``num_cpus``: CPUs per trial.
    """

    def __init__(
        self,
        address: str | None = None,
        workers: int | None = None,
        num_cpus: float = 1,
        max_retries: int = 1,
    ) -> None:
        if workers is not None and workers < 1:
            raise NascError(error("E981", f"workers must be at least 1, got {workers}", None))
        if max_retries < 0:
            raise NascError(
                error("E981", f"max_retries must be 0 or more, got {max_retries}", None)
            )
        if num_cpus < 0:
            raise NascError(error("E981", f"num_cpus must be 0 or more, got {num_cpus}", None))
        self.address = address
        self.workers = workers
        self.num_cpus = num_cpus
        self.max_retries = max_retries
        self._ray: Any = None
        self._owns_ray = False
        self._job_ref: Any = None
        self._kind = "cpu"
        self._pool: list[_Worker] = []
        self._queue: deque[_Attempt] = deque()
        self._done: list[Outcome] = []
        self._creation_failures = 0
        self._capacity: tuple[float, int] | None = None  # (when, slots): asked often

    # -- the Executor protocol -------------------------------------------------------

    def start(self, job: Job) -> None:
        ray = self.connect()
        self._job_ref = ray.put(job)
        if self._slots("cuda") > 0 and self._slots("cpu") == 0:
            self._kind = "cuda"

    def connect(self) -> Any:
        """Join the cluster (or start Ray here) unless this process already has; the
        `ray` module. `start` calls it; calling it first reports a bad address early."""
        if self._ray is not None:
            return self._ray
        ray = _ray()
        if not ray.is_initialized():
            try:
                if self.address is None:
                    ray.init(include_dashboard=False, log_to_driver=False)
                else:
                    _check_reachable(self.address)
                    ray.init(address=self.address, log_to_driver=False)
            except (ConnectionError, RuntimeError, ValueError) as exc:
                raise _unreachable(self.address or "this machine", exc) from None
            self._owns_ray = True
        self._ray = ray
        return ray

    def resolve_device(self, spec: str) -> str:
        """The device of trials for ``--device`` on this cluster: ``auto`` is ``cuda`` when
        the cluster has GPUs (the driver needs none), ``cuda:N`` is ``cuda`` (Ray hands
        each trial its GPU)."""
        self.connect()
        gpus = self._slots("cuda")
        if spec == "auto":
            return "cuda" if gpus else "cpu"
        if spec == "cpu":
            return "cpu"
        if spec == "cuda" or (spec.startswith("cuda:") and spec[5:].isdigit()):
            if not gpus:
                raise NascError(error("E983", "the Ray cluster has no GPU for --device cuda", None))
            return "cuda"
        raise NascError(error("E983", f"unknown device '{spec}' (auto, cpu, cuda or cuda:N)", None))

    def capacity(self) -> int:
        if self.workers is not None:
            return self.workers
        now = time.monotonic()
        if self._capacity is None or now - self._capacity[0] > _CAPACITY_AGE:
            self._capacity = (now, max(1, self._slots(self._kind)))
        return self._capacity[1]

    def submit(self, spec: TrialSpec) -> None:
        if self._ray is None:
            raise RuntimeError("RayExecutor.submit before start")
        self._kind = _kind(spec.device)
        self._queue.append(_Attempt(spec))
        self._dispatch()

    def wait(self, timeout: float | None = None) -> list[Outcome]:
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            self._dispatch()
            if self._done or not (self._queue or self._busy()):
                break
            left = _TICK if deadline is None else min(_TICK, deadline - time.monotonic())
            if left <= 0:
                break
            self._collect(left)
            self._expire()
        done, self._done = self._done, []
        return done

    def running(self) -> Mapping[int, str]:
        places = {w.attempt.spec.trial_id: w.name for w in self._pool if w.attempt is not None}
        for attempt in self._queue:
            places[attempt.spec.trial_id] = "waiting for a Ray worker"
        return places

    def shutdown(self, cancel: bool = False) -> None:
        if self._ray is None:
            return
        if not cancel:
            while self._busy():
                self._collect(_TICK)
                self._expire()
        for worker in self._pool:
            self._ray.kill(worker.handle, no_restart=True)
        self._pool.clear()
        self._queue.clear()
        self._job_ref = None
        if self._owns_ray:
            self._ray.shutdown()
            self._owns_ray = False
        self._ray = None

    # -- scheduling --------------------------------------------------------------------

    def _slots(self, kind: str) -> int:
        resources = self._ray.cluster_resources()
        cpus = float(resources.get("CPU", 0.0))
        by_cpu = int(cpus // self.num_cpus) if self.num_cpus > 0 else 1 << 30
        if kind == "cuda":
            return min(int(resources.get("GPU", 0.0)), by_cpu)
        return by_cpu

    def _busy(self) -> list[_Worker]:
        return [w for w in self._pool if w.attempt is not None]

    def _dispatch(self) -> None:
        """Give queued trials to idle workers; start workers while the cluster has room."""
        limits: dict[str, int] = {}  # slots by kind, read once per call
        for attempt in list(self._queue):
            kind = _kind(attempt.spec.device)
            idle = [
                w for w in self._pool if w.kind == kind and w.ready is None and w.attempt is None
            ]
            if idle:
                worker = next((w for w in idle if w.node != attempt.avoid), idle[0])
                self._queue.remove(attempt)
                self._assign(worker, attempt)
                continue
            starting = [w for w in self._pool if w.kind == kind and w.ready is not None]
            if kind not in limits:
                limits[kind] = self.workers if self.workers is not None else self._slots(kind)
            limit = limits[kind]
            if len(starting) < self._waiting(kind) and len(self._of(kind)) < max(limit, 1):
                self._pool.append(self._new_worker(kind))
            elif limit == 0 and not self._of(kind):
                self._queue.remove(attempt)
                self._fail(attempt, f"the Ray cluster has no node that can run a {kind} trial")

    def _of(self, kind: str) -> list[_Worker]:
        return [w for w in self._pool if w.kind == kind]

    def _waiting(self, kind: str) -> int:
        return sum(1 for a in self._queue if _kind(a.spec.device) == kind)

    def _new_worker(self, kind: str) -> _Worker:
        options: dict[str, Any] = {
            "num_cpus": self.num_cpus,
            "num_gpus": 1 if kind == "cuda" else 0,
            "max_restarts": 0,
            "max_task_retries": 0,
        }
        actor = self._ray.remote(TrialWorker).options(**options).remote()
        return _Worker(actor, kind, actor.where.remote())

    def _assign(self, worker: _Worker, attempt: _Attempt) -> None:
        worker.attempt = attempt
        worker.result = worker.handle.run.remote([self._job_ref], attempt.spec)
        worker.since = time.monotonic()

    def _collect(self, timeout: float) -> None:
        """Wait up to ``timeout`` for a worker to start or a trial to end, and take it in."""
        refs = {}
        for worker in self._pool:
            ref = worker.ready if worker.ready is not None else worker.result
            if ref is not None:
                refs[ref] = worker
        if not refs:
            time.sleep(max(0.0, timeout))
            return
        ready, _ = self._ray.wait(list(refs), num_returns=1, timeout=max(0.0, timeout))
        for ref in ready:
            worker = refs[ref]
            if worker.ready is not None:
                self._started(worker)
            else:
                self._finished(worker)

    def _started(self, worker: _Worker) -> None:
        try:
            worker.node, worker.name = self._ray.get(worker.ready)
        except Exception as exc:
            self._pool.remove(worker)
            self._creation_failures += 1
            if self._creation_failures >= _CREATION_FAILURES:
                reason = f"Ray workers fail to start: {_first_line(exc)}"
                for attempt in [a for a in self._queue if _kind(a.spec.device) == worker.kind]:
                    self._queue.remove(attempt)
                    self._fail(attempt, reason)
            return
        worker.ready = None
        self._creation_failures = 0

    def _finished(self, worker: _Worker) -> None:
        attempt, ref = worker.attempt, worker.result
        assert attempt is not None
        worker.attempt, worker.result = None, None
        ray = self._ray
        try:
            outcome = ray.get(ref)
        except (ray.exceptions.RayActorError, ray.exceptions.WorkerCrashedError,
                ray.exceptions.NodeDiedError, ray.exceptions.ObjectLostError) as exc:  # fmt: skip
            self._pool.remove(worker)
            with contextlib.suppress(Exception):  # in case it lives on, unreachable
                ray.kill(worker.handle, no_restart=True)
            self._lost(attempt, worker, _first_line(exc))
            return
        except Exception as exc:
            self._fail(attempt, _first_line(exc), worker.name)
            return
        history = "\n".join(attempt.history)
        if history:
            outcome = replace(outcome, log=f"{history}\n{outcome.log}".rstrip("\n"))
        self._done.append(outcome)

    def _lost(self, attempt: _Attempt, worker: _Worker, reason: str) -> None:
        seconds = time.monotonic() - worker.since
        note = f"attempt {attempt.tries + 1} lost on {worker.name} after {seconds:.1f}s: {reason}"
        attempt = replace(
            attempt, tries=attempt.tries + 1, avoid=worker.node, history=(*attempt.history, note)
        )
        self._prune()
        if attempt.tries > self.max_retries:
            runs = "run" if attempt.tries == 1 else "runs"
            self._fail(attempt, f"lost: {attempt.tries} {runs} lost; last: {reason}", worker.name)
        else:
            self._queue.appendleft(attempt)

    def _prune(self) -> None:
        """Forget idle workers on nodes Ray no longer counts alive (they would only be lost)."""
        alive = {node["NodeID"] for node in self._ray.nodes() if node.get("Alive")}
        for worker in [w for w in self._pool if w.attempt is None and w.ready is None]:
            if worker.node not in alive:
                self._pool.remove(worker)
        self._capacity = None

    def _expire(self) -> None:
        now = time.monotonic()
        for worker in self._busy():
            assert worker.attempt is not None
            limit = worker.attempt.spec.timeout
            if limit is not None and now - worker.since > limit:
                attempt = worker.attempt
                self._ray.kill(worker.handle, no_restart=True)
                self._pool.remove(worker)
                self._fail(
                    attempt,
                    f"timed out after {limit:g} s (--trial-timeout)",
                    worker.name,
                    now - worker.since,
                )

    def _fail(self, attempt: _Attempt, reason: str, name: str = "", seconds: float = 0.0) -> None:
        log = "\n".join(attempt.history)
        spec = attempt.spec
        self._done.append(Outcome(spec.trial_id, "failed", None, reason, None, log, name, seconds))


def _check_reachable(address: str) -> None:
    """Fail fast on a HOST:PORT nothing listens on (Ray itself would retry for minutes)."""
    host, sep, port = address.rpartition(":")
    if address == "auto" or "://" in address or not sep or not port.isdigit():
        return
    try:
        socket.create_connection((host, int(port)), timeout=_CONNECT_TIMEOUT).close()
    except OSError as exc:
        raise ConnectionError(exc.strerror or str(exc)) from None


def _unreachable(where: str, exc: Exception) -> NascError:
    return NascError(
        error(
            "E982",
            f"cannot reach a Ray cluster at {where}: {_first_line(exc)}",
            None,
            "start one with `ray start --head`, then pass --ray-address HOST:PORT (or auto)",
        )
    )


def _kind(device: str) -> str:
    return "cuda" if device.startswith("cuda") else "cpu"


def _first_line(exc: BaseException) -> str:
    """The exception's name and first line, and Ray's line that says why an actor died."""
    lines = [line.strip() for line in str(exc).strip().splitlines()]
    why = [line for line in lines[1:] if "because" in line][:1]
    return ": ".join([type(exc).__name__, *lines[:1], *why])


__all__ = ["RayExecutor", "TrialWorker"]
