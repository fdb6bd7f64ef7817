"""A trial for the training benchmarks: one architecture, its seed and device.

It offers what `nasc.search.training.Trainer` reads of a trial (seed, device, graph,
summary, model, keep_model, log), so the benchmarks time the trainer alone.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

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


@dataclass
class BenchTrial:
    space: Space
    derivation: Derivation
    seed: int = 0
    device: str = "cpu"
    messages: list[str] = field(default_factory=list)

    @classmethod
    def sampled(cls, space: Space, index: int, seed: int, device: str) -> BenchTrial:
        return cls(space, sample(space, random.Random(index)), seed, device)

    @property
    def term(self) -> str:
        return format_term(self.space, self.derivation)

    @cached_property
    def graph(self) -> Graph:
        return build(self.space, self.derivation)

    @cached_property
    def summary(self) -> Summary:
        return summarize(self.graph)

    def model(self, backend: str = "torch") -> Any:
        return load_backend(backend).build_module(self.graph, self.seed)

    def keep_model(self, model: Any, backend: str = "torch") -> None:
        pass

    def log(self, message: str) -> None:
        self.messages.append(message)
