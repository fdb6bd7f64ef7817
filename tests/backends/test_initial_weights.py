"""The same seed gives the same initial weights in every backend, without `--weights`.

`init_weights` is the one definition: PyTorch's published default layer
initialisation (kaiming-uniform with a = sqrt(5), i.e. uniform in
±1/sqrt(fan_in), for convolution and linear weights and biases; xavier-uniform
for attention's input projection; norms at identity). For one sampled
architecture of every example space, the fresh torch, ONNX Runtime and Keras
models of the same seed compute the same outputs (to 1e-5 of the output's scale,
or 10x torch's own float32 error where a deep network amplifies rounding);
another seed gives others.
"""

from __future__ import annotations

import math
import random

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="needs torch: pip install 'nasc[torch]'")
ort = pytest.importorskip("onnxruntime", reason="needs onnxruntime: pip install 'nasc[onnx]'")
pytest.importorskip("keras", reason="needs keras: pip install 'nasc[tensorflow]'")

from nasc.backends import _onnx, _tensorflow  # noqa: E402
from nasc.backends._torch import build_module  # noqa: E402
from nasc.backends._torch.weights import weights_from_module  # noqa: E402
from nasc.backends.weights import init_weights, param_specs  # noqa: E402
from nasc.compiler.derive.sampling import sample  # noqa: E402
from nasc.compiler.graph import Graph, IROp, build  # noqa: E402
from tests.backends.op_cases import inputs, relative_error  # noqa: E402
from tests.compiler.graph_cases import example  # noqa: E402
from tests.conftest import ROOT  # noqa: E402

EXAMPLES = sorted(path.stem for path in (ROOT / "examples").glob("*.nas"))


def _graph(name: str) -> Graph:
    """One sampled architecture whose fresh model gives finite, non-constant outputs."""
    space = example(name)
    rng = random.Random(7)
    for _ in range(30):
        graph = build(space, sample(space, rng))
        with torch.no_grad():
            out = build_module(graph, seed=3).eval()(torch.from_numpy(inputs(graph, batch=2)))
        if torch.isfinite(out).all() and float(out.std()) > 0:
            return graph
    raise AssertionError(f"no architecture of {name} with finite outputs in 30 draws")


def _outputs(graph: Graph, seed: int, x: np.ndarray) -> dict[str, np.ndarray]:
    with torch.no_grad():
        by_torch = build_module(graph, seed=seed).eval()(torch.from_numpy(x)).numpy()
    session = ort.InferenceSession(
        _onnx.build_module(graph, seed=seed).SerializeToString(),
        providers=["CPUExecutionProvider"],
    )
    by_onnx = session.run(None, {"input": x})[0]
    by_keras = np.asarray(_tensorflow.build_module(graph, seed=seed)(x, training=False))
    return {"torch": by_torch, "onnx": by_onnx, "keras": by_keras}


@pytest.mark.parametrize("name", EXAMPLES)
def test_fresh_models_of_one_seed_agree(name: str) -> None:
    graph = _graph(name)
    x = inputs(graph, batch=2, seed=1)
    first = _outputs(graph, 3, x)
    with torch.no_grad():  # torch in float64: how much float32 rounding alone moves
        model = build_module(graph, seed=3).eval().double()
        reference = model(torch.from_numpy(x).double()).numpy()
    bound = max(1e-5, 10 * relative_error(first["torch"], reference))
    for backend in ("onnx", "keras"):
        error = relative_error(first[backend], reference)
        assert error <= bound, f"{backend} differs from torch by {error:.2e} for seed 3"
    other = build_module(graph, seed=4).eval()
    with torch.no_grad():
        moved = other(torch.from_numpy(x)).numpy()
    assert relative_error(moved, first["torch"].astype(np.float64)) > 1e-3, "seeds 3 and 4 agree"


@pytest.mark.parametrize("name", ["hnb201", "transformer"])
def test_torch_holds_exactly_the_neutral_draw(name: str) -> None:
    graph = _graph(name)
    held, drawn = weights_from_module(build_module(graph, seed=11)), init_weights(graph, 11)
    assert set(held) == set(drawn)
    assert all(np.array_equal(held[key], drawn[key]) for key in drawn)


def test_the_draw_follows_pytorchs_default_initialisation() -> None:
    """Bounds from torch.nn.init's documentation: kaiming_uniform(a=sqrt(5)) and the
    bias rule give ±1/sqrt(fan_in); xavier_uniform gives ±sqrt(6/(fan_in+fan_out))."""
    graph = _graph("transformer")
    weights = init_weights(graph, 0)
    checked = set()
    for spec in param_specs(graph):
        values = weights[spec.node, spec.name]
        op = graph.nodes[spec.node].op
        if spec.name.endswith(("running_mean", "running_var")) or op is IROp.LAYERNORM:
            expected = 1.0 if spec.name.endswith(("weight", "running_var")) else 0.0
            assert (values == expected).all(), (op, spec.name)
            continue
        if spec.name == "in_proj.weight":
            fan_out, fan_in = spec.shape
            bound = math.sqrt(6 / (fan_in + fan_out))
        elif spec.name.endswith("bias") and op is IROp.ATTENTION:
            assert (values == 0).all()
            continue
        else:
            bound = 1 / math.sqrt(spec.fan_in)
        assert np.abs(values).max() <= bound
        if values.size >= 1000:  # uniform in ±bound: mean 0, variance bound²/3
            assert abs(values.mean()) < 0.05 * bound
            assert values.var() == pytest.approx(bound**2 / 3, rel=0.1)
            checked.add(spec.name)
    assert {"in_proj.weight", "weight"} <= checked


def test_seeds_and_graphs_draw_independently() -> None:
    graph = _graph("mnist1d")
    a, b = init_weights(graph, 0), init_weights(graph, 1)
    assert any(not np.array_equal(a[key], b[key]) for key in a)
    assert all(np.array_equal(a[key], init_weights(graph, 0)[key]) for key in a)
