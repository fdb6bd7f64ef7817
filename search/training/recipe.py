"""How a candidate is trained: optimiser, schedule, batch size, regularisation, budget.

The default recipe is AdamW. A search trains thousands of different architectures
without tuning each one, often for a few epochs; Adam's per-parameter step sizes make one
learning rate work across depths, widths and normalisations, and it converges in short
budgets where SGD needs a tuned rate and long schedules. Its weight decay is decoupled
(AdamW), so it regularises the same way whatever the gradient scale. The ``nb201``
preset is the NAS-Bench-201 recipe (Dong & Yang, ICLR 2020), for results comparable
with that benchmark and with the hNB201 paper, which trained with it.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from nasc.dsl import NascError
from nasc.dsl.diagnostics import error

Optimizer = Literal["adamw", "sgd"]
Augment = Literal["none", "crop_flip"]

BAD_RECIPE = "E941"


@dataclass(frozen=True)
class Recipe:
    """Training settings; every field has a documented default and can be overridden.

    - ``epochs``: passes over the training split (the budget), unless ``steps`` is set:
      then exactly that many optimiser steps, over as many epochs as they take.
    - ``batch_size``: samples per step; the last partial batch of an epoch is kept
      (unless it holds a single sample, which batch norm cannot train on).
    - ``optimizer``: ``adamw`` (betas 0.9/0.999) or ``sgd`` (``momentum``, ``nesterov``).
    - ``lr``: the peak learning rate, reached after ``warmup_epochs`` of linear warm-up
      (at most a fifth of the run) and then annealed by a cosine to ``min_lr``, per step.
    - ``weight_decay``: on every parameter (decoupled for AdamW, L2 for SGD).
    - ``label_smoothing``: of the cross-entropy loss.
    - ``grad_clip``: the largest global gradient norm (None: no clipping).
    - ``augment``: ``crop_flip`` pads images by 4 and crops at random, and flips them
      horizontally with probability 0.5 (the CIFAR augmentation of NAS-Bench-201);
      ``none`` leaves the data as it is. Only images [C, H, W] are augmented.
    - ``eval_batch_size``: samples per forward pass when measuring the error.
    """

    epochs: int = 20
    steps: int | None = None
    batch_size: int = 128
    optimizer: Optimizer = "adamw"
    lr: float = 0.01
    momentum: float = 0.9
    nesterov: bool = False
    weight_decay: float = 0.01
    warmup_epochs: float = 1.0
    min_lr: float = 0.0
    label_smoothing: float = 0.1
    grad_clip: float | None = 5.0
    augment: Augment = "none"
    eval_batch_size: int = 1024

    def __post_init__(self) -> None:
        problems = list(_problems(self))
        if problems:
            raise NascError([error(BAD_RECIPE, p, None) for p in problems])

    def replace(self, **changes: object) -> Recipe:
        """A copy with ``changes`` applied (checked like any recipe)."""
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]

    def with_settings(self, settings: Mapping[str, str]) -> Recipe:
        """A copy with ``name=value`` texts (from a command line) parsed and applied.

        >>> RECIPES["default"].with_settings({"lr": "0.05", "grad_clip": "none"}).lr
        0.05
        """
        fields = {f.name: f for f in dataclasses.fields(self)}
        changes: dict[str, object] = {}
        for name, text in settings.items():
            if name not in fields:
                raise NascError(
                    error(
                        BAD_RECIPE,
                        f"unknown recipe setting '{name}'",
                        None,
                        f"the settings are: {', '.join(fields)}",
                    )
                )
            changes[name] = _parse(name, text, getattr(self, name))
        return self.replace(**changes)


def _parse(name: str, text: str, current: object) -> object:
    value = text.strip()
    if value.lower() == "none" and name in ("steps", "grad_clip"):
        return None
    if name in ("optimizer", "augment"):
        return value
    try:
        if name == "nesterov":
            if value.lower() not in ("true", "false"):
                raise ValueError(value)
            return value.lower() == "true"
        if name in ("epochs", "steps", "batch_size", "eval_batch_size"):
            return int(value)
        return float(value)
    except ValueError:
        kind = "true or false" if name == "nesterov" else "a number"
        raise NascError(
            error(BAD_RECIPE, f"recipe setting {name}={text!r} is not {kind}", None)
        ) from None


def _problems(recipe: Recipe) -> list[str]:
    problems = []
    positive = {"epochs": recipe.epochs, "batch_size": recipe.batch_size}
    positive["eval_batch_size"] = recipe.eval_batch_size
    if recipe.steps is not None:
        positive["steps"] = recipe.steps
    for name, value in positive.items():
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            problems.append(f"recipe setting {name}={value!r} must be a positive integer")
    if recipe.optimizer not in ("adamw", "sgd"):
        problems.append(f"unknown optimizer '{recipe.optimizer}'; expected adamw or sgd")
    if recipe.augment not in ("none", "crop_flip"):
        problems.append(f"unknown augment '{recipe.augment}'; expected none or crop_flip")
    numbers = {
        "lr": recipe.lr,
        "momentum": recipe.momentum,
        "weight_decay": recipe.weight_decay,
        "warmup_epochs": recipe.warmup_epochs,
        "min_lr": recipe.min_lr,
        "label_smoothing": recipe.label_smoothing,
    }
    if recipe.grad_clip is not None:
        numbers["grad_clip"] = recipe.grad_clip
    for name, number in numbers.items():
        if not isinstance(number, int | float) or not math.isfinite(number) or number < 0:
            problems.append(f"recipe setting {name}={number!r} must be a finite number >= 0")
    if not problems and recipe.lr <= 0:
        problems.append("recipe setting lr must be > 0")
    if not problems and recipe.label_smoothing >= 1:
        problems.append("recipe setting label_smoothing must be below 1")
    if not problems and recipe.min_lr > recipe.lr:
        problems.append(f"recipe setting min_lr={recipe.min_lr} exceeds lr={recipe.lr}")
    return problems


# NAS-Bench-201 (Dong & Yang 2020, its 200-epoch hyper-parameters): SGD with Nesterov
# momentum 0.9, learning rate 0.1 annealed to 0 by a cosine, weight decay 5e-4, batch
# size 256, 200 epochs, no warm-up, plain cross-entropy, no gradient clipping, and
# random crop (padding 4) and horizontal flip on CIFAR.
NB201 = Recipe(
    epochs=200,
    batch_size=256,
    optimizer="sgd",
    lr=0.1,
    momentum=0.9,
    nesterov=True,
    weight_decay=5e-4,
    warmup_epochs=0.0,
    min_lr=0.0,
    label_smoothing=0.0,
    grad_clip=None,
    augment="crop_flip",
)

RECIPES: dict[str, Recipe] = {"default": Recipe(), "nb201": NB201}
