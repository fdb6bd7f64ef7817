"""One trial: an architecture to evaluate, with what a user's objective needs from nasc.

An objective gets a `Trial` and returns the objective value (a float, minimised)
or a mapping of metrics holding the study's objective metric (``val_error`` by
default); it raises `TrialFailed` (or any exception) for a failed trial.
"""

from __future__ import annotations

import hashlib
import random
import tempfile
import time
from collections.abc import Callable, Mapping
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nasc.compiler import (
    Derivation,
    Graph,
    Space,
    Summary,
    build,
    format_term,
    load_backend,
    sample,
    summarize,
)

if TYPE_CHECKING:
    from nasc.backends.weights import WeightSet
    from nasc.search.data import Dataset


class TrialFailed(Exception):
    """Raised by an objective for a trial that failed (NaN loss, out of memory, ...)."""


Objective = Callable[["Trial"], float | Mapping[str, float]]


def trial_seed(run_seed: int, trial_id: int) -> int:
    """The seed of trial ``trial_id`` in a run seeded ``run_seed`` (fixes weights and data order).

    >>> trial_seed(0, 1) == trial_seed(0, 1), trial_seed(0, 1) == trial_seed(0, 2)
    (True, False)
    """
    digest = hashlib.sha256(f"nasc-trial/{run_seed}/{trial_id}".encode()).digest()
    return int.from_bytes(digest[:4], "little") & 0x7FFFFFFF


class Trial:
    """An architecture of the space under evaluation: its term, graph, cost and model."""

    def __init__(
        self,
        id: int,
        derivation: Derivation,
        seed: int,
        space: Space,
        device: str = "cpu",
        dataset: Dataset | None = None,
        term: str | None = None,
    ) -> None:
        self.id = id
        self.derivation = derivation
        self.seed = seed
        self.space = space
        self.device = device
        self.dataset = dataset  # the study's dataset, when it has one
        self._term = term
        self.weights: WeightSet | None = None
        self.messages: list[str] = []
        self.started = time.time()

    @classmethod
    def sampled(cls, space: Space, index: int, seed: int, device: str = "cpu") -> Trial:
        """Trial ``index``: a uniform draw of ``space`` seeded by ``index``, outside any study
        (for scripts and benchmarks that time an objective alone)."""
        return cls(index, sample(space, random.Random(index)), seed, space, device)

    @property
    def term(self) -> str:
        """The canonical term (`nasc.compiler.format_term`)."""
        if self._term is None:
            self._term = format_term(self.space, self.derivation)
        return self._term

    @cached_property
    def graph(self) -> Graph:
        """The architecture's Graph (built on first use)."""
        return build(self.space, self.derivation)

    @cached_property
    def summary(self) -> Summary:
        """Parameters and MACs of the graph."""
        return summarize(self.graph)

    @property
    def params(self) -> int:
        return self.summary.total_params

    @property
    def macs(self) -> int:
        return self.summary.total_macs

    def model(self, backend: str = "torch") -> Any:
        """A fresh model of ``backend``, its initial weights drawn from the trial's seed."""
        return load_backend(backend).build_module(self.graph, self.seed)

    def keep_model(self, model: Any, backend: str = "torch") -> None:
        """Keep a trained model's weights as the trial's weight set (saved in the run)."""
        self.weights = load_backend(backend).weights_of(model, self.graph)

    def weights_npz(self) -> bytes | None:
        """The kept weight set as `.npz` bytes, None when no model was kept."""
        if self.weights is None:
            return None
        with tempfile.TemporaryDirectory(prefix="nasc-weights-") as folder:
            path = Path(folder) / "weights.npz"
            self.weights.save(path)
            return path.read_bytes()

    def log(self, message: str) -> None:
        """A line for the trial's log (stored with its result)."""
        self.messages.append(message)

    def __repr__(self) -> str:
        return f"Trial({self.id}, {self.term})"


__all__ = ["Objective", "Trial", "TrialFailed", "trial_seed"]
