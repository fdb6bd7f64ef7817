"""NAS-Bench-201 and hNB201 as their reference code builds them, written here in plain PyTorch.

The reference network follows the published structure of NAS-Bench-201's
`TinyNetwork` (C=16, N=5): stem conv3x3 + BN, three stages of five cells with
`ResNetBasicblock` between them, head BN-ReLU-pool-linear. Every edge builds its
op, as the official code does, zero-fed and dead ones included; `none` is
``x * 0``. Its modules are PyTorch's own (``nn.Conv2d(padding=1)``,
``nn.BatchNorm2d``, ``nn.AvgPool2d(3, 1, 1, count_include_pad=False)``), and its
state is filled from nasc's weights by structure: the derivation path of each
nasc node names the stage, cell and edge it belongs to.
"""

from __future__ import annotations

import random
import re

import numpy as np
import pytest

torch = pytest.importorskip(
    "torch", reason="the torch backend needs torch: pip install 'nasc[torch]'"
)

from torch import Tensor, nn  # noqa: E402

from nasc.backends._torch.weights import module_with_weights  # noqa: E402
from nasc.backends.weights import WeightSet, init_weights  # noqa: E402
from nasc.compiler.derive.sampling import sample  # noqa: E402
from nasc.compiler.graph import Graph, IROp, build  # noqa: E402
from tests.compiler.graph_cases import CONV1, CONV3, ID, POOL, ZERO, example, nb201  # noqa: E402

EDGES = ((0, 1), (0, 2), (1, 2), (0, 3), (1, 3), (2, 3))  # NB201's edge order


class ReLUConvBN(nn.Module):
    def __init__(self, c_in: int, c_out: int, kernel: int, stride: int) -> None:
        super().__init__()
        self.op = nn.Sequential(
            nn.ReLU(),
            nn.Conv2d(c_in, c_out, kernel, stride, padding=kernel // 2, bias=False),
            nn.BatchNorm2d(c_out),
        )

    def forward(self, x: Tensor) -> Tensor:
        out: Tensor = self.op(x)
        return out


class ResNetBasicblock(nn.Module):
    """NAS-Bench-201's reduction block (stride 2)."""

    def __init__(self, c_in: int, c_out: int) -> None:
        super().__init__()
        self.conv_a = ReLUConvBN(c_in, c_out, 3, 2)
        self.conv_b = ReLUConvBN(c_out, c_out, 3, 1)
        self.downsample = nn.Sequential(
            nn.AvgPool2d(kernel_size=2, stride=2, padding=0),
            nn.Conv2d(c_in, c_out, kernel_size=1, stride=1, padding=0, bias=False),
        )

    def forward(self, x: Tensor) -> Tensor:
        out: Tensor = self.downsample(x) + self.conv_b(self.conv_a(x))
        return out


class Zero(nn.Module):
    def forward(self, x: Tensor) -> Tensor:
        return x.mul(0.0)


def _op(op: int, c: int) -> nn.Module:
    if op == ID:
        return nn.Identity()
    if op == ZERO:
        return Zero()
    if op == POOL:
        return nn.AvgPool2d(3, stride=1, padding=1, count_include_pad=False)
    return ReLUConvBN(c, c, 3 if op == CONV3 else 1, 1)


class InferCell(nn.Module):
    def __init__(self, ops: tuple[int, ...], c: int) -> None:
        super().__init__()
        self.edges = nn.ModuleList(_op(op, c) for op in ops)

    def forward(self, x: Tensor) -> Tensor:
        nodes = [x]
        for target in (1, 2, 3):
            nodes.append(
                sum(
                    (
                        self.edges[k](nodes[source])
                        for k, (source, end) in enumerate(EDGES)
                        if end == target
                    ),
                    torch.zeros_like(x),
                )
            )
        return nodes[3]


class TinyNetwork(nn.Module):
    def __init__(self, ops: tuple[int, ...], classes: int = 10) -> None:
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 16, 3, padding=1, bias=False), nn.BatchNorm2d(16))
        self.stages = nn.ModuleList(
            nn.ModuleList(InferCell(ops, c) for _ in range(5)) for c in (16, 32, 64)
        )
        self.blocks = nn.ModuleList([ResNetBasicblock(16, 32), ResNetBasicblock(32, 64)])
        self.lastact = nn.Sequential(nn.BatchNorm2d(64), nn.ReLU())
        self.global_pooling = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Linear(64, classes)

    def forward(self, x: Tensor) -> Tensor:
        x = self.stem(x)
        for stage, cells in enumerate(self.stages):
            if stage:
                x = self.blocks[stage - 1](x)
            for cell in cells:
                x = cell(x)
        x = self.global_pooling(self.lastact(x)).flatten(1)
        out: Tensor = self.classifier(x)
        return out


