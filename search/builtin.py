"""The built-in objective: nasc's trainer with a named recipe (`nasc.search.training`)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from nasc.search.trial import Trial


@dataclass(frozen=True)
class TrainerObjective:
    """Train each trial's torch model with recipe ``recipe`` (``epochs`` overriding its
    own when given) on the study's dataset; picklable, so workers get it by value."""

    recipe: str = "default"
    epochs: int | None = None
    compile: bool = False

    def __call__(self, trial: Trial) -> Mapping[str, float]:
        from nasc.search.training import RECIPES, Trainer

        if trial.dataset is None:
            raise ValueError("the built-in trainer needs a dataset (--dataset)")
        recipe = RECIPES[self.recipe]
        if self.epochs is not None:
            recipe = dataclasses.replace(recipe, epochs=self.epochs)
        trainer = _TRAINERS.get(id(trial.dataset))
        if trainer is None or trainer[0] != (self.recipe, self.epochs):
            trainer = (
                (self.recipe, self.epochs),
                Trainer(trial.dataset, recipe, compile=self.compile),
            )
            _TRAINERS[id(trial.dataset)] = trainer
        metrics: Mapping[str, float] = trainer[1](trial)
        return metrics


# one trainer per dataset and recipe in each worker process
_TRAINERS: dict[int, tuple[tuple[str, int | None], Any]] = {}

__all__ = ["TrainerObjective"]
