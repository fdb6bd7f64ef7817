"""Initial tensors made together: torch's distributions, seeded, independent, in place."""

from __future__ import annotations

import itertools
import math
import multiprocessing
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

torch = pytest.importorskip(
    "torch", reason="the torch backend needs torch: pip install 'nasc[torch]'"
)

from torch import nn  # noqa: E402

from nasc.backends._torch import build_module  # noqa: E402
from nasc.backends._torch import initial as initial_module  # noqa: E402
from nasc.backends._torch.initial import Initial  # noqa: E402
from nasc.backends._torch.layers import BatchNorm, Conv, Linear  # noqa: E402
from nasc.backends._torch.recipes import record  # noqa: E402
from nasc.compiler.graph import build  # noqa: E402
from tests.compiler.graph_cases import FIXED, example  # noqa: E402


def _layers(seed: int, threaded: bool = False) -> list[nn.Module]:
    initial = Initial(seed)
    layers: list[nn.Module] = [
        Conv(8, 16, 3, (10, 10), initial=initial),
        BatchNorm(16, initial=initial),
        Linear(64, 5, bias=True, initial=initial),
    ]
    threshold = initial_module._THREAD_FROM
    initial_module._THREAD_FROM = 0 if threaded else threshold
    try:
        initial.finish()
    finally:
        initial_module._THREAD_FROM = threshold
    return layers


def test_uniform_tensors_follow_torch_bounds_and_distribution() -> None:
    conv, _, linear = _layers(0)
    for weight, fan_in in ((conv.weight, 8 * 9), (linear.weight, 64), (linear.bias, 64)):
        bound = 1 / math.sqrt(fan_in)
        assert weight.abs().max() <= bound
        assert weight.numel() < 100 or weight.abs().max() > 0.9 * bound
    values = conv.weight.detach().flatten() * math.sqrt(8 * 9)  # uniform in [-1, 1]
    assert abs(float(values.mean())) < 0.05
    assert abs(float(values.var()) - 1 / 3) < 0.03


def test_constants_buffers_and_parameters() -> None:
    _, norm, _ = _layers(0)
    assert norm.weight.tolist() == [1.0] * 16 and norm.bias.tolist() == [0.0] * 16
    assert norm.running_mean.tolist() == [0.0] * 16 and norm.running_var.tolist() == [1.0] * 16
    assert [name for name, _ in norm.named_parameters()] == ["weight", "bias"]
    assert [name for name, _ in norm.named_buffers()] == ["running_mean", "running_var"]
    assert all(isinstance(p, nn.Parameter) and p.is_leaf for p in norm.parameters())
    assert not any(isinstance(b, nn.Parameter) for b in norm.buffers())


def test_same_seed_same_values_on_a_thread_or_not() -> None:
    serial = [p for layer in _layers(7) for p in layer.parameters()]
    threaded = [p for layer in _layers(7, threaded=True) for p in layer.parameters()]
    other = [p for layer in _layers(8, threaded=True) for p in layer.parameters()]
    assert all(torch.equal(a, b) for a, b in zip(serial, threaded, strict=True))
    assert not torch.equal(serial[0], other[0])


def test_same_seed_same_model_and_the_interpreter_restored() -> None:
    graph = build(example("hnb201"), FIXED["hnb201"])
    interval = sys.getswitchinterval()
    first, again, other = build_module(graph), build_module(graph), build_module(graph, seed=1)
    assert sys.getswitchinterval() == interval
    pairs = zip(first.state_dict().values(), again.state_dict().values(), strict=True)
    assert all(torch.equal(a, b) for a, b in pairs)
    assert not torch.equal(first.layers[0].weight, other.layers[0].weight)


def test_tensors_are_independent_and_buffers_apart_from_parameters() -> None:
    model = build_module(build(example("nb201"), FIXED["nb201"]))
    params, buffers = list(model.parameters()), list(model.buffers())
    ranges = sorted(
        (t.data_ptr(), t.data_ptr() + t.numel() * t.element_size()) for t in params + buffers
    )
    assert all(end <= start for (_, end), (start, _) in itertools.pairwise(ranges))
    param_storages = {p.untyped_storage().data_ptr() for p in params}
    assert not param_storages & {b.untyped_storage().data_ptr() for b in buffers}
    with torch.no_grad():
        params[0].add_(1.0)
    assert all(not torch.equal(p, p + 1) for p in params[1:])  # nothing else moved
    model(torch.randn(2, 3, 32, 32)).sum().backward()
    assert all(p.grad is not None and p.grad.shape == p.shape for p in params)


