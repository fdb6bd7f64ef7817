"""Recipes (defaults, the NB201 preset, overrides), the schedule, and naming devices."""

from __future__ import annotations

import itertools
import math

import pytest
import torch

from nasc.dsl import NascError
from nasc.search.training import RECIPES, Recipe, resolve_device
from nasc.search.training.schedule import WarmupCosine


def test_nb201_preset_is_the_nas_bench_201_recipe() -> None:
    # Dong & Yang, NAS-Bench-201 (ICLR 2020): Nesterov SGD, momentum 0.9, lr 0.1 with
    # cosine annealing to 0, weight decay 5e-4, batch size 256, 200 epochs
    nb201 = RECIPES["nb201"]
    assert (nb201.optimizer, nb201.nesterov, nb201.momentum) == ("sgd", True, 0.9)
    assert (nb201.lr, nb201.min_lr, nb201.weight_decay) == (0.1, 0.0, 5e-4)
    assert (nb201.batch_size, nb201.epochs, nb201.warmup_epochs) == (256, 200, 0.0)
    assert nb201.label_smoothing == 0.0 and nb201.grad_clip is None
    assert nb201.augment == "crop_flip"


def test_default_recipe() -> None:
    default = RECIPES["default"]
    assert default == Recipe()
    assert default.optimizer == "adamw" and default.warmup_epochs > 0
    assert default.label_smoothing > 0 and default.grad_clip is not None


def test_settings_from_text() -> None:
    recipe = RECIPES["default"].with_settings(
        {"lr": "0.05", "epochs": "3", "grad_clip": "none", "nesterov": "true", "optimizer": "sgd"}
    )
    assert (recipe.lr, recipe.epochs, recipe.grad_clip, recipe.nesterov) == (0.05, 3, None, True)
    assert recipe.optimizer == "sgd"


@pytest.mark.parametrize(
    ("settings", "words"),
    [
        ({"learning_rate": "0.1"}, ["unknown recipe setting 'learning_rate'", "lr"]),
        ({"lr": "fast"}, ["lr='fast'", "a number"]),
        ({"epochs": "0"}, ["epochs=0", "positive integer"]),
        ({"optimizer": "lamb"}, ["unknown optimizer 'lamb'"]),
        ({"lr": "nan"}, ["lr=nan"]),
        ({"label_smoothing": "1"}, ["label_smoothing must be below 1"]),
        ({"nesterov": "yes"}, ["nesterov='yes'", "true or false"]),
    ],
)
def test_bad_settings_are_errors(settings: dict[str, str], words: list[str]) -> None:
    with pytest.raises(NascError) as caught:
        RECIPES["default"].with_settings(settings)
    assert caught.value.diagnostics[0].code == "E941"
    for word in words:
        assert word in str(caught.value) + " ".join(caught.value.diagnostics[0].notes)


def test_warmup_then_cosine_to_the_floor() -> None:
    schedule = WarmupCosine.of(peak=0.1, floor=0.0, warmup_steps=10, total=100)
    rates = [schedule.lr(t) for t in range(100)]
    assert rates[:10] == pytest.approx([0.01 * (t + 1) for t in range(10)])
    assert rates[10] == pytest.approx(0.1)
    assert rates[55] == pytest.approx(0.05)  # halfway through the cosine
    assert all(a >= b for a, b in itertools.pairwise(rates[10:]))
    assert rates[-1] == pytest.approx(0.1 * (1 + math.cos(math.pi * 89 / 90)) / 2)
    # a warm-up longer than a fifth of the run is cut to a fifth
    assert WarmupCosine.of(0.1, 0.0, 50, 20).warmup == 4


def test_devices() -> None:
    assert resolve_device("cpu") == "cpu"
    assert resolve_device("auto") == ("cuda" if torch.cuda.is_available() else "cpu")
    with pytest.raises(NascError) as caught:
        resolve_device("tpu")
    assert caught.value.diagnostics[0].code == "E940"
    assert "auto, cpu, cuda or cuda:N" in caught.value.diagnostics[0].notes[0]
    count = torch.cuda.device_count() if torch.cuda.is_available() else 0
    with pytest.raises(NascError) as caught:
        resolve_device(f"cuda:{count}")
    assert caught.value.diagnostics[0].code == "E940"
    assert "is not there" in str(caught.value)
    if count == 0:
        with pytest.raises(NascError, match="no CUDA GPU"):
            resolve_device("cuda")
    else:
        assert resolve_device("cuda:0") == "cuda:0"