def _bn(module: nn.Module, arrays: dict[str, np.ndarray], prefix: str = "") -> None:
    assert isinstance(module, nn.BatchNorm2d)
    for name in ("weight", "bias", "running_mean", "running_var"):
        getattr(module, name).data.copy_(torch.tensor(arrays[prefix + name]))


def _weight(module: nn.Module, array: np.ndarray) -> None:
    assert isinstance(module, nn.Conv2d | nn.Linear) and module.weight.shape == array.shape
    module.weight.data.copy_(torch.tensor(array))


_CELL_SCOPE = re.compile(r"STAGE#(\d)/CELL#(\d)/OP#(\d)$")


def load_reference(reference: TinyNetwork, graph: Graph, weights: WeightSet) -> int:
    """Fill the reference from nasc's weights by structure; returns the tensors copied."""
    blocks = iter(reference.blocks)
    copied = 0
    for index, node in enumerate(graph.nodes):
        arrays = weights.node(index)
        if not arrays:
            continue
        copied += len(arrays)
        cell = _CELL_SCOPE.search(node.scope)
        if node.op is IROp.NB201_BASIC:
            block = next(blocks)
            assert isinstance(block, ResNetBasicblock)
            _weight(block.conv_a.op[1], arrays["conv_a.weight"])
            _bn(block.conv_a.op[2], arrays, "bn_a.")
            _weight(block.conv_b.op[1], arrays["conv_b.weight"])
            _bn(block.conv_b.op[2], arrays, "bn_b.")
            _weight(block.downsample[1], arrays["shortcut.conv.weight"])
        elif cell is not None:
            stage, position, edge = map(int, cell.groups())
            op = reference.stages[stage][position].edges[edge]  # type: ignore[index]
            assert isinstance(op, ReLUConvBN)
            if node.op is IROp.CONV:
                _weight(op.op[1], arrays["weight"])
            else:
                _bn(op.op[2], arrays)
        elif node.scope.endswith("STEM#0"):
            if node.op is IROp.CONV:
                _weight(reference.stem[0], arrays["weight"])
            else:
                _bn(reference.stem[1], arrays)
        elif node.op is IROp.BATCHNORM:
            _bn(reference.lastact[0], arrays)
        else:
            _weight(reference.classifier, arrays["weight"])
            reference.classifier.bias.data.copy_(torch.tensor(arrays["bias"]))
    return copied


def lively(graph: Graph, seed: int) -> WeightSet:
    """torch's initial weights, with batch-norm scales, shifts and statistics moved off
    their initial values so that every one of them matters."""
    rng = np.random.default_rng(seed)
    arrays = dict(init_weights(graph, seed))
    for (node, name), array in arrays.items():
        if graph.nodes[node].op is IROp.LINEAR or array.ndim != 1:
            continue
        if name.endswith("running_var"):
            arrays[node, name] = rng.uniform(0.5, 1.5, array.shape)
        elif name.endswith("weight"):
            arrays[node, name] = rng.uniform(0.7, 1.3, array.shape)
        else:
            arrays[node, name] = rng.normal(0.0, 0.2, array.shape)
    return WeightSet(arrays)


# avg pool, skip, zero, a node fed only by zero edges (zero on (0,1) with convs after
# node 1), dead edges (node 2 feeding only a zero edge), and random cells
CELLS: list[tuple[int, ...]] = [
    (CONV3,) * 6,
    (ID,) * 6,
    (POOL,) * 6,
    (CONV1,) * 6,
    (CONV3, ID, CONV1, POOL, CONV3, ZERO),  # dead: node 2 feeds only a zero edge
    (ZERO, CONV3, CONV3, ID, CONV1, POOL),  # node 1 zero-fed: (1,2) and (1,3) ops on zeros
    (ZERO, ID, POOL, CONV3, CONV3, CONV1),  # zero-fed pool and conv
    (ZERO, ZERO, CONV1, CONV3, ZERO, CONV3),  # node 1 and 2 zero-fed
    (CONV1, CONV3, ZERO, ZERO, ZERO, POOL),  # node 1 dead
    (POOL, ZERO, ID, ZERO, CONV3, CONV1),
    (ID, POOL, CONV3, ZERO, ZERO, CONV1),
    (CONV3, ZERO, ZERO, CONV1, ZERO, ZERO),  # dead node 1, single path
]
_rng = random.Random(201)
while len(CELLS) < 24:
    CELLS.append(tuple(_rng.randrange(5) for _ in range(6)))


