"""An objective for the Ray executor's tests: it says where it ran and can wait, fail or train."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from nasc.backends.weights import init_weights


class Probe:
    """Writes ``started-<trial>-<pid>`` (holding the Ray node id) into ``folder``, then waits
    ``hold`` seconds (or until ``folder/release`` or
    ``folder/release-<trial>`` exists), keeps the initial weights and
    returns the parameter count as the metric; trial ids in ``fail`` raise."""

    def __init__(self, folder: str, hold: float = 0.0, fail: tuple[int, ...] = ()) -> None:
        self.folder = folder
        self.hold = hold
        self.fail = fail

    def __call__(self, trial: Any) -> dict[str, float]:
        import ray

        node = ray.get_runtime_context().get_node_id()
        Path(self.folder, f"started-{trial.id}-{os.getpid()}").write_text(node)
        trial.log(f"trial {trial.id} on node {node[:8]}")
        if trial.id in self.fail:
            raise ValueError(f"trial {trial.id} fails on purpose")
        deadline = time.monotonic() + self.hold
        release = (Path(self.folder, "release"), Path(self.folder, f"release-{trial.id}"))
        while time.monotonic() < deadline and not any(path.exists() for path in release):
            time.sleep(0.05)
        trial.weights = init_weights(trial.graph, trial.seed)  # numpy only: no torch to import
        return {"val_error": 1.0 / (1 + trial.params), "params": float(trial.params)}
