"""An objective for the Ray executor's tests: it says where it ran and can wait, fail or train."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

from nasc.backends.weights import init_weights


def _started(folder: str, trial_id: int) -> str:
    """Note this run of the trial (by pid) and the Ray node it runs on."""
    import ray

    node = ray.get_runtime_context().get_node_id() if ray.is_initialized() else "local"
    Path(folder, f"started-{trial_id}-{os.getpid()}").write_text(node)
    return node


def _hold(folder: str, trial_id: int, seconds: float) -> None:
    """Wait ``seconds``, or until ``folder/release`` or ``folder/release-<trial>`` exists."""
    deadline = time.monotonic() + seconds
    release = (Path(folder, "release"), Path(folder, f"release-{trial_id}"))
    while time.monotonic() < deadline and not any(path.exists() for path in release):
        time.sleep(0.05)


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
        node = _started(self.folder, trial.id)
        trial.log(f"trial {trial.id} on node {node[:8]}")
        if trial.id in self.fail:
            raise ValueError(f"trial {trial.id} fails on purpose")
        _hold(self.folder, trial.id, self.hold)
        trial.weights = init_weights(trial.graph, trial.seed)  # numpy only: no torch to import
        return {"val_error": 1.0 / (1 + trial.params), "params": float(trial.params)}


class TrainDigits:
    """One epoch of torch training on the study's dataset (shipped to the worker in the
    job); like `Probe`, it writes ``started-<trial>-<pid>`` into ``folder`` and, when
    ``hold`` is set, waits for ``folder/release`` first."""

    def __init__(self, folder: str, hold: float = 0.0, hold_from: int = 0) -> None:
        self.folder = folder
        self.hold = hold
        self.hold_from = hold_from  # only trials with this id or a higher one wait

    def __call__(self, trial: Any) -> dict[str, float]:
        import torch

        _started(self.folder, trial.id)
        if trial.id >= self.hold_from:
            _hold(self.folder, trial.id, self.hold)
        data = trial.dataset
        x, y = torch.as_tensor(data.x_train.copy()), torch.as_tensor(data.y_train.copy())
        torch.manual_seed(trial.seed)
        model = trial.model("torch")
        optimiser = torch.optim.Adam(model.parameters(), lr=0.01)
        model.train()
        for batch in torch.randperm(len(y)).split(128):
            optimiser.zero_grad()
            torch.nn.functional.cross_entropy(model(x[batch]), y[batch]).backward()
            optimiser.step()
        model.eval()
        with torch.no_grad():
            x_val, y_val = torch.as_tensor(data.x_val.copy()), torch.as_tensor(data.y_val)
            error = (model(x_val).argmax(1) != y_val).float().mean().item()
        trial.keep_model(model)
        return {"val_error": error, "params": float(trial.params)}


# `nasc search --objective tests.search.ray_probe:configured` takes its settings from a
# file: a command line has no way to hand an objective arguments. The cluster's processes
# inherit HOME_VARIABLE from the test that starts the cluster.
HOME_VARIABLE = "NASC_RAY_PROBE_HOME"


def configure(folder: Path, **settings: Any) -> None:
    """Settings of `configured`: `TrainDigits(folder, **settings)`."""
    home = Path(os.environ[HOME_VARIABLE])
    (home / "config.json").write_text(json.dumps({"folder": str(folder), **settings}))


def configured(trial: Any) -> dict[str, float]:
    home = Path(os.environ[HOME_VARIABLE])
    return TrainDigits(**json.loads((home / "config.json").read_text()))(trial)
