"""GPU check: training throughput of nasc's trainer with and without its CUDA switches.

.venv/bin/python benchmarks/gpu_check.py [--device auto] [--samples 8192] [--batch-size 256]
    [--steps 60] [--configs fp32,bf16,bf16+cl,bf16+compile,bf16+cl+compile]
    [--compile-backend inductor]
    [--sampler uniform|pcfg] [--trials 4] [--mnist1d-epochs 1]

One short prepared script for a machine with a GPU. It prints the device, then

1. a sampled hNB201 architecture (examples/hnb201.nas) trained on random 3x32x32 data
   under each configuration: float32; bf16 autocast; bf16 and channels-last; bf16 and
   torch.compile; bf16, channels-last and torch.compile. Each configuration trains twice (the first run
   includes cuDNN's kernel search and compilation) and prints samples/s of both runs,
   the GPU utilisation while it trained (nvidia-smi, or torch.cuda.utilization) and
   the peak memory the CUDA allocator held;
2. a random search of a few MNIST-1D trials over examples/hmnist1d.nas with the
   device's defaults: each trial's validation error, time, samples/s and memory.

It runs unchanged on the CPU (`--device cpu`, small sizes through the flags), which is
how the tests run it.
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from nasc.compiler import load
from nasc.compiler.derive.sampling import sample_pcfg
from nasc.dsl import NascError
from nasc.search.data import Dataset, fit_space, load_dataset
from nasc.search.data.dataset import RawSplits, make_dataset
from nasc.search.training import RECIPES, Trainer, resolve_device
from nasc.search.trial import Trial

ROOT = Path(__file__).resolve().parent.parent
CONFIGS = {
    "fp32": {"amp": False, "channels_last": False, "compile": False},
    "bf16": {"amp": True, "channels_last": False, "compile": False},
    "bf16+cl": {"amp": True, "channels_last": True, "compile": False},
    "bf16+compile": {"amp": True, "channels_last": False, "compile": True},
    "bf16+cl+compile": {"amp": True, "channels_last": True, "compile": True},
}


@dataclass
class Utilisation:
    """GPU utilisation sampled on a thread while training runs (percent)."""

    device: torch.device
    interval: float = 0.2
    samples: list[float] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def __enter__(self) -> Utilisation:
        if self.device.type == "cuda":
            self._thread = threading.Thread(target=self._poll, daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def _poll(self) -> None:
        index = self.device.index if self.device.index is not None else torch.cuda.current_device()
        while not self._stop.is_set():
            value = _utilisation_now(index)
            if value is None:
                return
            self.samples.append(value)
            self._stop.wait(self.interval)

    def summary(self) -> str:
        if self.device.type != "cuda":
            return "n/a (cpu)"
        if not self.samples:
            return "n/a (no nvidia-smi or pynvml)"
        return f"mean {statistics.mean(self.samples):.0f}% max {max(self.samples):.0f}%"


def _utilisation_now(index: int) -> float | None:
    smi = shutil.which("nvidia-smi")
    if smi is not None:
        query = [smi, "--query-gpu=utilization.gpu", "--format=csv,noheader,nounits", f"-i={index}"]
        try:
            out = subprocess.run(query, capture_output=True, text=True, timeout=5, check=True)
            return float(out.stdout.strip().splitlines()[0])
        except (subprocess.SubprocessError, ValueError, IndexError, OSError):
            pass
    try:
        return float(torch.cuda.utilization(index))
    except Exception:  # pynvml missing or unsupported: no figure
        return None


def random_images(count: int, seed: int) -> Dataset:
    """Random 3x32x32 images with random labels of 10 classes (throughput only)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(count, 3, 32, 32)).astype(np.float32)
    y = rng.integers(0, 10, size=count)
    y[:10] = np.arange(10)  # every class present
    return make_dataset("random32", RawSplits("random32", x_train=x, y_train=y), val_fraction=0.1)


def device_line(device: str) -> str:
    if device.startswith("cuda"):
        where = torch.device(device)
        index = where.index if where.index is not None else torch.cuda.current_device()
        props = torch.cuda.get_device_properties(index)
        return (
            f"device: {device} = {props.name}, {props.total_memory / 2**30:.0f} GiB, "
            f"capability {props.major}.{props.minor}; torch {torch.__version__}, "
            f"CUDA {torch.version.cuda}, cuDNN {torch.backends.cudnn.version()}"
        )
    return f"device: cpu ({torch.get_num_threads()} threads); torch {torch.__version__}"


