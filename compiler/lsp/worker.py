"""Checks in a child process: time-bounded and cancellable, so no document blocks the others.

A Python thread cannot be stopped, so a check that runs away (an enormous space, a
file system that stalls) would hold the server's only check thread forever. The
server instead sends each check to one long-lived child process and waits for the
answer at most `CHECK_SECONDS`; past that, or when the check is cancelled (its
document closed or changed again), the child is killed and a fresh one started,
and the caller learns why. The child is started ahead of the first check.
"""

from __future__ import annotations

import functools
import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Mapping
from multiprocessing.connection import Connection
from typing import Any

from nasc.compiler.check.pipeline import CheckResult, check
from nasc.compiler.limits import run_deep
from nasc.dsl import NascError
from nasc.dsl.modules import IMPORT_ROOTS

# the longest one check may take (seconds) before it is stopped; NASC_LSP_CHECK_SECONDS sets it
CHECK_SECONDS = 20.0


def check_seconds() -> float:
    try:
        return float(os.environ.get("NASC_LSP_CHECK_SECONDS", CHECK_SECONDS))
    except ValueError:
        return CHECK_SECONDS


STARTUP_SECONDS = 120.0
"""How long a fresh checker process may take to import the compiler."""


class CheckStopped(Exception):
    """The check did not finish: it ran out of time or was cancelled (the message says)."""


def _check(
    path: str, overrides: dict[str, str], overlays: dict[str, str], roots: tuple[str, ...]
) -> CheckResult:
    IMPORT_ROOTS.set(roots)  # the workspace folders: imports may read from them too
    return check(path, overrides, overlays)


def _serve(connection: Connection) -> None:  # the child's main loop
    connection.send("ready")  # imports done: the time bound counts checking only
    while True:
        try:
            path, overrides, overlays, roots = connection.recv()
        except (EOFError, OSError):
            return
        try:
            result: object = run_deep(functools.partial(_check, path, overrides, overlays, roots))
        except NascError:  # E714: past the nesting limit
            result = RecursionError("the document is nested too deeply to check")
        except Exception as exc:  # reported to the server, which logs it
            result = RuntimeError(f"{type(exc).__name__}: {exc}")
        connection.send(result)


class CheckWorker:
    """One child process that runs `nasc.compiler.check`; `run` blocks (call it off the loop)."""

    def __init__(self, seconds: float | None = None) -> None:
        self.seconds = check_seconds() if seconds is None else seconds
        self._context = multiprocessing.get_context("spawn")
        self._lock = threading.Lock()  # one check at a time
        self._cancelled = threading.Event()
        self._connection: Connection | None = None
        self._process: Any = None
        self._start()

    def _start(self) -> None:
        parent, child = self._context.Pipe()
        process = self._context.Process(target=_serve, args=(child,), daemon=True)
        process.start()
        child.close()
        self._connection, self._process = parent, process
        self._ready = False

    def _wait_ready(self) -> None:
        """Wait (bounded) until the child has imported the compiler."""
        assert self._connection is not None
        if not self._ready and self._connection.poll(STARTUP_SECONDS):
            try:
                self._ready = self._connection.recv() == "ready"
            except (EOFError, OSError):
                self._ready = False

    def _restart(self) -> None:
        if self._process is not None:
            self._process.kill()
            self._process.join(5)
        if self._connection is not None:
            self._connection.close()
        self._start()

    def cancel(self) -> None:
        """Stop the check now running, if any (its `run` raises CheckStopped)."""
        self._cancelled.set()

    def run(
        self,
        path: str,
        overrides: Mapping[str, str] | None,
        overlays: Mapping[str, str] | None,
        still_wanted: Callable[[], bool] = lambda: True,
        roots: tuple[str, ...] = (),
    ) -> CheckResult:
        """The check's result; CheckStopped when it took too long or was cancelled."""
        with self._lock:
            self._cancelled.clear()
            self._wait_ready()
            assert self._connection is not None
            try:
                self._connection.send(
                    (path, dict(overrides or {}), dict(overlays or {}), tuple(roots))
                )
            except (OSError, ValueError):
                self._restart()
                raise CheckStopped("the checker was restarted") from None
            deadline = time.monotonic() + self.seconds
            while not self._connection.poll(0.05):
                if self._cancelled.is_set() or not still_wanted():
                    self._restart()
                    raise CheckStopped("the check was cancelled")
                if time.monotonic() > deadline or not self._process.is_alive():
                    alive = self._process.is_alive()
                    self._restart()
                    if alive:
                        raise CheckStopped(
                            f"checking took longer than {self.seconds:g} s and was stopped"
                        )
                    raise CheckStopped("the checker stopped unexpectedly")
            try:
                result = self._connection.recv()
            except (EOFError, OSError):
                self._restart()
                raise CheckStopped("the checker stopped unexpectedly") from None
        if isinstance(result, RecursionError):
            raise result
        if isinstance(result, Exception):
            raise CheckStopped(str(result))
        assert isinstance(result, CheckResult)
        return result

    def close(self) -> None:
        if self._process is not None:
            self._process.kill()
            self._process.join(5)


__all__ = ["CHECK_SECONDS", "CheckStopped", "CheckWorker"]
