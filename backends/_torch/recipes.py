"""Layers made again from a recipe: what the first layer of the same kind was made of.

A model repeats a few kinds of layers hundreds of times: convolutions of the
same size, norms of the same width. The first layer of a kind is built by its
op table factory; its class, its plain attributes and the tensors it asked its
`Initial` for make the recipe from which every further layer of that kind is
made, without running the factory again. Layers with sublayers, or with
tensors they made themselves, have no recipe and are built by their factory.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from torch import nn

from nasc.backends._torch.initial import Initial, Kind
from nasc.backends._torch.module_state import new_state

_STATE = frozenset(new_state())
_TENSORS = frozenset({"training", "_parameters", "_buffers"})


@dataclass(frozen=True, slots=True)
class Recipe:
    """A layer's class, plain attributes, and the kind of each of its tensors (None: absent)."""

    cls: type[nn.Module]
    attributes: dict[str, Any]
    parameters: tuple[tuple[str, Kind | None], ...]
    buffers: tuple[tuple[str, Kind], ...]

    def reserve(self, initial: Initial, count: int) -> None:
        """Reserve the tensors of ``count`` layers, to be made by `make_many`."""
        for _, kind in self.parameters:
            if kind is not None:
                initial.reserve(kind, count)
        for _, kind in self.buffers:
            initial.reserve(kind, count)

    def make_many(self, initial: Initial, count: int) -> list[nn.Module]:
        """``count`` new layers like the first, with the tensors reserved for them
        (``initial`` laid out)."""
        cls, attributes, fresh, new = self.cls, self.attributes, new_state, object.__new__
        # every name in its place first, so the order is the first layer's
        names = dict.fromkeys(name for name, _ in self.parameters)
        params = [(name, initial.take(kind, count)) for name, kind in self.parameters if kind]
        buffers = [(name, initial.take(kind, count)) for name, kind in self.buffers]
        layers: list[nn.Module] = []
        for i in range(count):
            layer = new(cls)
            state = layer.__dict__
            state.update(fresh())
            state.update(attributes)
            owner = state["_parameters"] = names.copy()
            for name, tensors in params:
                owner[name] = tensors[i]
            owner = state["_buffers"]
            for name, tensors in buffers:
                owner[name] = tensors[i]
            layers.append(layer)
        return layers


def record(build: Callable[[Initial], nn.Module]) -> Recipe | None:
    """The recipe of the layer ``build`` makes, or None where it cannot be made again so."""
    probe = Initial(0)
    layer = build(probe)
    state = layer.__dict__
    if not state.keys() >= _STATE or any(state[key] for key in _STATE - _TENSORS):
        return None  # sublayers, hooks or state of another kind
    params, buffers = probe.asked(layer._parameters), probe.asked(layer._buffers)
    if set(buffers) != set(layer._buffers) or any(
        layer._parameters[name] is not None for name in layer._parameters if name not in params
    ):
        return None  # the layer made some of its tensors itself
    return Recipe(
        type(layer),
        {key: value for key, value in state.items() if key not in _STATE},
        tuple((name, params.get(name)) for name in layer._parameters),
        tuple((name, buffers[name]) for name in layer._buffers),
    )
