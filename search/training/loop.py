"""The training loop and the error measurement, on resident data, for one model."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from nasc.search.training.augment import crop_flip
from nasc.search.training.device import DeviceSettings
from nasc.search.training.recipe import Recipe
from nasc.search.training.resident import ResidentData
from nasc.search.training.schedule import WarmupCosine
from nasc.search.trial import TrialFailed


@dataclass(frozen=True)
class TrainingRun:
    """What a run did: optimiser steps, samples seen, epochs (fractional with ``steps``)."""

    steps: int
    samples: int
    epochs: float
    final_loss: float


def batch_bounds(count: int, batch_size: int) -> list[tuple[int, int]]:
    """(start, stop) of each batch of an epoch; a last batch of one sample is dropped.

    >>> batch_bounds(10, 4), batch_bounds(9, 4)
    ([(0, 4), (4, 8), (8, 10)], [(0, 4), (4, 8)])
    """
    size = min(batch_size, count)
    bounds = [(start, min(start + size, count)) for start in range(0, count, size)]
    if len(bounds) > 1 and bounds[-1][1] - bounds[-1][0] == 1:
        bounds.pop()
    return bounds


def make_optimizer(params: list[nn.Parameter], recipe: Recipe) -> torch.optim.Optimizer:
    if recipe.optimizer == "sgd":
        return torch.optim.SGD(
            params,
            lr=recipe.lr,
            momentum=recipe.momentum,
            nesterov=recipe.nesterov and recipe.momentum > 0,
            weight_decay=recipe.weight_decay,
        )
    return torch.optim.AdamW(params, lr=recipe.lr, weight_decay=recipe.weight_decay)


def train(
    forward: Callable[[Tensor], Tensor],
    model: nn.Module,
    data: ResidentData,
    recipe: Recipe,
    settings: DeviceSettings,
    generator: torch.Generator,
    log: Callable[[str], None],
) -> TrainingRun:
    """Train ``model`` (through ``forward``, which may be its compiled form) on
    ``data.x_train`` by ``recipe``; the data order drawn from ``generator``.

    The loss is summed on the device and read once per epoch, so the device never waits
    for the host mid-epoch; a NaN or infinite epoch loss raises TrialFailed.
    """
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = make_optimizer(params, recipe)
    count = len(data.y_train)
    bounds = batch_bounds(count, recipe.batch_size)
    total = recipe.steps if recipe.steps is not None else recipe.epochs * len(bounds)
    schedule = WarmupCosine.of(recipe.lr, recipe.min_lr, recipe.warmup_epochs * len(bounds), total)
    memory_format = settings.memory_format(data.x_train.dim())
    augment = recipe.augment == "crop_flip" and data.x_train.dim() == 4
    device = settings.device
    model.train()
    step = samples = epoch = 0
    loss = math.nan
    while step < total:
        order = torch.randperm(count, generator=generator).to(device)
        summed = torch.zeros((), device=device)
        batches = 0
        for start, stop in bounds:
            if step == total:
                break
            index = order[start:stop]
            x = data.x_train.index_select(0, index)
            if augment:
                x = crop_flip(x, generator)
            x = x.contiguous(memory_format=memory_format)
            y = data.y_train.index_select(0, index)
            for group in optimizer.param_groups:
                group["lr"] = schedule.lr(step)
            with settings.autocast():
                logits = forward(x)
            batch_loss = F.cross_entropy(logits.float(), y, label_smoothing=recipe.label_smoothing)
            optimizer.zero_grad(set_to_none=True)
            torch.autograd.backward(batch_loss)
            if recipe.grad_clip is not None:
                nn.utils.clip_grad_norm_(params, recipe.grad_clip)
            optimizer.step()
            summed += batch_loss.detach()
            batches += 1
            step += 1
            samples += stop - start
        epoch += 1
        loss = float(summed.item()) / max(1, batches)
        if not math.isfinite(loss):
            raise TrialFailed(f"training loss is {loss} in epoch {epoch} (step {step} of {total})")
        log(f"epoch {epoch}: train loss {loss:.4f}")
    return TrainingRun(step, samples, step / len(bounds), loss)


@torch.no_grad()
def error_rate(
    model: nn.Module, x: Tensor, y: Tensor, settings: DeviceSettings, batch_size: int
) -> float:
    """The share of samples of (x, y) whose largest logit is not their label."""
    model.eval()
    memory_format = settings.memory_format(x.dim())
    wrong = torch.zeros((), dtype=torch.int64, device=settings.device)
    for start in range(0, len(y), batch_size):
        batch = x[start : start + batch_size].contiguous(memory_format=memory_format)
        with settings.autocast():
            logits = model(batch)
        wrong += (logits.argmax(dim=1) != y[start : start + batch_size]).sum()
    return int(wrong.item()) / len(y)
