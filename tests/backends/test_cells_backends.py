"""The DARTS and NAS-Bench-101 examples compile to torch, ONNX and Keras and the three
compute the same function from the same weights (small inputs and channels, so the
test stays fast; the examples' own sizes are checked in tests/compiler/test_cells.py)."""

from __future__ import annotations

import copy
import random
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="needs torch: pip install 'nasc[torch]'")
ort = pytest.importorskip("onnxruntime", reason="needs onnxruntime: pip install 'nasc[onnx]'")
pytest.importorskip("keras", reason="needs keras: pip install 'nasc[tensorflow]'")

from nasc.backends import _onnx, _tensorflow  # noqa: E402
from nasc.backends._torch import build_module  # noqa: E402
from nasc.backends._torch.weights import weights_from_module  # noqa: E402
from nasc.compiler import check  # noqa: E402
from nasc.compiler.derive.derivation import validate  # noqa: E402
from nasc.compiler.graph import Graph, build  # noqa: E402
from nasc.compiler.space import Space  # noqa: E402
from tests.backends.op_cases import inputs, relative_error  # noqa: E402
from tests.backends.test_cross_backend import _train  # noqa: E402
from tests.compiler.test_cells import nb101_derivation  # noqa: E402
from tests.conftest import ROOT  # noqa: E402


def _small(tmp: Path, name: str, replacements: dict[str, str]) -> Space:
    text = (ROOT / "examples" / f"{name}.nas").read_text()
    for old, new in replacements.items():
        assert old in text
        text = text.replace(old, new)
    path = tmp / f"{name}.nas"
    path.write_text(text)
    result = check(str(path))
    assert result.ok, result.format()
    assert result.space is not None
    return result.space


def _agree(graph: Graph, seed: int) -> None:
    module = build_module(graph, seed=seed)
    _train(module, graph)
    weights = weights_from_module(module)
    x = inputs(graph, batch=2, seed=seed)
    with torch.no_grad():
        reference = copy.deepcopy(module).double()(torch.from_numpy(x).double()).numpy()
        out = module(torch.from_numpy(x)).numpy()
    own = relative_error(out, reference)
    bound = max(1e-4, 10 * own)
    session = ort.InferenceSession(
        _onnx.build_module(graph, weights=weights).SerializeToString(),
        providers=["CPUExecutionProvider"],
    )
    onnx_error = relative_error(session.run(None, {"input": x})[0], reference)
    assert onnx_error <= bound, f"ONNX Runtime off by {onnx_error:.2e} (torch: {own:.2e})"
    keras_model = _tensorflow.build_module(graph, weights=weights)
    keras_error = relative_error(np.asarray(keras_model(x, training=False)), reference)
    assert keras_error <= bound, f"Keras off by {keras_error:.2e} (torch: {own:.2e})"


def test_darts_runs_alike_on_every_backend(tmp_path: Path) -> None:
    space = _small(tmp_path, "darts", {"input [3, 32, 32]": "input [3, 8, 8]"})
    graph = build(space, space.sample(seed=4))
    assert graph.output_shape.dims == (10,)
    _agree(graph, seed=1)


def test_nb101_runs_alike_on_every_backend(tmp_path: Path) -> None:
    space = _small(
        tmp_path,
        "nb101",
        {
            "input [3, 32, 32]": "input [3, 8, 8]",
            "conv(128, kernel=3)": "conv(8, kernel=3)",
            "CELL(128)": "CELL(8)",
            "CELL(256)": "CELL(16)",
            "CELL(512)": "CELL(32)",
        },
    )
    rng = random.Random(0)
    pairs = [(i, j) for j in range(7) for i in range(j)]
    while True:  # a random valid cell: at most 9 edges, the output reached
        matrix = set(rng.sample(pairs, 7))
        d = nb101_derivation(space, matrix, [rng.randrange(3) for _ in range(5)], channels=8)
        if not validate(space, d):
            break
    graph = build(space, d)
    assert graph.output_shape.dims == (10,)
    _agree(graph, seed=2)
