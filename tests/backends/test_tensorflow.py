"""The TensorFlow backend: `.keras` files that load back and compute the same,
weights from a `.npz` weight set through `nasc compile`, weights read back from a
Keras model into the other backends, and clear errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

keras = pytest.importorskip("keras", reason="needs keras: pip install 'nasc[tensorflow]'")

from click.testing import CliRunner  # noqa: E402

from nasc.backends import _tensorflow  # noqa: E402
from nasc.compiler.cli import main  # noqa: E402
from nasc.compiler.derive.terms import format_term  # noqa: E402
from nasc.compiler.graph import Graph, build  # noqa: E402
from nasc.dsl import NascError  # noqa: E402
from tests.backends.op_cases import inputs, lively  # noqa: E402
from tests.compiler.graph_cases import (  # noqa: E402
    FIXED,
    activation,
    example,
    example_path,
    transformer,
)


@pytest.fixture(scope="module")
def graph() -> Graph:
    """A transformer with attention and an MLP: layouts other than images."""
    return build(example("transformer"), transformer(depth=1, mixer=0, ffn=2))


def test_saved_model_loads_back_and_computes_the_same(graph: Graph, tmp_path: Path) -> None:
    weights = lively(graph)
    path = tmp_path / "model.keras"
    _tensorflow.export(graph, path, weights=weights)
    model = _tensorflow.build_module(graph, weights=weights)
    loaded = keras.saving.load_model(str(path))
    x = inputs(graph, batch=2)
    np.testing.assert_allclose(np.asarray(loaded(x)), np.asarray(model(x)), rtol=1e-6, atol=1e-6)
    assert loaded.input_shape == (None, *graph.input_shape.dims)


def test_custom_layers_survive_saving(tmp_path: Path) -> None:
    """Learned scalars and elementwise layers are serialised with their state."""
    graph = build(example("activation"), activation(binop=9, unops=(6, 24)))  # wavg(mconst, const)
    weights = lively(graph)
    path = tmp_path / "act.keras"
    _tensorflow.export(graph, path, weights=weights)
    model = _tensorflow.build_module(graph, weights=weights)
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


@pytest.mark.parametrize("name", sorted(FIXED))
def test_weights_read_back_from_a_keras_model(name: str) -> None:
    """Every parameter of every example comes back in the neutral layout, exactly."""
    graph = build(example(name), FIXED[name])
    weights = lively(graph)
    model = _tensorflow.build_module(graph, weights=weights)
    back = _tensorflow.weights_from_model(model, graph)
    assert sorted(back) == sorted(weights)
    for key in weights:
        np.testing.assert_array_equal(back[key], weights[key], err_msg=str(key))


def test_read_back_covers_attention_and_learned_scalars() -> None:
    """The two layers whose weights are not one neutral array each."""
    for graph in (
        build(example("transformer"), transformer(depth=1, mixer=0, ffn=2)),
        build(example("activation"), activation(binop=9, unops=(6, 24))),
    ):
        weights = lively(graph)
        back = _tensorflow.weights_from_model(
            _tensorflow.build_module(graph, weights=weights), graph
        )
        assert sorted(back) == sorted(weights)
        assert all(np.array_equal(back[key], weights[key]) for key in weights)


def test_a_keras_file_carries_its_weights_into_onnx(graph: Graph, tmp_path: Path) -> None:
    ort = pytest.importorskip("onnxruntime", reason="needs onnxruntime: pip install 'nasc[onnx]'")
    weights = lively(graph, seed=3)
    trained = tmp_path / "trained.keras"
    _tensorflow.export(graph, trained, weights=weights)
    model = _tensorflow.build_module(graph, weights=weights)
    term = format_term(example("transformer"), transformer(depth=1, mixer=0, ffn=2))
    out = tmp_path / "model.onnx"
    args = ["compile", str(example_path("transformer")), "--arch", term, "--backend", "onnx"]
    result = CliRunner().invoke(main, [*args, "-o", str(out), "--weights", str(trained)])
    assert result.exit_code == 0, result.output
    x = inputs(graph, batch=2)
    got = ort.InferenceSession(str(out)).run(None, {"input": x})[0]
    np.testing.assert_allclose(got, np.asarray(model(x)), rtol=1e-5, atol=1e-5)


def test_a_keras_model_of_another_architecture_is_refused(graph: Graph, tmp_path: Path) -> None:
    other = build(example("transformer"), transformer(depth=1, mixer=0, ffn=1))
    path = tmp_path / "other.keras"
    _tensorflow.export(other, path)
    with pytest.raises(NascError) as caught:
        _tensorflow.read_weights(path, graph)
    assert {d.code for d in caught.value.diagnostics} == {"E800"}
    junk = tmp_path / "junk.keras"
    junk.write_bytes(b"not a keras file")
    with pytest.raises(NascError) as caught:
        _tensorflow.read_weights(junk, graph)
    assert caught.value.diagnostics[0].code == "E801"
