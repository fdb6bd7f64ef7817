"""Training and evaluating architectures: recipes, devices and the built-in objective.

>>> from nasc.search.training import RECIPES
>>> RECIPES["nb201"].optimizer, RECIPES["nb201"].lr, RECIPES["nb201"].epochs
('sgd', 0.1, 200)
"""

from nasc.search.training.device import DeviceSettings, available_cores, resolve_device
from nasc.search.training.recipe import RECIPES, Recipe
from nasc.search.training.trainer import TrainableTrial, Trainer, out_of_memory_as_failure
from nasc.search.trial import TrialFailed

__all__ = [
    "RECIPES",
    "DeviceSettings",
    "Recipe",
    "TrainableTrial",
    "Trainer",
    "TrialFailed",
    "available_cores",
    "out_of_memory_as_failure",
    "resolve_device",
]