def test_a_recipe_makes_the_same_layers_as_its_factory() -> None:
    def conv(initial: Initial) -> nn.Module:
        return Conv(4, 6, 3, (7, 7), stride=2, bias=True, initial=initial)

    recipe = record(conv)
    assert recipe is not None
    assert [(name, kind and kind.shape) for name, kind in recipe.parameters] == [
        ("weight", (6, 4, 3, 3)),
        ("bias", (6,)),
    ]
    initial = Initial(0)
    built = conv(initial)
    recipe.reserve(initial, 3)
    initial.lay_out()
    made, *many = recipe.make_many(initial, 3)
    initial.finish()
    weights = [layer.weight.detach().clone() for layer in (made, built, *many)]
    assert all(not torch.equal(a, b) for a, b in itertools.combinations(weights, 2))
    x = torch.randn(1, 4, 7, 7)
    for layer in (made, *many):
        assert type(layer) is type(built)
        assert [(n, p.shape) for n, p in layer.named_parameters()] == [
            (n, p.shape) for n, p in built.named_parameters()
        ]
        with torch.no_grad():
            layer.load_state_dict(built.state_dict())
        torch.testing.assert_close(layer(x), built(x))


def test_reserved_tensors_are_taken_exactly() -> None:
    recipe = record(lambda initial: BatchNorm(3, initial=initial))
    assert recipe is not None
    short = Initial(0)
    recipe.reserve(short, 2)
    short.lay_out()
    with pytest.raises(RuntimeError, match="more tensors"):
        recipe.make_many(short, 3)
    left = Initial(0)
    recipe.reserve(left, 2)
    left.lay_out()
    recipe.make_many(left, 1)
    with pytest.raises(RuntimeError, match="not taken"):
        left.finish()
    with pytest.raises(RuntimeError, match="laid out"):
        left.reserve(recipe.buffers[0][1], 1)


def test_layers_with_sublayers_have_no_recipe() -> None:
    class Pair(nn.Module):
        def __init__(self, initial: Initial) -> None:
            super().__init__()
            self.a = Linear(2, 2, bias=False, initial=initial)

    assert record(Pair) is None


def test_a_forked_child_builds_models() -> None:
    """The filling thread of the parent does not exist in a forked child."""
    graph = build(example("nb201"), FIXED["nb201"])
    parent = build_module(graph)  # starts the parent's filling thread
    context = multiprocessing.get_context("fork")
    with context.Pool(1) as pool:
        child = pool.apply_async(_first_weight, (graph,)).get(timeout=120)
    assert torch.equal(torch.tensor(child), parent.layers[0].weight.detach())


def _first_weight(graph: object) -> list[float]:
    module = build_module(graph)  # type: ignore[arg-type]
    return module.layers[0].weight.detach().tolist()  # type: ignore[no-any-return]


def test_models_built_on_several_threads_at_once() -> None:
    graph = build(example("hnb201"), FIXED["hnb201"])
    interval = sys.getswitchinterval()
    with ThreadPoolExecutor(4) as pool:
        together = list(pool.map(lambda seed: build_module(graph, seed=seed), range(4)))
    assert sys.getswitchinterval() == interval
    for seed, model in enumerate(together):
        alone = build_module(graph, seed=seed)
        pairs = zip(model.state_dict().values(), alone.state_dict().values(), strict=True)
        assert all(torch.equal(a, b) for a, b in pairs)


def test_a_failing_build_restores_the_switch_interval(monkeypatch: pytest.MonkeyPatch) -> None:
    from nasc.backends._torch import model as model_module

    def fail(*args: object) -> None:
        assert sys.getswitchinterval() < interval  # shortened while building
        raise RuntimeError("a layer could not be made")

    interval = sys.getswitchinterval()
    monkeypatch.setattr(model_module, "_build", fail)
    with pytest.raises(RuntimeError, match="could not be made"):
        build_module(build(example("nb201"), FIXED["nb201"]))
    assert sys.getswitchinterval() == interval