def hnb201_throughput(args: argparse.Namespace, device: str) -> None:
    space = load(str(ROOT / "examples" / "hnb201.nas"))
    data = random_images(args.samples, args.seed)
    probe = Trial.sampled(space, args.arch, args.seed, device)
    if args.sampler == "pcfg":
        probe = Trial(0, sample_pcfg(space, random.Random(args.arch)), args.seed, space, device)
    summary = probe.summary
    print(
        f"\nhNB201 architecture {args.arch} ({args.sampler}): {summary.total_params:,} params, "
        f"{summary.total_macs / 1e6:.1f} MMACs per sample; {len(data.x_train)} random 3x32x32 "
        f"samples, batch {args.batch_size}, {args.steps} steps per run"
    )
    print(
        f"{'config':<17} {'samples/s (1st)':>15} {'samples/s (2nd)':>15} {'peak MB':>8}  GPU util"
    )
    recipe = RECIPES["default"].replace(steps=args.steps, batch_size=args.batch_size)
    for name in args.configs:
        switches = dict(CONFIGS[name])
        compile_with: bool | str = args.compile_backend if switches.pop("compile") else False
        trainer = Trainer(data, recipe, compile=compile_with, threads=args.threads, **switches)
        rates = []
        try:
            with Utilisation(torch.device(device)) as util:
                for _ in range(2):
                    trial = Trial(0, probe.derivation, args.seed, space, device)
                    metrics = trainer(trial)
                    rates.append(metrics["samples_per_second"])
        except Exception as exc:  # a configuration this machine cannot run: say so, go on
            print(f"{name:<17} failed: {type(exc).__name__}: {str(exc).splitlines()[0][:120]}")
            continue
        print(
            f"{name:<17} {rates[0]:>15.0f} {rates[1]:>15.0f} "
            f"{metrics['peak_memory_mb']:>8.0f}  {util.summary()}"
        )


def mnist1d_trials(args: argparse.Namespace, device: str) -> None:
    data = load_dataset("mnist1d")
    space = fit_space(str(ROOT / "examples" / "hmnist1d.nas"), data, {})
    if args.mnist1d_steps:
        recipe = RECIPES["default"].replace(steps=args.mnist1d_steps)
        budget = f"{args.mnist1d_steps} steps"
    else:
        recipe = RECIPES["default"].replace(epochs=args.mnist1d_epochs)
        budget = f"{args.mnist1d_epochs} epoch(s)"
    trainer = Trainer(data, recipe, threads=args.threads)
    settings = trainer.settings(device)
    print(
        f"\nMNIST-1D random search over examples/hmnist1d.nas: {args.trials} trials of {budget}, "
        f"amp={settings.amp}, channels_last={settings.channels_last}"
    )
    print(
        f"{'trial':>5} {'params':>8} {'val err':>8} {'train s':>8} {'samples/s':>10} {'peak MB':>8}  GPU util"
    )
    best = None
    started = time.perf_counter()
    for index in range(args.trials):
        trial = Trial.sampled(space, index, args.seed + index, device)
        with Utilisation(torch.device(device)) as util:
            metrics = trainer(trial)
        if best is None or metrics["val_error"] < best[0]:
            best = (metrics["val_error"], index)
        print(
            f"{index:>5} {metrics['params']:>8.0f} {metrics['val_error']:>8.3f} "
            f"{metrics['train_seconds']:>8.2f} {metrics['samples_per_second']:>10.0f} "
            f"{metrics['peak_memory_mb']:>8.0f}  {util.summary()}"
        )
    assert best is not None
    print(
        f"best: trial {best[1]} with validation error {best[0]:.3f}; "
        f"{args.trials} trials in {time.perf_counter() - started:.1f} s"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="auto")
    parser.add_argument("--samples", type=int, default=8192, help="random 32x32 images")
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--steps", type=int, default=60, help="optimiser steps per run")
    parser.add_argument("--configs", default=",".join(CONFIGS))
    parser.add_argument("--compile-backend", default="inductor")
    parser.add_argument("--sampler", choices=("uniform", "pcfg"), default="uniform")
    parser.add_argument("--arch", type=int, default=0, help="which sampled architecture")
    parser.add_argument("--trials", type=int, default=4, help="MNIST-1D trials")
    parser.add_argument("--mnist1d-epochs", type=int, default=1)
    parser.add_argument("--mnist1d-steps", type=int, default=0, help="steps instead of epochs")
    parser.add_argument("--threads", type=int, default=None, help="CPU threads")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    args.configs = [c.strip() for c in args.configs.split(",") if c.strip()]
    unknown = [c for c in args.configs if c not in CONFIGS]
    if unknown:
        parser.error(f"--configs: unknown {', '.join(unknown)}; choose from {', '.join(CONFIGS)}")
    try:
        device = resolve_device(args.device)
    except NascError as exc:
        parser.error(f"--device: {exc}")
    print(device_line(device))
    hnb201_throughput(args, device)
    if args.trials > 0:
        mnist1d_trials(args, device)
    return 0


if __name__ == "__main__":
    sys.exit(main())
