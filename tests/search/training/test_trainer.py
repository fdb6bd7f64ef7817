"""The trainer on real data, on the CPU: metrics, seeding, the CUDA code paths, failures."""

from __future__ import annotations

import math
import pickle
from pathlib import Path

import numpy as np
import pytest
import torch

from nasc.compiler import Space
from nasc.search.data import Dataset
from nasc.search.training import (
    RECIPES,
    DeviceSettings,
    Trainer,
    TrialFailed,
    out_of_memory_as_failure,
)
from nasc.search.training.augment import crop_flip
from nasc.search.training.loop import batch_bounds
from tests.search.training.conftest import space_file, tiny_images
from tests.search.training.standin import StandInTrial

ONE_EPOCH = RECIPES["default"].replace(epochs=1, batch_size=64)
METRICS = {
    "val_error",
    "test_error",
    "params",
    "macs",
    "train_seconds",
    "samples_per_second",
    "peak_memory_mb",
    "epochs",
}


def weights(model: torch.nn.Module) -> list[torch.Tensor]:
    return [t.detach().clone() for t in model.state_dict().values()]


def test_one_epoch_on_digits_reports_every_metric(digits: Dataset, digits_space: Space) -> None:
    trial = StandInTrial.sampled(digits_space, seed=3)
    metrics = Trainer(digits, ONE_EPOCH, threads=1)(trial)
    assert set(metrics) == METRICS
    assert 0.0 <= metrics["val_error"] <= 1.0 and 0.0 <= metrics["test_error"] <= 1.0
    assert metrics["val_error"] < 0.9  # better than chance (10 classes) after one epoch
    assert metrics["params"] == trial.summary.total_params
    assert metrics["params"] == sum(p.numel() for p in trial.kept[0].parameters())
    assert metrics["macs"] == trial.summary.total_macs > 0
    assert metrics["epochs"] == 1.0 and metrics["train_seconds"] > 0
    batches = batch_bounds(len(digits.x_train), 64)
    samples = sum(stop - start for start, stop in batches)
    assert math.isclose(metrics["samples_per_second"] * metrics["train_seconds"], samples)
    assert metrics["peak_memory_mb"] > 10
    assert len(trial.kept) == 1 and trial.messages == [trial.messages[0]]
    assert trial.messages[0].startswith("epoch 1: train loss")


def test_a_trial_s_seed_fixes_the_result(digits: Dataset, digits_space: Space) -> None:
    trainer = Trainer(digits, ONE_EPOCH, threads=1)
    runs = [StandInTrial.sampled(digits_space, seed=s) for s in (5, 5, 6)]
    errors = [trainer(trial)["val_error"] for trial in runs]
    first, again, other = (weights(trial.kept[0]) for trial in runs)
    assert errors[0] == errors[1]
    assert all(torch.equal(a, b) for a, b in zip(first, again, strict=True))
    assert not all(torch.equal(a, b) for a, b in zip(first, other, strict=True))


def test_training_learns_the_digits(digits: Dataset, digits_space: Space) -> None:
    trial = StandInTrial.sampled(digits_space)
    metrics = Trainer(digits, RECIPES["default"].replace(epochs=4, batch_size=32), threads=1)(trial)
    assert metrics["val_error"] < 0.5


def test_the_cuda_switches_run_on_the_cpu(digits_space: Space) -> None:
    """bf16 autocast, channels-last, resident data and compile: the code CUDA runs."""
    data = tiny_images()
    space = space_file(
        digits_space_dir(digits_space),
        "NET ::= Sequential(conv(8, kernel=3), batchnorm, relu, global_avg_pool, linear(classes))",
        "[3, 8, 8]",
    )
    trainer = Trainer(
        data,
        ONE_EPOCH.replace(augment="crop_flip"),
        amp=True,
        channels_last=True,
        compile="aot_eager",
        threads=1,
    )
    settings = trainer.settings("cpu")
    assert settings.amp and settings.channels_last
    assert settings.memory_format(4) is torch.channels_last
    assert settings.memory_format(3) is torch.contiguous_format
    trial = StandInTrial.sampled(space)
    metrics = trainer(trial)
    assert math.isfinite(metrics["val_error"]) and "test_error" not in metrics
    model = trial.kept[0]
    conv = next(p for p in model.parameters() if p.dim() == 4)
    assert conv.is_contiguous(memory_format=torch.channels_last)
    # the data stays resident: the same tensors serve every trial on the device
    resident = trainer.resident(torch.device("cpu"))
    assert resident is trainer.resident(torch.device("cpu"))
    assert resident.x_train.data_ptr() == torch.from_numpy(data.x_train).data_ptr()
    # pickled for a worker process without them
    assert pickle.loads(pickle.dumps(trainer))._resident == {}


