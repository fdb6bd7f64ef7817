"""The MNIST-1D example spaces against the published network, and one real trial."""

from __future__ import annotations

import random

from nasc.compiler import build, count, load, sample, summarize
from nasc.search.data import fit_space, load_dataset
from nasc.search.training import RECIPES, Trainer
from tests.conftest import ROOT
from tests.search.training.standin import StandInTrial

EXAMPLES = ROOT / "examples"


def test_the_mnist1d_cnn_is_the_paper_s_baseline() -> None:
    # Greydanus 2020, ConvBase: Conv1d(1, 25, 5), Conv1d(25, 25, 3), Conv1d(25, 25, 3),
    # all with bias, then Linear(125, 10): 150 + 1,900 + 1,900 + 1,260 parameters
    space = load(str(EXAMPLES / "mnist1d_cnn.nas"))
    assert count(space) == 1
    graph = build(space, sample(space, random.Random(0)))
    assert summarize(graph).total_params == 5210
    assert graph.output_shape.dims == (10,)


def test_hmnist1d_is_hierarchical_and_trains_on_mnist1d() -> None:
    data = load_dataset("mnist1d")
    space = fit_space(str(EXAMPLES / "hmnist1d.nas"), data, {})
    assert space.connected and count(space) > 10**50
    trial = StandInTrial.sampled(space, 1, seed=1)
    recipe = RECIPES["default"].replace(steps=3)
    metrics = Trainer(data, recipe, threads=1)(trial)
    assert 0.0 <= metrics["val_error"] <= 1.0 and metrics["epochs"] < 1
