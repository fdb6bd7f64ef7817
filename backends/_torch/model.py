"""A Graph as a torch module: one layer per node, run in the Graph's order."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import partial
from typing import Any

import torch
from torch import Tensor, nn

from nasc.backends._torch.initial import Initial
from nasc.backends._torch.recipes import Recipe, record
from nasc.backends._torch.table import SHAREABLE, TABLE, TORCH_RNG
from nasc.compiler.graph import Graph, IROp
from nasc.dsl import NascError
from nasc.dsl.diagnostics import error


class GraphModule(nn.Module):
    """Runs ``layers[i]`` on the outputs of node i's inputs, for every node after the input.

    Each intermediate value is dropped after its last use, so evaluation keeps
    only the live tensors. ``scopes[i]`` is the derivation path of layer i.
    """

    def __init__(
        self,
        layers: Sequence[nn.Module],
        inputs: Sequence[tuple[int, ...]],
        scopes: Sequence[str],
    ) -> None:
        super().__init__()
        self.layers = nn.ModuleList()
        # filled directly: ModuleList's own checks cost more than building the layers
        self.layers._modules.update((str(i), layer) for i, layer in enumerate(layers))
        self.inputs = tuple(inputs)
        self.scopes = tuple(scopes)
        last_use = {source: index + 1 for index, used in enumerate(inputs) for source in used}
        drops: list[list[int]] = [[] for _ in inputs]
        for source, user in last_use.items():
            drops[user - 1].append(source)
        self.drops = tuple(tuple(d) for d in drops)

    def forward(self, x: Tensor) -> Tensor:
        values: list[Tensor | None] = [x]
        for layer, used, drop in zip(self.layers, self.inputs, self.drops, strict=True):
            values.append(layer(*[values[i] for i in used]))
            for i in drop:
                values[i] = None
        out = values[-1]
        assert out is not None
        return out


# (op, attributes, input shapes, output shape) -> how its layers are made
_RECIPES: dict[Any, Recipe | None] = {}
_UNKNOWN = object()


def missing_ops(graph: Graph) -> list[IROp]:
    """The graph's ops this backend does not map, in IR order."""
    used = graph.ops()
    return [op for op in IROp if op in used and op not in TABLE and op is not IROp.INPUT]


def build_module(graph: Graph, seed: int = 0) -> GraphModule:
    """The torch module of ``graph``; parameters drawn from ``seed``, the global RNG untouched."""
    missing = missing_ops(graph)
    if missing:
        raise NascError(
            error(
                "E602",
                "the torch backend does not map " + ", ".join(f"'{op.value}'" for op in missing),
                None,
                "choose another backend, or add these ops to nasc.backends._torch.table.TABLE",
            )
        )
    nodes = graph.nodes
    shapes = [node.shape for node in nodes]
    initial = Initial(seed)
    # first the recipe (or, where none, the layer) of every node, so that the random
    # values all tensors take can be drawn while the layers are made from recipes
    plan: list[Recipe | nn.Module] = []
    shared: dict[object, nn.Module] = {}
    pending = 0
    with _torch_rng(seed, graph):
        for node in nodes[1:]:
            op = node.op
            sources = tuple([shapes[i] for i in node.inputs])
            key = (op, node.attrs, sources, node.shape)
            if op in SHAREABLE:
                layer = shared.get(key)
                if layer is None:
                    layer = shared[key] = TABLE[op](node, sources, initial)
                plan.append(layer)
                continue
            recipe = _RECIPES.get(key, _UNKNOWN)
            if recipe is _UNKNOWN:
                recipe = _RECIPES[key] = record(partial(TABLE[op], node, sources))
            if isinstance(recipe, Recipe):
                plan.append(recipe)
                pending += recipe.drawn
            else:
                plan.append(TABLE[op](node, sources, initial))
    initial.draw_ahead(pending)
    layers = [step.make(initial) if isinstance(step, Recipe) else step for step in plan]
    initial.finish()
    inputs = [node.inputs if node.op is not IROp.ZERO else (0,) for node in nodes[1:]]
    return GraphModule(layers, inputs, [node.scope for node in nodes[1:]])


@contextmanager
def _torch_rng(seed: int, graph: Graph) -> Iterator[None]:
    """Torch's generator seeded for layers that draw from it, restored afterwards."""
    if not TORCH_RNG & graph.ops():
        yield
        return
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        yield
