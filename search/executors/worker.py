"""The loop of a local worker process: take the job once, then trials until told to stop.

Messages to the driver: ``("ready", pid)`` once the job is read, then one
``("outcome", Outcome)`` per trial. A worker ignores Ctrl-C (the driver decides
what an interrupt means) and exits when its driver is gone.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import signal
import threading
import time
from collections.abc import Sequence
from multiprocessing.connection import Connection

from nasc.search.executors.base import Job, TrialSpec
from nasc.search.executors.evaluate import Evaluator


def _exit_with_driver(driver: int) -> None:
    while True:
        time.sleep(0.5)
        if os.getppid() != driver:
            os._exit(3)


def main(connection: Connection, driver: int, preload: Sequence[str] = ()) -> None:
    """Serve trials on ``connection`` for the driver process ``driver``; import the
    ``preload`` modules while the job is still on its way."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_exit_with_driver, args=(driver,), daemon=True).start()
    worker = f"pid {os.getpid()}"
    for module in preload:
        with contextlib.suppress(ImportError):
            importlib.import_module(module)
    try:
        job: Job = connection.recv()
        evaluator = Evaluator(job)
        connection.send(("ready", os.getpid()))
        while True:
            spec: TrialSpec | None = connection.recv()
            if spec is None:
                return
            connection.send(("outcome", evaluator.run(spec, worker)))
    except (EOFError, BrokenPipeError, ConnectionResetError):
        return  # the driver went away


__all__ = ["main"]
