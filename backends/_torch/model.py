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
from nasc.backends.coverage import unmapped, unmapped_error
from nasc.compiler.graph import Graph, IROp, Node
from nasc.compiler.shapes import Shape


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
        self.layers._modules.update(zip(_names(len(layers)), layers, strict=True))
        self.inputs = tuple(inputs)
        self.scopes = tuple(scopes)
        last_use = {source: index for index, used in enumerate(inputs) for source in used}
        drops: list[list[int]] = [[] for _ in inputs]
        for source, user in last_use.items():
            drops[user].append(source)
        self.drops = tuple(map(tuple, drops))

    def forward(self, x: Tensor) -> Tensor:
        values: list[Tensor | None] = [x]
        for layer, used, drop in zip(self.layers, self.inputs, self.drops, strict=True):
            values.append(layer(*[values[i] for i in used]))
            for i in drop:
                values[i] = None
        out = values[-1]
        assert out is not None
        return out


_NAMES: list[str] = []


def _names(count: int) -> list[str]:
    """The layer names "0", "1", ...: made once, not per model."""
    if len(_NAMES) < count:
        _NAMES.extend(str(i) for i in range(len(_NAMES), count))
    return _NAMES[:count]


# (op, attributes, input shapes, output shape) -> how its layers are made
_RECIPES: dict[Any, Recipe | None] = {}


def missing_ops(graph: Graph) -> list[IROp]:
    """The graph's ops this backend does not map, in IR order."""
    return unmapped(graph.ops(), TABLE)


def build_module(graph: Graph, seed: int = 0) -> GraphModule:
    """The torch module of ``graph``; parameters drawn from ``seed``, the global RNG untouched."""
    used = graph.ops()
    missing = unmapped(used, TABLE)
    if missing:
        raise unmapped_error("torch", missing, "nasc.backends._torch.table.TABLE")
    nodes = graph.nodes
    initial = Initial(seed)
    # first the recipe (or, where none, the layer) of every node, so that the random
    # values all tensors take can be drawn while the layers are made from recipes
    plan: list[Recipe | nn.Module] = []
    pending = 0
    # nodes of the same kind share their op, attributes and shape objects: looked up
    # by identity first, which is cheaper than hashing shapes (valid for this graph only)
    known: dict[tuple[object, ...], Recipe | nn.Module | None] = {}
    with _torch_rng(seed, used):
        for node in nodes[1:]:
            op, sources, shape, attrs = node[0], node[1], node[2], node[3]
            identity = (op, id(attrs), id(shape), *[id(nodes[i][2]) for i in sources])
            try:
                step = known[identity]
            except KeyError:
                step = known[identity] = _step(node, tuple(nodes[i][2] for i in sources), initial)
            if step is None:  # no recipe: built by its factory each time
                step = TABLE[op](node, tuple(nodes[i][2] for i in sources), initial)
            elif isinstance(step, Recipe):
                pending += step.drawn
            plan.append(step)
    initial.draw_ahead(pending)
    layers = [step.make(initial) if isinstance(step, Recipe) else step for step in plan]
    initial.finish()
    inputs = [node.inputs if node.op is not IROp.ZERO else (0,) for node in nodes[1:]]
    return GraphModule(layers, inputs, [node.scope for node in nodes[1:]])


def _step(node: Node, sources: tuple[Shape, ...], initial: Initial) -> Recipe | nn.Module | None:
    """How layers of the node's kind are made: shared (stateless ops), from a recipe,
    or (None) by the op table's factory each time."""
    if node.op in SHAREABLE:
        return TABLE[node.op](node, sources, initial)
    key = (node.op, node.attrs, sources, node.shape)
    try:
        return _RECIPES[key]
    except KeyError:
        recipe = _RECIPES[key] = record(partial(TABLE[node.op], node, sources))
        return recipe


@contextmanager
def _torch_rng(seed: int, ops: frozenset[IROp]) -> Iterator[None]:
    """Torch's generator seeded for layers that draw from it, restored afterwards."""
    if not TORCH_RNG & ops:
        yield
        return
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        yield
