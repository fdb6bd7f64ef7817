"""Graphs that hold each IR op alone, and weights that make every tensor matter."""

from __future__ import annotations

from functools import cache

import numpy as np

from nasc.backends.weights import WeightSet, param_specs
from nasc.compiler import load
from nasc.compiler.derive.derivation import Derivation
from nasc.compiler.graph import Graph, build
from nasc.compiler.space import template_text
from tests.conftest import ROOT

SPACES = ("images", "signals", "volumes", "sequences")


@cache
def op_graphs() -> tuple[tuple[str, Graph], ...]:
    """(label, graph) for every alternative of the op spaces: one primitive each."""
    found: list[tuple[str, Graph]] = []
    for name in SPACES:
        space = load(str(ROOT / "tests" / "backends" / "spaces" / f"{name}.nas"))
        for alt, alternative in enumerate(space.rule("NET").alternatives):
            graph = build(space, Derivation("NET", alt))
            found.append((f"{name}:{template_text(alternative.template)}", graph))
    return tuple(found)


def lively(graph: Graph, seed: int = 0) -> WeightSet:
    """Random weights, norms with non-trivial scale, shift and running statistics."""
    rng = np.random.default_rng(seed)
    arrays = {}
    for spec in param_specs(graph):
        values = rng.standard_normal(spec.shape) * 0.5
        if spec.name.endswith("running_var"):
            values = np.abs(values) + 0.5
        elif spec.name.endswith("weight") and len(spec.shape) == 1:  # norm scales
            values = values + 1.0
        arrays[spec.node, spec.name] = values
    return WeightSet(arrays)


def inputs(graph: Graph, batch: int = 3, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.standard_normal((batch, *graph.input_shape.dims)).astype(np.float32)


def relative_error(got: np.ndarray, reference: np.ndarray) -> float:
    """Largest deviation relative to the reference output's scale."""
    scale = float(np.abs(reference).max())
    return float(np.abs(got.astype(np.float64) - reference).max()) / max(scale, 1e-12)
