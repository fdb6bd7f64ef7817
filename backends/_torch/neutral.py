"""A torch model's learned tensors filled with the backend-neutral initial draw.

`nasc.backends.weights.init_weights` defines every backend's initial weights:
the uniform tensors in `param_specs` order take consecutive values of one
seeded stream of random integers. A `GraphModule` lays its tensors out by kind
instead (`nasc.backends._torch.initial`), so `NeutralDraw` draws and scales the
stream on the kept filler thread while the layers are made, then copies each
tensor's slice into the tensor's storage: the model then holds exactly
``init_weights(graph, seed)``, without making a `WeightSet` and loading it.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from concurrent.futures import Future

import numpy as np
from numpy.typing import NDArray
from torch import Tensor, nn

from nasc.backends._torch.initial import in_background
from nasc.backends._torch.names import torch_name
from nasc.backends.weights import Draw, param_specs, uniform_draws, uniform_values
from nasc.compiler.graph import Graph


class NeutralDraw:
    """The stream of one model's uniform tensors, started when made; `fill` puts it in."""

    def __init__(self, graph: Graph, seed: int) -> None:
        self.draws: list[Draw]
        self.draws, total = uniform_draws(param_specs(graph))
        self._values: Future[NDArray[np.float32]] = in_background(
            total, uniform_values, seed, self.draws, total
        )

    def fill(self, layers: Sequence[nn.Module]) -> None:
        """Scale the stream into the tensors of ``layers`` (layer i is node i + 1)."""
        values = self._values.result()
        for draw in self.draws:
            tensor = _tensor(layers[draw.spec.node - 1], _torch_path(draw.spec.name))
            np.copyto(tensor.detach().numpy().reshape(-1), values[draw.start : draw.stop])


@functools.cache
def _torch_path(name: str) -> tuple[tuple[str, ...], str]:
    """The submodules and the tensor name of the neutral ``name`` inside a torch layer."""
    *path, last = torch_name(name).split(".")
    return tuple(path), last


def _tensor(layer: nn.Module, where: tuple[tuple[str, ...], str]) -> Tensor:
    """The parameter or buffer at ``where`` (from `_torch_path`) inside ``layer``."""
    path, last = where
    for step in path:
        layer = layer._modules[step]  # type: ignore[assignment]
    tensor: Tensor | None = layer._parameters.get(last)
    if tensor is None:
        tensor = layer._buffers[last]
    assert tensor is not None
    return tensor


__all__ = ["NeutralDraw"]