def digits_space_dir(space: Space) -> Path:
    return Path(space.path).parent


def test_cpu_defaults_are_float32_on_every_core(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    settings = DeviceSettings.for_device("cpu")
    assert not settings.amp and not settings.channels_last and not settings.cudnn_benchmark
    assert settings.threads is not None and settings.threads >= 1
    cuda = DeviceSettings.for_device("cuda")
    assert cuda.amp and cuda.channels_last and cuda.cudnn_benchmark and cuda.threads is None
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    assert DeviceSettings.for_device("cpu").threads is None


def test_a_nan_loss_fails_the_trial(tmp_path: Path) -> None:
    space = space_file(tmp_path, "NET ::= Sequential(flatten, linear(classes))", "[3, 8, 8]")
    trial = StandInTrial.sampled(space)
    with pytest.raises(TrialFailed, match="training loss is nan in epoch 1"):
        Trainer(tiny_images(nan=True), ONE_EPOCH, threads=1)(trial)
    assert trial.kept == []


def test_a_diverging_learning_rate_fails_the_trial(tmp_path: Path) -> None:
    space = space_file(tmp_path, "NET ::= Sequential(flatten, linear(classes))", "[3, 8, 8]")
    recipe = RECIPES["default"].replace(
        epochs=3, batch_size=8, optimizer="sgd", lr=1e30, grad_clip=None, warmup_epochs=0.0
    )
    with pytest.raises(TrialFailed, match=r"training loss is (nan|inf)"):
        Trainer(tiny_images(), recipe, threads=1)(StandInTrial.sampled(space))


def test_an_output_too_small_for_the_classes_fails_the_trial(tmp_path: Path) -> None:
    space = space_file(tmp_path, "NET ::= Sequential(flatten, linear(2))", "[3, 8, 8]")
    with pytest.raises(TrialFailed, match=r"output \[2\].*4 logits"):
        Trainer(tiny_images(), ONE_EPOCH, threads=1)(StandInTrial.sampled(space))


def test_running_out_of_memory_fails_the_trial() -> None:
    with (
        pytest.raises(TrialFailed, match="out of memory on cpu"),
        out_of_memory_as_failure(torch.device("cpu")),
    ):
        torch.empty(2**62, dtype=torch.uint8)
    with pytest.raises(RuntimeError, match="other"), out_of_memory_as_failure(torch.device("cpu")):
        raise RuntimeError("other")


def test_steps_budget_and_nb201_recipe(tmp_path: Path) -> None:
    space = space_file(
        tmp_path,
        "NET ::= Sequential(conv(4), batchnorm, relu, global_avg_pool, linear(classes))",
        "[3, 8, 8]",
    )
    data = tiny_images()
    recipe = RECIPES["nb201"].replace(steps=5, batch_size=16)
    metrics = Trainer(data, recipe, threads=1)(StandInTrial.sampled(space))
    # 48 training samples in batches of 16: 3 steps an epoch, 5 steps are 5/3 epochs
    assert metrics["epochs"] == pytest.approx(5 / 3)
    assert math.isclose(metrics["samples_per_second"] * metrics["train_seconds"], 80)


def test_crop_flip_moves_and_mirrors_images() -> None:
    images = torch.arange(2 * 1 * 4 * 4, dtype=torch.float32).reshape(2, 1, 4, 4) + 1
    out = crop_flip(images, torch.Generator().manual_seed(0), pad=1)
    assert out.shape == images.shape
    for i in range(2):
        padded = torch.nn.functional.pad(images[i], (1, 1, 1, 1))
        windows = [padded[:, r : r + 4, c : c + 4] for r in range(3) for c in range(3)]
        candidates = windows + [w.flip(-1) for w in windows]
        assert any(torch.equal(out[i], w) for w in candidates)
    same = crop_flip(images, torch.Generator().manual_seed(0), pad=1)
    assert torch.equal(out, same)


def test_batches_keep_the_last_partial_batch() -> None:
    assert batch_bounds(5, 8) == [(0, 5)]
    assert batch_bounds(17, 8) == [(0, 8), (8, 16)]
    assert sum(b - a for a, b in batch_bounds(1000, 256)) == 1000
    assert np.diff([a for a, _ in batch_bounds(1000, 256)]).tolist() == [256, 256, 256]
