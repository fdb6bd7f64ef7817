"""Weights between a torch GraphModule and the framework-neutral `WeightSet`.

Layer ``i`` of a `GraphModule` is node ``i + 1`` of its Graph; parameter names
inside a layer are torch's, renamed where nasc's neutral names differ.

>>> from nasc.backends._torch import build_module
>>> module = build_module(graph)                      # doctest: +SKIP
>>> weights = weights_from_module(module)             # doctest: +SKIP
>>> load_into_module(build_module(graph, seed=1), weights)  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import torch
from numpy.typing import NDArray

from nasc.backends._torch.model import GraphModule, build_module
from nasc.backends._torch.names import neutral_name, torch_name
from nasc.backends._torch.pt2 import read_state
from nasc.backends.weight_files import reading, weight_file
from nasc.backends.weights import Key, WeightSet, check_weights
from nasc.compiler.graph import Graph


def _from_state_dict(state: Mapping[str, NDArray[Any]]) -> WeightSet:
    arrays = {}
    for key, array in state.items():
        head, _, rest = key.partition(".")
        layer, _, name = rest.partition(".")
        if head != "layers" or not layer.isdigit() or not name:
            raise ValueError(f"'{key}' is not a parameter of a nasc GraphModule")
        node: Key = (int(layer) + 1, neutral_name(name))
        arrays[node] = np.asarray(array, dtype=np.float32)
    return WeightSet(arrays)


def _numpy(state: Mapping[str, torch.Tensor]) -> dict[str, NDArray[Any]]:
    return {key: tensor.detach().to("cpu", torch.float32).numpy() for key, tensor in state.items()}


def weights_from_module(module: GraphModule) -> WeightSet:
    """The module's parameters and running statistics as a `WeightSet`."""
    return _from_state_dict(_numpy(module.state_dict()))


def load_into_module(module: GraphModule, weights: WeightSet) -> None:
    """Copy ``weights`` into ``module`` (every tensor it holds must be given)."""
    state = {
        f"layers.{node - 1}.{torch_name(name)}": torch.from_numpy(array.copy())
        for (node, name), array in weights.items()
    }
    module.load_state_dict(state, strict=True)


def read_weights(path: str | Path, graph: Graph) -> WeightSet:
    """Weights for ``graph`` from a file: a `WeightSet` `.npz`, a torch state dict
    (``torch.save(module.state_dict(), path)``) or a `.pt2` program that
    `nasc.backends._torch.export` wrote. Nothing in the file is unpickled beyond
    torch's ``weights_only`` loader (`.pt`) and none at all for `.pt2`. NascError
    E801 when the file is none of these, E800 when its tensors do not fit the graph."""
    path = Path(path)
    weights = WeightSet.load(path) if path.suffix == ".npz" else _read_torch(path)
    check_weights(graph, weights)
    return weights


def _read_torch(path: Path) -> WeightSet:
    what = "a torch.export program" if path.suffix == ".pt2" else "torch weights"
    path = weight_file(path, what)
    with reading(path, what):
        if path.suffix == ".pt2":
            weights = _from_state_dict(read_state(path))
        else:
            state = torch.load(path, map_location="cpu", weights_only=True)
            if not isinstance(state, Mapping) or not all(
                isinstance(v, torch.Tensor) for v in state.values()
            ):
                raise ValueError("expected a state dict of tensors")
            weights = _from_state_dict(_numpy(state))
    return weights


def module_with_weights(graph: Graph, weights: WeightSet) -> GraphModule:
    """The graph's torch module holding ``weights`` (checked against the graph)."""
    check_weights(graph, weights)
    module = build_module(graph)
    load_into_module(module, weights)
    return module
