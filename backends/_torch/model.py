"""A Graph as a torch module: one layer per node, run in the Graph's order."""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import partial
from typing import Any

import torch
from torch import Tensor, nn

from nasc.backends._torch.initial import Initial
from nasc.backends._torch.neutral import NeutralDraw
from nasc.backends._torch.recipes import Recipe, record
from nasc.backends._torch.table import SHAREABLE, TABLE, TORCH_RNG
from nasc.backends.coverage import missing_in, require_mapped
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
        drops: list[tuple[int, ...]] = [()] * len(inputs)
        for source, user in last_use.items():
            drops[user] += (source,)
        self.drops = tuple(drops)

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
    return missing_in(graph, TABLE, "torch")


def build_module(graph: Graph, seed: int = 0) -> GraphModule:
    """The torch module of ``graph``; parameters drawn from ``seed`` as every backend
    draws them (`nasc.backends.weights.init_weights`), the global RNG untouched."""
    used = require_mapped(graph, "torch", TABLE, "nasc.backends._torch.table.TABLE")
    with _short_switches:
        return _build(graph, seed, used)


def _build(graph: Graph, seed: int, used: frozenset[IROp]) -> GraphModule:
    nodes = graph.nodes
    # the neutral draw of every uniform tensor starts now; `initial` makes the tensors
    draw = NeutralDraw(graph, seed)
    initial = Initial(seed, draw=False)
    # first the layer of every node made by its factory (asking `initial` for its
    # tensors), or, for layers made from a recipe, the positions of each recipe;
    # then all tensors are laid out at once and the recipes make their layers
    layers: list[nn.Module | None] = []
    # nodes of the same kind share their op, attributes and shape objects: looked up
    # by identity first, which is cheaper than hashing shapes (valid for this graph only)
    known: dict[tuple[int, ...], tuple[Recipe | nn.Module | None, list[int]]] = {}
    recipes: list[tuple[Recipe, list[int]]] = []
    shapes = [id(node[2]) for node in nodes]
    with _torch_rng(seed, used):
        for position, node in enumerate(nodes[1:]):
            op, sources, attrs = node[0], node[1], node[3]
            # ids hash faster than the op itself, an enum member with a Python __hash__
            identity: tuple[int, ...]
            if len(sources) == 1:
                identity = (id(op), id(attrs), shapes[position + 1], shapes[sources[0]])
            else:
                identity = (id(op), id(attrs), shapes[position + 1], *[shapes[i] for i in sources])
            try:
                step, positions = known[identity]
            except KeyError:
                step = _step(node, tuple(nodes[i][2] for i in sources), initial)
                positions = []
                if isinstance(step, Recipe):
                    recipes.append((step, positions))
                known[identity] = step, positions
            if step is None:  # no recipe: built by its factory each time
                layers.append(TABLE[op](node, tuple(nodes[i][2] for i in sources), initial))
            elif isinstance(step, Recipe):
                positions.append(position)
                layers.append(None)
            else:
                layers.append(step)
    for recipe, positions in recipes:
        recipe.reserve(initial, len(positions))
    initial.lay_out()
    for recipe, positions in recipes:
        for position, layer in zip(
            positions, recipe.make_many(initial, len(positions)), strict=True
        ):
            layers[position] = layer
    initial.finish()
    draw.fill(layers)  # type: ignore[arg-type]
    # by index: a named tuple's fields are properties, slower to read
    zero = IROp.ZERO
    inputs = [(0,) if node[0] is zero else node[1] for node in nodes[1:]]
    return GraphModule(layers, inputs, [node[4] for node in nodes[1:]])  # type: ignore[arg-type]


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


class _SwitchInterval:
    """A short thread switch interval while models are built, restored after the last.

    The thread that fills a model's initial values needs the GIL for a moment
    between its numpy calls; with the interpreter's default interval it would
    wait up to 5 ms each time while layers are made, and still be filling when
    they are done. Builds on several threads share one setting: the first to
    start saves the interpreter's own, the last to end puts it back.
    """

    SECONDS = 1e-4

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.depth = 0
        self.saved = sys.getswitchinterval()

    def __enter__(self) -> None:
        with self.lock:
            if not self.depth:
                self.saved = sys.getswitchinterval()
                sys.setswitchinterval(min(self.SECONDS, self.saved))
            self.depth += 1

    def __exit__(self, *exc: object) -> None:
        with self.lock:
            self.depth -= 1
            if not self.depth:
                sys.setswitchinterval(self.saved)


_short_switches = _SwitchInterval()


@contextmanager
def _torch_rng(seed: int, ops: frozenset[IROp]) -> Iterator[None]:
    """Torch's generator seeded for layers that draw from it, restored afterwards."""
    if not TORCH_RNG & ops:
        yield
        return
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        yield
