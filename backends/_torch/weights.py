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
from pickle import UnpicklingError
from zipfile import BadZipFile

import torch

from nasc.backends._torch.model import GraphModule, build_module
from nasc.backends.weights import Key, WeightSet, check_weights, unreadable
from nasc.compiler.graph import Graph

# torch's name inside a layer -> the neutral name (prefixes)
_RENAMES = (
    ("shortcut.0.", "shortcut.conv."),
    ("shortcut.1.", "shortcut.bn."),
    ("attention.in_proj_weight", "in_proj.weight"),
    ("attention.in_proj_bias", "in_proj.bias"),
    ("attention.out_proj.", "out_proj."),
)


def _neutral(name: str) -> str:
    for torch_name, neutral in _RENAMES:
        if name.startswith(torch_name):
            return neutral + name[len(torch_name) :]
    return name


def _torch_name(name: str) -> str:
    for torch_name, neutral in _RENAMES:
        if name.startswith(neutral):
            return torch_name + name[len(neutral) :]
    return name


def _from_state_dict(state: Mapping[str, torch.Tensor]) -> WeightSet:
    arrays = {}
    for key, tensor in state.items():
        head, layer, name = key.split(".", 2)
        if head != "layers" or not layer.isdigit():
            raise ValueError(f"'{key}' is not a parameter of a nasc GraphModule")
        node: Key = (int(layer) + 1, _neutral(name))
        arrays[node] = tensor.detach().to("cpu", torch.float32).numpy()
    return WeightSet(arrays)


def weights_from_module(module: GraphModule) -> WeightSet:
    """The module's parameters and running statistics as a `WeightSet`."""
    return _from_state_dict(module.state_dict())


def load_into_module(module: GraphModule, weights: WeightSet) -> None:
    """Copy ``weights`` into ``module`` (every tensor it holds must be given)."""
    state = {
        f"layers.{node - 1}.{_torch_name(name)}": torch.from_numpy(array.copy())
        for (node, name), array in weights.items()
    }
    module.load_state_dict(state, strict=True)


def read_weights(path: str | Path, graph: Graph) -> WeightSet:
    """Weights for ``graph`` from a file: a `WeightSet` `.npz`, a torch state dict
    (``torch.save(module.state_dict(), path)``) or a `.pt2` program that
    `nasc.backends._torch.export` wrote. NascError E801 when the file is none of
    these, E800 when its tensors do not fit the graph."""
    path = Path(path)
    weights = WeightSet.load(path) if path.suffix == ".npz" else _read_torch(path)
    check_weights(graph, weights)
    return weights


def _read_torch(path: Path) -> WeightSet:
    try:
        if path.suffix == ".pt2":
            state: object = torch.export.load(str(path)).state_dict
        else:
            state = torch.load(path, map_location="cpu", weights_only=True)
        if isinstance(state, GraphModule):
            state = state.state_dict()
        if not isinstance(state, Mapping) or not all(
            isinstance(v, torch.Tensor) for v in state.values()
        ):
            raise ValueError("expected a state dict of tensors")
        return _from_state_dict(state)
    except (OSError, RuntimeError, ValueError, EOFError, UnpicklingError, BadZipFile) as exc:
        raise unreadable(path, "torch weights", exc) from None


def module_with_weights(graph: Graph, weights: WeightSet) -> GraphModule:
    """The graph's torch module holding ``weights`` (checked against the graph)."""
    check_weights(graph, weights)
    module = build_module(graph)
    load_into_module(module, weights)
    return module
