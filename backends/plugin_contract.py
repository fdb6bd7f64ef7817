"""The conformance test class for plugin primitives (`nasc.compiler.plugins`).

A plugin's own tests subclass `PluginContract`, name a space and the terms that use
the plugin, and pytest runs, for every backend the plugin lowers (and that is
installed), that the backend's model has the Graph's output shape (the plugin's shape
rule), computes what the torch lowering computes from the same weights, and that its
weights go into the model and come back exactly, also through the backend's own file::

    from nasc.backends.plugin_contract import PluginContract

    class TestChannelScale(PluginContract):
        space = "input [4, 6, 6]"
        terms = ("channel_scale", "channel_scale(offset=1.0)")
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pytest
from numpy.typing import NDArray

from nasc.backends.plugins import lowering_of
from nasc.backends.weights import WeightSet, param_specs, parameter_count
from nasc.compiler import build, check, parse_term
from nasc.compiler.backend_registry import BUILTIN, Backend, load_backend
from nasc.compiler.graph import Graph, IROp

_NEEDS = {"torch": "torch", "onnx": "onnxruntime", "tensorflow": "keras"}


def _run(name: str, model: Any, x: NDArray[np.float32]) -> NDArray[Any]:
    """The model's output on ``x`` in evaluation mode, as numpy."""
    if name == "torch":
        import torch

        with torch.no_grad():
            return np.asarray(model.eval()(torch.from_numpy(x)).numpy())
    if name == "onnx":
        import onnxruntime

        session = onnxruntime.InferenceSession(
            model.SerializeToString(), providers=["CPUExecutionProvider"]
        )
        return np.asarray(session.run(None, {"input": x})[0])
    return np.asarray(model(x, training=False))


class PluginContract:
    """What every plugin primitive must do; a subclass sets ``space`` and ``terms``."""

    space: ClassVar[str] = "input [4, 6, 6]"
    """The space's lines before its rule (at least its `input`); `import std` is added."""
    terms: ClassVar[tuple[str, ...]] = ()
    """Terms of one primitive each (or small networks) that use the plugin."""

    @pytest.fixture(params=sorted(BUILTIN))
    def backend(self, request: pytest.FixtureRequest) -> Backend:
        name: str = request.param
        if importlib.util.find_spec(_NEEDS[name]) is None:
            pytest.skip(f"the {name} backend needs {_NEEDS[name]}")
        return load_backend(name)

    def graphs(self, tmp_path: Path, backend: Backend) -> list[Graph]:
        """The Graph of every term whose plugins ``backend`` lowers (skips when none)."""
        if not self.terms:
            pytest.fail("a PluginContract subclass must list the terms to check in `terms`")
        path = tmp_path / "plugin.nas"
        alternatives = " | ".join(self.terms)
        path.write_text(f"import std\n{self.space}\nNET ::= {alternatives}\n", encoding="utf-8")
        result = check(str(path))
        assert result.ok and result.space is not None, result.format()
        found = []
        for term in self.terms:
            graph = build(result.space, parse_term(result.space, term))
            assert IROp.PLUGIN in graph.ops(), f"{term} uses no plugin primitive"
            if lowering_of_all(graph, backend.NAME):
                found.append(graph)
        if not found:
            pytest.skip(f"no term's plugins have a {backend.NAME} lowering")
        return found

    @staticmethod
    def weights(graph: Graph, seed: int = 0) -> WeightSet:
        """Random weights for every tensor (running variances positive)."""
        rng = np.random.default_rng(seed)
        arrays = {}
        for spec in param_specs(graph):
            values = rng.standard_normal(spec.shape) * 0.5
            if spec.name.endswith("running_var"):
                values = np.abs(values) + 0.5
            arrays[spec.node, spec.name] = values
        return WeightSet(arrays)

    def test_the_shape_rule_is_each_backends(self, backend: Backend, tmp_path: Path) -> None:
        for graph in self.graphs(tmp_path, backend):
            self.check_function(backend, graph)

    def check_function(self, backend: Backend, graph: Graph) -> None:
        weights = self.weights(graph)
        rng = np.random.default_rng(1)
        x = rng.standard_normal((2, *graph.input_shape.dims)).astype(np.float32)
        out = _run(backend.NAME, backend.build_module(graph, 0, weights), x)
        assert out.shape == (2, *graph.output_shape.dims)
        if backend.NAME != "torch" and lowering_of_all(graph, "torch"):
            torch_backend = load_backend("torch")
            reference = _run("torch", torch_backend.build_module(graph, 0, weights), x)
            scale = max(float(np.abs(reference).max()), 1e-12)
            assert float(np.abs(out - reference).max()) / scale < 1e-5

    def test_weights_round_trip(self, backend: Backend, tmp_path: Path) -> None:
        for number, graph in enumerate(self.graphs(tmp_path, backend)):
            self.check_weights(backend, graph, tmp_path / f"model{number}")

    def check_weights(self, backend: Backend, graph: Graph, stem: Path) -> None:
        weights = self.weights(graph, seed=2)
        back = backend.weights_of(backend.build_module(graph, 0, weights), graph)
        assert _same(back, weights)
        assert sum(a.size for a in back.values()) >= parameter_count(graph)
        path = stem.with_suffix(backend.SUFFIXES[0])
        backend.export(graph, path, 0, weights)
        assert _same(backend.read_weights(path, graph), weights)


def lowering_of_all(graph: Graph, backend: str) -> bool:
    """Whether every plugin primitive of ``graph`` has a lowering for ``backend``."""
    names = {str(n.attr("primitive")) for n in graph.nodes if n.op is IROp.PLUGIN}
    return all(lowering_of(name, backend) is not None for name in names)


def _same(a: WeightSet, b: WeightSet) -> bool:
    return sorted(a) == sorted(b) and all(np.array_equal(a[k], b[k]) for k in a)
