"""Objectives the search tests run in real worker processes (imported there by name)."""

from __future__ import annotations

import math
import os
import time
from pathlib import Path

from nasc.search.trial import Trial, TrialFailed

# A trial whose term contains MARK behaves as the objective's name says; the others
# score by their parameter count.
MARK = "gelu"


def by_params(trial: Trial) -> dict[str, float]:
    """Cheap and deterministic: the error is a function of the parameter count."""
    return {"val_error": (trial.params % 1000) / 1000, "params": float(trial.params)}


def raising(trial: Trial) -> dict[str, float]:
    if trial.id == 2:
        raise RuntimeError("the objective broke on purpose")
    if trial.id == 3:
        raise TrialFailed("loss is nan")
    if trial.id == 4:
        return {"val_error": math.nan}
    return by_params(trial)


def slow_second(trial: Trial) -> dict[str, float]:
    """Trial 2 sleeps far past any timeout the tests set."""
    if trial.id == 2:
        time.sleep(60)
    return by_params(trial)


def pid_then_sleep(trial: Trial) -> dict[str, float]:
    """Write the worker's pid to $NASC_TEST_PID_FILE (trial 2 only), then sleep there."""
    if trial.id == 2:
        path = Path(os.environ["NASC_TEST_PID_FILE"])
        path.write_text(str(os.getpid()))
        time.sleep(60)
    return by_params(trial)


def sleepy(trial: Trial) -> dict[str, float]:
    """Slow enough that a search can be killed while a trial runs."""
    time.sleep(float(os.environ.get("NASC_TEST_SLEEP", "0.3")))
    return by_params(trial)


def train_digits(trial: Trial) -> dict[str, float]:
    """One epoch of real torch training on scikit-learn's digits; keeps the model."""
    import numpy as np
    import torch
    from sklearn.datasets import load_digits

    digits = load_digits()
    x = torch.tensor((digits.images / 16.0).astype(np.float32)).unsqueeze(1)
    y = torch.tensor(digits.target)
    generator = torch.Generator().manual_seed(0)
    order = torch.randperm(len(y), generator=generator)
    train, val = order[:1400], order[1400:]
    torch.manual_seed(trial.seed)
    model = trial.model("torch")
    optimiser = torch.optim.Adam(model.parameters(), lr=0.01)
    model.train()
    for batch in train.split(64):
        optimiser.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(x[batch]), y[batch])
        if not torch.isfinite(loss):
            raise TrialFailed(f"loss is {loss.item()}")
        loss.backward()
        optimiser.step()
    model.eval()
    with torch.no_grad():
        error = (model(x[val]).argmax(1) != y[val]).float().mean().item()
    trial.keep_model(model)
    return {"val_error": error, "params": float(trial.params)}


def train_dataset(trial: Trial) -> dict[str, float]:
    """One epoch of real torch training on the study's dataset; keeps the model.

    $NASC_TEST_SLEEP adds a pause first (a trial long enough to be killed in)."""
    import torch

    time.sleep(float(os.environ.get("NASC_TEST_SLEEP", "0")))
    data = trial.dataset
    assert data is not None
    torch.manual_seed(trial.seed)
    x, y = torch.from_numpy(data.x_train), torch.from_numpy(data.y_train)
    model = trial.model("torch")
    optimiser = torch.optim.Adam(model.parameters(), lr=0.01)
    model.train()
    for batch in torch.randperm(len(y)).split(64):
        optimiser.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(x[batch]), y[batch])
        loss.backward()
        optimiser.step()
    model.eval()
    with torch.no_grad():
        logits = model(torch.from_numpy(data.x_val))
        error = (logits.argmax(1) != torch.from_numpy(data.y_val)).float().mean().item()
    trial.keep_model(model)
    return {"val_error": error}


__all__ = [
    "by_params",
    "pid_then_sleep",
    "raising",
    "sleepy",
    "slow_second",
    "train_dataset",
    "train_digits",
]
