"""One contract, run for every backend: every op emits and runs, output shapes and
parameter counts are the Graph's, each op computes what the torch backend computes
(to 1e-5 of the output's scale, from the same weights, both in float32; torch's own
semantics are tested in test_torch_reference.py), and ops a backend lacks are all named."""

from __future__ import annotations

import importlib
from typing import Any, ClassVar

import numpy as np
import pytest

from nasc.backends.weights import WeightSet, parameter_count
from nasc.compiler.backend_registry import load_backend
from nasc.compiler.graph import Graph, IROp
from nasc.compiler.graph.cost import summarize
from nasc.compiler.graph.verify import verify
from nasc.dsl import NascError
from tests.backends.op_cases import inputs, lively, op_graphs, relative_error

CASES = op_graphs()
LABELS = [label for label, _ in CASES]


def _need(module: str, extra: str) -> Any:
    return pytest.importorskip(module, reason=f"needs {module}: pip install 'nasc[{extra}]'")


class BackendContract:
    """What every backend must do; a subclass says how to emit, run and count."""

    name: ClassVar[str]
    extra: ClassVar[str]

    @pytest.fixture
    def backend(self) -> Any:
        _need(self.extra if self.extra != "tensorflow" else "keras", self.extra)
        return load_backend(self.name)

    def emit(self, backend: Any, graph: Graph, weights: WeightSet) -> Any:
        raise NotImplementedError

    def run(self, model: Any, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def count(self, model: Any) -> int:
        """Learned parameters of the model (running statistics not counted)."""
        raise NotImplementedError

    def test_every_ir_op_is_covered(self) -> None:
        covered = set().union(*(graph.ops() for _, graph in CASES))
        assert covered == set(IROp) - {IROp.PLUGIN}  # plugins: tests/backends/test_plugins.py
        assert all(verify(graph) == [] for _, graph in CASES)

    @pytest.mark.parametrize(("label", "graph"), CASES, ids=LABELS)
    def test_op_emits_with_the_graphs_shape_and_function(
        self, backend: Any, label: str, graph: Graph
    ) -> None:
        torch = _need("torch", "torch")
        weights = lively(graph)
        model = self.emit(backend, graph, weights)
        x = inputs(graph)
        out = self.run(model, x)
        assert out.shape == (len(x), *graph.output_shape.dims)
        # float32, as every backend
        reference = load_backend("torch").build_module(graph, weights=weights).eval()
        with torch.no_grad():
            expected = reference(torch.from_numpy(x)).numpy()
        assert relative_error(out, expected) < 1e-5, label

    @pytest.mark.parametrize(("label", "graph"), CASES, ids=LABELS)
    def test_parameter_count_is_the_graphs(self, backend: Any, label: str, graph: Graph) -> None:
        model = self.emit(backend, graph, lively(graph))
        assert self.count(model) == summarize(graph).total_params == parameter_count(graph)

    def test_unmapped_ops_are_listed_at_once(
        self, backend: Any, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        graph = next(g for _, g in CASES if IROp.RESNET_BASIC in g.ops())
        table = dict(backend.TABLE)
        for op in (IROp.RESNET_BASIC, IROp.CONV, IROp.SIN):
            table.pop(op, None)
        monkeypatch.setattr(importlib.import_module(backend.missing_ops.__module__), "TABLE", table)
        mixed = next(g for lbl, g in CASES if "Bin(add, neg, sin)" in lbl)
        for broken in (graph, mixed):
            with pytest.raises(NascError) as caught:
                self.emit(backend, broken, lively(broken))
            message = str(caught.value)
            missing = [op for op in (IROp.RESNET_BASIC, IROp.CONV, IROp.SIN) if op in broken.ops()]
            assert all(f"'{op.value}'" in message for op in missing), message


class TestTorch(BackendContract):
    name, extra = "torch", "torch"

    def emit(self, backend: Any, graph: Graph, weights: WeightSet) -> Any:
        return backend.build_module(graph, weights=weights).eval()

    def run(self, model: Any, x: np.ndarray) -> np.ndarray:
        import torch

        with torch.no_grad():
            return np.asarray(model(torch.from_numpy(x)).numpy())

    def count(self, model: Any) -> int:
        return sum(p.numel() for p in model.parameters())


class TestOnnx(BackendContract):
    name, extra = "onnx", "onnx"

    def emit(self, backend: Any, graph: Graph, weights: WeightSet) -> Any:
        onnx = _need("onnx", "onnx")
        model = backend.build_module(graph, weights=weights)
        onnx.checker.check_model(model, full_check=True)
        return model

    def run(self, model: Any, x: np.ndarray) -> np.ndarray:
        ort = _need("onnxruntime", "onnx")
        session = ort.InferenceSession(
            model.SerializeToString(), providers=["CPUExecutionProvider"]
        )
        return np.asarray(session.run(None, {"input": x})[0])

    def count(self, model: Any) -> int:
        learned = [t for t in model.graph.initializer if "running_" not in t.name]
        return sum(int(np.prod(t.dims)) for t in learned)


class TestTensorflow(BackendContract):
    name, extra = "tensorflow", "tensorflow"

    def emit(self, backend: Any, graph: Graph, weights: WeightSet) -> Any:
        return backend.build_module(graph, weights=weights)

    def run(self, model: Any, x: np.ndarray) -> np.ndarray:
        return np.asarray(model(x, training=False))

    def count(self, model: Any) -> int:
        return sum(int(np.prod(w.shape)) for w in model.trainable_weights)
