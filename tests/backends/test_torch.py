"""The torch backend: every example builds, runs forward and backward, and costs what the Graph says."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

torch = pytest.importorskip(
    "torch", reason="the torch backend needs torch: pip install 'nasc[torch]'"
)

from torch.utils.flop_counter import FlopCounterMode  # noqa: E402

from nasc.backends import to_torch  # noqa: E402
from nasc.backends._torch import build_module, missing_ops  # noqa: E402
from nasc.backends._torch import table as torch_table  # noqa: E402
from nasc.backends._torch.layers import Attention  # noqa: E402
from nasc.compiler.derive.derivation import Derivation  # noqa: E402
from nasc.compiler.derive.sampling import sample  # noqa: E402
from nasc.compiler.graph import Graph, IROp, build  # noqa: E402
from nasc.compiler.graph.cost import summarize  # noqa: E402
from nasc.dsl import NascError  # noqa: E402
from tests.compiler.graph_cases import FIXED, UMAX, activation, example, zero_space  # noqa: E402

EXAMPLES = sorted(FIXED)
SEEDS = (0, 1)


def _sampled(name: str, seed: int) -> Graph:
    space = example(name)
    return build(space, sample(space, random.Random(seed)))


def _params(model: torch.nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def _forward_backward(
    graph: Graph, model: torch.nn.Module, dtype: torch.dtype = torch.float32
) -> torch.Tensor:
    torch.manual_seed(0)
    x = torch.randn(2, *graph.input_shape.dims, dtype=dtype)
    y = model(x)
    assert tuple(y.shape) == (2, *graph.output_shape.dims)
    y.square().mean().backward()
    return y


@pytest.mark.parametrize("name", EXAMPLES)
@pytest.mark.parametrize("seed", SEEDS)
def test_sampled_architectures_run_forward_and_backward(name: str, seed: int) -> None:
    graph = _sampled(name, seed)
    model = build_module(graph, seed)
    assert _params(model) == summarize(graph).total_params
    # a searched activation such as cubic(cubic(x)) can overflow float32 in a deep network
    dtype = torch.float64 if name == "activation" else torch.float32
    _forward_backward(graph, model.to(dtype), dtype)
    grads = [p.grad for p in model.parameters()]
    assert all(g is not None and torch.isfinite(g).all() for g in grads)


@pytest.mark.parametrize("name", EXAMPLES)
def test_fixed_architectures_have_finite_gradients(name: str) -> None:
    graph = build(example(name), FIXED[name])
    model = build_module(graph)
    _forward_backward(graph, model)
    assert all(p.grad is not None and torch.isfinite(p.grad).all() for p in model.parameters())


@pytest.mark.parametrize("name", EXAMPLES)
def test_macs_equal_torch_flop_counter(name: str) -> None:
    graph = _sampled(name, 3)
    model = build_module(graph)
    batch = 2
    x = torch.randn(batch, *graph.input_shape.dims)
    with FlopCounterMode(display=False) as counter:
        model(x)
    # torch's counter does not see the CPU kernel of attention's two L x L products
    attention = [layer.attention for layer in model.layers if isinstance(layer, Attention)]
    unseen = sum(2 * x.shape[1] ** 2 * mha.embed_dim for mha in attention)
    counted = counter.get_total_flops() + 2 * batch * unseen
    assert counted == 2 * batch * summarize(graph).total_macs


def test_initialisation_is_deterministic_and_leaves_the_global_rng_alone() -> None:
    graph = build(example("nb201"), FIXED["nb201"])
    torch.manual_seed(123)
    before = torch.random.get_rng_state()
    a, b, c = to_torch(graph, seed=5), to_torch(graph, seed=5), to_torch(graph, seed=6)
    assert torch.equal(torch.random.get_rng_state(), before)
    pairs = list(zip(a.parameters(), b.parameters(), c.parameters(), strict=True))
    assert all(torch.equal(p, q) for p, q, _ in pairs)
    assert any(not torch.equal(p, r) for p, _, r in pairs if p.numel() > 1)


def test_shared_activation_gives_every_position_the_same_modules() -> None:
    graph = build(example("activation"), activation(binop=9, unops=(UMAX, 6)))  # wavg(umax, mconst)
    model = build_module(graph)
    kinds: dict[str, list[str]] = {}
    for layer, scope in zip(model.layers, model.scopes, strict=True):
        if "ACT#" in scope:
            position = scope.split("/L2#")[0]
            kinds.setdefault(position, []).append(f"{type(layer).__name__}:{layer.extra_repr()}")
    assert len(kinds) == 19  # stem, 9 blocks x 2, minus nothing: one per activation position
    assert len({tuple(v) for v in kinds.values()}) == 1
    learned = [m for m in model.modules() if type(m).__name__ == "LearnedScalar"]
    assert len(learned) == 2 * 19  # one scalar per use, not one shared


def test_unmapped_ops_are_one_diagnostic_listing_them_all(monkeypatch: pytest.MonkeyPatch) -> None:
    graph = build(example("hnb201"), FIXED["hnb201"])
    reduced = {k: v for k, v in torch_table.TABLE.items() if k not in (IROp.CONV, IROp.RELU)}
    monkeypatch.setattr("nasc.backends._torch.model.TABLE", reduced)
    assert missing_ops(graph) == [IROp.CONV, IROp.RELU]
    with pytest.raises(NascError) as caught:
        build_module(graph)
    message = caught.value.diagnostics[0].message
    assert (
        caught.value.diagnostics[0].code == "E602" and "'conv'" in message and "'relu'" in message
    )


def test_every_ir_op_but_the_input_is_mapped() -> None:
    assert set(IROp) - set(torch_table.TABLE) == {IROp.INPUT}


def test_zero_nodes_give_zeros_of_the_batch(tmp_path: Path) -> None:
    space = zero_space(tmp_path)
    graph = build(space, Derivation("NET", 0, (Derivation("P", 0), Derivation("P", 1))))
    model = build_module(graph).eval()
    x = torch.randn(3, 4, 8, 8)
    with torch.no_grad():
        y = model(x)
    assert y.shape == (3, 8, 8, 8)
    # batchnorm in eval with fresh statistics is x / sqrt(1 + eps): zeros stay zeros
    assert torch.equal(y[:, 4:], torch.zeros(3, 4, 8, 8))
    assert not torch.equal(y[:, :4], torch.zeros(3, 4, 8, 8))
