"""benchmarks/gpu_check.py runs unchanged on the CPU with tiny settings (its smoke test)."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import ROOT


def test_gpu_check_runs_on_the_cpu(tmp_path_factory: object) -> None:
    command = [
        sys.executable, str(ROOT / "benchmarks" / "gpu_check.py"), "--device", "cpu",
        "--samples", "32", "--batch-size", "8", "--steps", "1", "--sampler", "pcfg",
        "--configs", "fp32,bf16+cl", "--trials", "2", "--mnist1d-steps", "1", "--threads", "1",
    ]  # fmt: skip
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, env=env)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert out.startswith("device: cpu")
    rows = {line.split()[0]: line for line in out.splitlines() if line.strip()}
    for config in ("fp32", "bf16+cl"):
        assert "failed" not in rows[config] and "n/a (cpu)" in rows[config]
        assert float(rows[config].split()[1]) > 0  # samples/s of the first run
    assert "MNIST-1D random search over examples/hmnist1d.nas: 2 trials of 1 steps" in out
    assert "best: trial" in out


def test_gpu_check_refuses_a_device_that_is_not_there() -> None:
    command = [sys.executable, str(ROOT / "benchmarks" / "gpu_check.py"), "--device", "tpu"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert done.returncode == 2 and "--device" in done.stderr and "tpu" in done.stderr
