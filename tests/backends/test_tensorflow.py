"""The TensorFlow backend: `.keras` files that load back and compute the same,
weights from a `.npz` weight set through `nasc compile`, and clear errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

keras = pytest.importorskip("keras", reason="needs keras: pip install 'nasc[tensorflow]'")

from click.testing import CliRunner  # noqa: E402

from nasc.backends import _tensorflow  # noqa: E402
from nasc.compiler.cli import main  # noqa: E402
from nasc.compiler.graph import Graph, build  # noqa: E402
from nasc.compiler.terms import format_term  # noqa: E402
from nasc.dsl import NascError  # noqa: E402
from tests.backends.op_cases import inputs, lively  # noqa: E402
from tests.compiler.graph_cases import activation, example, example_path, transformer  # noqa: E402


@pytest.fixture(scope="module")
def graph() -> Graph:
    """A transformer with attention and an MLP: layouts other than images."""
    return build(example("transformer"), transformer(depth=1, mixer=0, ffn=2))


def test_saved_model_loads_back_and_computes_the_same(graph: Graph, tmp_path: Path) -> None:
    weights = lively(graph)
    path = tmp_path / "model.keras"
    model = _tensorflow.export(graph, path, weights=weights)
    loaded = keras.saving.load_model(str(path))
    x = inputs(graph, batch=2)
    np.testing.assert_allclose(np.asarray(loaded(x)), np.asarray(model(x)), rtol=1e-6, atol=1e-6)
    assert loaded.input_shape == (None, *graph.input_shape.dims)


def test_custom_layers_survive_saving(tmp_path: Path) -> None:
    """Learned scalars and elementwise layers are serialised with their state."""
    graph = build(example("activation"), activation(binop=9, unops=(6, 24)))  # wavg(mconst, const)
    weights = lively(graph)
    path = tmp_path / "act.keras"
    model = _tensorflow.export(graph, path, weights=weights)
    loaded = keras.saving.load_model(str(path))
    x = inputs(graph, batch=1)
    np.testing.assert_allclose(np.asarray(loaded(x)), np.asarray(model(x)), rtol=1e-5, atol=1e-6)


def test_output_must_be_a_keras_file(graph: Graph, tmp_path: Path) -> None:
    with pytest.raises(NascError) as caught:
        _tensorflow.export(graph, tmp_path / "model.h5")
    assert caught.value.diagnostics[0].code == "E802"
    assert "model.keras" in caught.value.diagnostics[0].notes[0]


def test_compile_takes_a_weight_set(graph: Graph, tmp_path: Path) -> None:
    weights = lively(graph)
    weights.save(tmp_path / "w.npz")
    term = format_term(example("transformer"), transformer(depth=1, mixer=0, ffn=2))
    out = tmp_path / "model.keras"
    result = CliRunner().invoke(
        main,
        [
            "compile",
            str(example_path("transformer")),
            "--arch",
            term,
            "--backend",
            "tensorflow",
            "-o",
            str(out),
            "--weights",
            str(tmp_path / "w.npz"),
        ],
    )
    assert result.exit_code == 0, result.output
    expected = _tensorflow.build_module(graph, weights=weights)
    x = inputs(graph, batch=2)
    got = keras.saving.load_model(str(out))(x)
    np.testing.assert_allclose(np.asarray(got), np.asarray(expected(x)), rtol=1e-6, atol=1e-6)