@pytest.mark.parametrize("ops", CELLS, ids=lambda ops: "-".join(map(str, ops)))
def test_nasc_computes_the_reference_network(ops: tuple[int, ...]) -> None:
    graph = build(example("nb201"), nb201(ops))
    weights = lively(graph, seed=sum(ops))
    model = module_with_weights(graph, weights).double().eval()
    reference = TinyNetwork(ops).double().eval()
    assert load_reference(reference, graph, weights) == len(weights)
    x = torch.randn(3, 3, 32, 32, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    with torch.no_grad():
        expected = reference(x)
        torch.testing.assert_close(model(x), expected, rtol=1e-9, atol=1e-9)


def _alive(ops: tuple[int, ...]) -> set[int]:
    """The edges of a cell whose result reaches node 3 (NAS-Bench-201 builds them all)."""
    feeds_output = {3}
    for node in (2, 1):
        if any(
            s == node and e in feeds_output and ops[k] != ZERO for k, (s, e) in enumerate(EDGES)
        ):
            feeds_output.add(node)
    return {k for k, (_, end) in enumerate(EDGES) if end in feeds_output}


@pytest.mark.parametrize("ops", CELLS, ids=lambda ops: "-".join(map(str, ops)))
def test_parameters_are_the_references_less_its_dead_edges(ops: tuple[int, ...]) -> None:
    graph = build(example("nb201"), nb201(ops))
    reference = TinyNetwork(ops)
    dead = [
        p.numel()
        for k, op in enumerate(ops)
        if k not in _alive(ops)
        for cells in reference.stages
        for cell in cells  # type: ignore[attr-defined]
        for p in cell.edges[k].parameters()
    ]
    total = sum(p.numel() for p in reference.parameters())
    assert sum(p.numel() for p in module_with_weights(graph, init_weights(graph)).parameters()) == (
        total - sum(dead)
    )


# ---- hNB201: the paper's layer norm and reduction block, on sampled architectures


class PaperLayerNorm(nn.Module):
    """The paper's layer norm: ``nn.LayerNorm(x.shape[1:])``, made at the first forward."""

    def __init__(self) -> None:
        super().__init__()
        self.norm: nn.LayerNorm | None = None

    def forward(self, x: Tensor) -> Tensor:
        if self.norm is None:
            self.norm = nn.LayerNorm(x.shape[1:]).to(x.dtype)
        out: Tensor = self.norm(x)
        return out


def _hnb201_graphs(count: int) -> list[Graph]:
    space = example("hnb201")
    rng = random.Random(14)
    graphs: list[Graph] = []
    while len(graphs) < count:
        graph = build(space, sample(space, rng))
        if {IROp.LAYERNORM, IROp.NB201_BASIC} <= graph.ops():
            graphs.append(graph)
    return graphs


@pytest.mark.parametrize("k", range(3))
def test_hnb201_layer_norms_and_reduction_blocks_are_the_papers(k: int) -> None:
    graph = _hnb201_graphs(3)[k]
    weights = lively(graph, seed=k)
    arrays = dict(weights)
    rng = np.random.default_rng(k)
    for index, node in enumerate(graph.nodes):  # layer-norm affines off their initial values
        if node.op is IROp.LAYERNORM:
            for name in ("weight", "bias"):
                shape = arrays[index, name].shape
                arrays[index, name] = rng.normal(float(name == "weight"), 0.3, shape)
    weights = WeightSet(arrays)
    model = module_with_weights(graph, weights).double().eval()
    seen: dict[int, tuple[Tensor, Tensor]] = {}
    for index, node in enumerate(graph.nodes):
        if node.op in (IROp.LAYERNORM, IROp.NB201_BASIC):

            def keep(
                module: nn.Module, args: tuple[Tensor, ...], out: Tensor, i: int = index
            ) -> None:
                seen[i] = (args[0], out)

            model.layers[index - 1].register_forward_hook(keep)
    x = torch.randn(2, 3, 32, 32, generator=torch.Generator().manual_seed(k), dtype=torch.float64)
    with torch.no_grad():
        model(x)
        for index, (inputs, out) in seen.items():
            node, params = graph.nodes[index], weights.node(index)
            if node.op is IROp.LAYERNORM:
                norm = PaperLayerNorm()
                expected = norm(inputs)
                assert norm.norm is not None
                assert norm.norm.weight.shape == params["weight"].shape  # C x H x W
                norm.norm.weight.copy_(torch.tensor(params["weight"]))
                norm.norm.bias.copy_(torch.tensor(params["bias"]))
                expected = norm(inputs)
            else:
                block = ResNetBasicblock(inputs.shape[1], node.shape.features).double().eval()
                _weight(block.conv_a.op[1], params["conv_a.weight"])
                _bn(block.conv_a.op[2], params, "bn_a.")
                _weight(block.conv_b.op[1], params["conv_b.weight"])
                _bn(block.conv_b.op[2], params, "bn_b.")
                _weight(block.downsample[1], params["shortcut.conv.weight"])
                expected = block(inputs)
            torch.testing.assert_close(out, expected, rtol=1e-9, atol=1e-9)
    assert any(graph.nodes[i].op is IROp.LAYERNORM for i in seen)
