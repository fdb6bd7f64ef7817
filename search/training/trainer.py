"""`Trainer`: the built-in objective — train a trial's model and measure its errors."""

from __future__ import annotations

import contextlib
import resource
import sys
import time
from collections.abc import Iterator
from typing import Any, Protocol

import torch

from nasc.compiler import Graph, Summary
from nasc.search.data import Dataset
from nasc.search.training.device import DeviceSettings
from nasc.search.training.loop import error_rate, train
from nasc.search.training.recipe import RECIPES, Recipe
from nasc.search.training.resident import ResidentData
from nasc.search.trial import TrialFailed


class TrainableTrial(Protocol):
    """What `Trainer` needs of a trial (`nasc.search.trial.Trial` offers it)."""

    @property
    def seed(self) -> int: ...

    @property
    def device(self) -> str: ...

    @property
    def graph(self) -> Graph: ...

    @property
    def summary(self) -> Summary: ...

    def model(self, backend: str = "torch") -> Any: ...

    def keep_model(self, model: Any, backend: str = "torch") -> None: ...

    def log(self, message: str) -> None: ...


class Trainer:
    """Trains each trial's architecture on ``dataset`` by ``recipe`` and reports:

    ``val_error`` (the objective), ``test_error`` (recorded, never used to choose; absent
    when the dataset has no test split), ``params``, ``macs``, ``train_seconds``,
    ``samples_per_second``, ``peak_memory_mb`` and ``epochs``.

    ``compile``: train through ``torch.compile`` (True for its default backend, or a
    backend's name). ``amp`` and ``channels_last``: bfloat16 autocast and NHWC images,
    by default on for CUDA and off for the CPU. ``threads``: CPU threads (by default every
    available core). A trial's seed fixes its initial weights, its data order, its
    augmentation and its dropout masks. A NaN or infinite loss or running out of memory
    raises `TrialFailed`.

    Peak memory is what the CUDA allocator held at most during the trial, or on the
    CPU the peak resident size of the whole process so far.
    """

    def __init__(
        self,
        dataset: Dataset,
        recipe: Recipe | None = None,
        *,
        compile: bool | str = False,
        amp: bool | None = None,
        channels_last: bool | None = None,
        threads: int | None = None,
    ) -> None:
        self.dataset = dataset
        self.recipe = RECIPES["default"] if recipe is None else recipe
        self.compile = compile
        self.amp = amp
        self.channels_last = channels_last
        self.threads = threads
        self._resident: dict[str, ResidentData] = {}

    def __getstate__(self) -> dict[str, Any]:
        # sent to worker processes without the tensors it uploaded
        return {**self.__dict__, "_resident": {}}

    def settings(self, device: str) -> DeviceSettings:
        """How a trial on ``device`` runs under this trainer's switches."""
        return DeviceSettings.for_device(
            device, amp=self.amp, channels_last=self.channels_last, threads=self.threads
        )

    def resident(self, device: torch.device) -> ResidentData:
        """The dataset on ``device``, uploaded at the first trial there."""
        key = str(device)
        if key not in self._resident:
            self._resident[key] = ResidentData.of(self.dataset, device)
        return self._resident[key]

    def __call__(self, trial: TrainableTrial) -> dict[str, float]:
        settings = self.settings(trial.device)
        settings.apply()
        with out_of_memory_as_failure(settings.device):
            return self._run(trial, settings)

    def _run(self, trial: TrainableTrial, settings: DeviceSettings) -> dict[str, float]:
        _check_output(trial, self.dataset)
        device = settings.device
        data = self.resident(device)
        memory_format = settings.memory_format(data.x_train.dim())
        model = trial.model("torch").to(device=device, memory_format=memory_format)
        forward = model
        if self.compile:
            backend = "inductor" if self.compile is True else str(self.compile)
            # every trial is a new architecture through the same forward code: without a
            # reset, dynamo's per-code cache fills after a few trials and falls back to eager
            torch._dynamo.reset()
            forward = torch.compile(model, backend=backend)
        generator = torch.Generator().manual_seed(trial.seed)
        cuda = device.type == "cuda"
        if cuda:
            torch.cuda.reset_peak_memory_stats(device)
        forked = [_cuda_index(device)] if cuda else []
        with torch.random.fork_rng(devices=forked, device_type=device.type):
            torch.manual_seed(trial.seed)  # dropout masks
            started = time.perf_counter()
            run = train(forward, model, data, self.recipe, settings, generator, trial.log)
            if cuda:
                torch.cuda.synchronize(device)
            seconds = time.perf_counter() - started
        batch = self.recipe.eval_batch_size
        metrics = {"val_error": error_rate(model, data.x_val, data.y_val, settings, batch)}
        if data.x_test is not None and data.y_test is not None:
            metrics["test_error"] = error_rate(model, data.x_test, data.y_test, settings, batch)
        metrics.update(
            params=float(trial.summary.total_params),
            macs=float(trial.summary.total_macs),
            train_seconds=seconds,
            samples_per_second=run.samples / seconds if seconds > 0 else 0.0,
            peak_memory_mb=_peak_memory_mb(device),
            epochs=run.epochs,
        )
        trial.keep_model(model)
        return metrics


def _cuda_index(device: torch.device) -> int:
    return device.index if device.index is not None else torch.cuda.current_device()


def _check_output(trial: TrainableTrial, dataset: Dataset) -> None:
    dims = trial.graph.output_shape.dims
    if len(dims) != 1 or dims[0] < dataset.classes:
        raise TrialFailed(
            f"the architecture's output {list(dims)} cannot classify the dataset "
            f"'{dataset.name}': expected a vector of {dataset.classes} logits"
        )


def _peak_memory_mb(device: torch.device) -> float:
    if device.type == "cuda":
        return torch.cuda.max_memory_allocated(device) / 2**20
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10  # bytes / KiB


_OUT_OF_MEMORY = ("out of memory", "can't allocate memory", "not enough memory")


@contextlib.contextmanager
def out_of_memory_as_failure(device: torch.device) -> Iterator[None]:
    """Turn running out of memory on ``device`` into TrialFailed("out of memory ...").

    The failed allocation's tensors are released and the CUDA cache emptied before the
    failure is raised, so the next trial on the device starts with its memory free.
    """
    message = None
    try:
        yield
    except torch.OutOfMemoryError as exc:
        message = str(exc).splitlines()[0] if str(exc) else "CUDA out of memory"
    except RuntimeError as exc:
        if not any(text in str(exc) for text in _OUT_OF_MEMORY):
            raise
        message = str(exc).splitlines()[0]
    if message is None:
        return
    if device.type == "cuda":
        torch.cuda.empty_cache()
    raise TrialFailed(f"out of memory on {device}: {message}")
