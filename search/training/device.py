"""Devices: naming one (``auto``/``cpu``/``cuda``/``cuda:N``) and what training does there.

On CUDA a trial keeps its data on the device, computes in bfloat16 autocast, lays
images out channels-last and lets cuDNN pick its fastest kernels; on the CPU it runs in
float32 on every available core. Each choice is a field of `DeviceSettings`, so the
tests run the CUDA choices on the CPU too.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

import torch

from nasc.dsl import NascError
from nasc.dsl.diagnostics import error

NO_DEVICE = "E940"
_CUDA = re.compile(r"cuda(?::(\d+))?")


def resolve_device(spec: str) -> str:
    """The concrete device ``spec`` names: ``auto`` is ``cuda`` when a GPU is there.

    NascError (E940) for a device that is not there or a name that is none.

    >>> resolve_device("cpu")
    'cpu'
    """
    text = spec.strip().lower()
    if text == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if text == "cpu":
        return "cpu"
    match = _CUDA.fullmatch(text)
    if match is None:
        raise NascError(
            error(NO_DEVICE, f"unknown device '{spec}'", None, "expected auto, cpu, cuda or cuda:N")
        )
    count = torch.cuda.device_count() if torch.cuda.is_available() else 0
    if count == 0:
        raise NascError(
            error(
                NO_DEVICE,
                f"device '{spec}' is not there: torch sees no CUDA GPU",
                None,
                f"use --device cpu (torch {torch.__version__}, CUDA build: "
                f"{torch.version.cuda or 'no'})",
            )
        )
    index = match.group(1)
    if index is not None and int(index) >= count:
        raise NascError(
            error(
                NO_DEVICE,
                f"device '{spec}' is not there: torch sees {count} CUDA GPU"
                f"{'s' * (count != 1)} (cuda:0 to cuda:{count - 1})",
                None,
            )
        )
    return text


def available_cores() -> int:
    """The CPU cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


@dataclass(frozen=True)
class DeviceSettings:
    """How a trial runs on its device.

    ``amp``: bfloat16 autocast; ``channels_last``: images (4-D tensors) in NHWC;
    ``cudnn_benchmark``: cuDNN tries its kernels for each new shape; ``threads``: CPU
    threads for torch (None leaves the setting alone).
    """

    device: torch.device
    amp: bool
    channels_last: bool
    cudnn_benchmark: bool
    threads: int | None

    @classmethod
    def for_device(
        cls,
        device: str | torch.device,
        *,
        amp: bool | None = None,
        channels_last: bool | None = None,
        threads: int | None = None,
    ) -> DeviceSettings:
        """The defaults of ``device``: on CUDA amp and channels-last; on CPU neither.

        On CPU the thread count is the available cores, unless ``OMP_NUM_THREADS`` is
        set (a worker pool dividing the cores sets it) or ``threads`` is given.
        """
        where = torch.device(device)
        cuda = where.type == "cuda"
        if threads is None and not cuda and "OMP_NUM_THREADS" not in os.environ:
            threads = available_cores()
        return cls(
            device=where,
            amp=cuda if amp is None else amp,
            channels_last=cuda if channels_last is None else channels_last,
            cudnn_benchmark=cuda,
            threads=threads,
        )

    def apply(self) -> None:
        """Set the process-wide switches these settings name."""
        if self.threads is not None and torch.get_num_threads() != self.threads:
            torch.set_num_threads(self.threads)
        if self.cudnn_benchmark:
            torch.backends.cudnn.benchmark = True

    def autocast(self) -> torch.autocast:
        """bfloat16 autocast on this device (a disabled context when ``amp`` is off)."""
        return torch.autocast(self.device.type, dtype=torch.bfloat16, enabled=self.amp)

    def memory_format(self, rank: int) -> torch.memory_format:
        """The layout of a batch of ``rank`` dimensions (channels-last applies to 4-D)."""
        if self.channels_last and rank == 4:
            return torch.channels_last
        return torch.contiguous_format
