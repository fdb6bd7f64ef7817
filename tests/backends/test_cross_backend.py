"""torch, ONNX Runtime and Keras compute the same function from the same weights.

For every example space, sampled architectures in eval mode: the first with its
fresh weights (hNB201's too is trained), the others after a few SGD steps in torch (so batch-norm running
statistics and every weight are non-trivial). The reference is the torch model
in float64. Each float32 backend must be within 1e-4 of the reference output's
scale, or within 10x torch's own float32 error where the architecture amplifies
rounding beyond that (deep random networks, logs and divisions near zero); the
float64 Keras model must match the reference to 1e-6.
"""

from __future__ import annotations

import copy
import random

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="needs torch: pip install 'nasc[torch]'")
ort = pytest.importorskip("onnxruntime", reason="needs onnxruntime: pip install 'nasc[onnx]'")
pytest.importorskip("keras", reason="needs keras: pip install 'nasc[tensorflow]'")

from nasc.backends import _onnx, _tensorflow  # noqa: E402
from nasc.backends._torch import GraphModule, build_module  # noqa: E402
from nasc.backends._torch.weights import weights_from_module  # noqa: E402
from nasc.compiler.derive.sampling import sample  # noqa: E402
from nasc.compiler.graph import Graph, build  # noqa: E402
from tests.backends.op_cases import inputs, relative_error  # noqa: E402
from tests.compiler.graph_cases import example  # noqa: E402

# architectures per example (hNB201 models are deep: slow to build in Keras and to
# run in float64), and the batch each is compared on
PER_EXAMPLE = {"hnb201": 1, "nb201": 3, "activation": 3, "transformer": 3, "mnist1d": 3}
PER_EXAMPLE |= {"vit": 2, "mbconv": 2, "unet": 1}  # unet's per-pixel output is not trained here
BATCH = {"hnb201": 2}
CASES = [(name, k) for name, count in PER_EXAMPLE.items() for k in range(count)]


def _graph(name: str, k: int) -> Graph:
    """The k-th sampled architecture whose fresh model gives finite outputs (searched
    activations such as exp(cosh(x)) overflow float32 in many architectures)."""
    space = example(name)
    rng = random.Random(1000 + k)
    for _ in range(50):
        graph = build(space, sample(space, rng))
        x = torch.from_numpy(inputs(graph, batch=2))
        with torch.no_grad():
            if torch.isfinite(build_module(graph).eval()(x)).all():
                return graph
    raise AssertionError(f"no architecture of {name} with finite outputs in 50 draws")


def _train(module: GraphModule, graph: Graph, steps: int = 2, batch: int = 4) -> None:
    """A few SGD steps on random data and labels: moves weights and running statistics."""
    generator = torch.Generator().manual_seed(0)
    optimizer = torch.optim.SGD(module.parameters(), lr=0.01)
    classes = graph.output_shape.features
    module.train()
    for _ in range(steps):
        x = torch.randn((batch, *graph.input_shape.dims), generator=generator)
        labels = torch.randint(0, classes, (batch,), generator=generator)
        loss = torch.nn.functional.cross_entropy(module(x), labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    module.eval()


@pytest.mark.parametrize(("name", "k"), CASES, ids=[f"{n}-{k}" for n, k in CASES])
def test_backends_agree(name: str, k: int) -> None:
    graph = _graph(name, k)
    module = build_module(graph, seed=k)
    trained = k > 0 or name == "hnb201"
    if trained:
        _train(module, graph)
    module.eval()
    weights = weights_from_module(module)
    x = inputs(graph, batch=BATCH.get(name, 4), seed=k)
    with torch.no_grad():
        reference = copy.deepcopy(module).double()(torch.from_numpy(x).double()).numpy()
        own = relative_error(module(torch.from_numpy(x)).numpy(), reference)
    if not np.isfinite(reference).all():
        pytest.skip("the trained model overflows even in float64: nothing to compare")
    bound = max(1e-4, 10 * own)

    session = ort.InferenceSession(
        _onnx.build_module(graph, weights=weights).SerializeToString(),
        providers=["CPUExecutionProvider"],
    )
    onnx_error = relative_error(session.run(None, {"input": x})[0], reference)
    assert onnx_error <= bound, f"ONNX Runtime off by {onnx_error:.2e} (torch float32: {own:.2e})"

    keras_model = _tensorflow.build_module(graph, weights=weights)
    keras_error = relative_error(np.asarray(keras_model(x, training=False)), reference)
    assert keras_error <= bound, f"Keras off by {keras_error:.2e} (torch float32: {own:.2e})"

    if not trained:  # in float64 rounding cannot hide a difference in the function
        keras64 = _tensorflow.build_module(graph, weights=weights, dtype="float64")
        out64 = np.asarray(keras64(x.astype(np.float64), training=False))
        assert relative_error(out64, reference) < 1e-6
