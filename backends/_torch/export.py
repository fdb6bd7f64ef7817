"""Writing a model as a torch.export program: a file that loads with torch alone.

>>> import torch
>>> program = torch.export.load("model.pt2")      # doctest: +SKIP
>>> logits = program.module()(torch.randn(8, 3, 32, 32))  # doctest: +SKIP
"""

from __future__ import annotations

import warnings
from pathlib import Path

import torch

from nasc.backends._torch.model import build_module
from nasc.backends.outputs import check_suffix
from nasc.compiler.graph import Graph


def example_input(graph: Graph, batch: int = 2) -> torch.Tensor:
    """A random batch of the graph's input shape."""
    generator = torch.Generator().manual_seed(0)
    return torch.randn((batch, *graph.input_shape.dims), generator=generator)


def export(
    graph: Graph, path: str | Path, seed: int = 0, module: torch.nn.Module | None = None
) -> torch.export.ExportedProgram:
    """Export ``module`` (by default the graph's freshly built model) in eval mode to ``path``.

    The batch dimension is dynamic; the per-sample shape is the space's input.
    ``path`` must end in `.pt2` (E802 otherwise).
    """
    check_suffix(path, ".pt2", "torch.export program")
    model = module if module is not None else build_module(graph, seed)
    model.eval()
    batch = torch.export.Dim("batch", min=2, max=1 << 16)
    program = torch.export.export(
        model, (example_input(graph),), dynamic_shapes=({0: batch},), strict=False
    )
    with warnings.catch_warnings():
        # a model's tensors are views of two flat buffers (see `initial`); torch saves
        # each buffer whole, once, and warns that no single tensor covers it
        warnings.filterwarnings("ignore", message="No complete tensor found in the group")
        torch.export.save(program, str(path))
    return program
