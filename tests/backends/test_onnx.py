"""The ONNX backend: files that pass onnx's full check, a dynamic batch, weights
that round-trip, weights carried over from torch, and clear errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

onnx = pytest.importorskip("onnx", reason="needs onnx: pip install 'nasc[onnx]'")
ort = pytest.importorskip("onnxruntime", reason="needs onnxruntime: pip install 'nasc[onnx]'")

from click.testing import CliRunner  # noqa: E402

from nasc.backends._onnx import OPSET, build_module, export, weights_from_model  # noqa: E402
from nasc.backends.weights import WeightSet, init_weights  # noqa: E402
from nasc.compiler.cli import main  # noqa: E402
from nasc.compiler.derive.terms import format_term, parse_term  # noqa: E402
from nasc.compiler.graph import Graph, build  # noqa: E402
from nasc.dsl import NascError  # noqa: E402
from tests.backends.op_cases import inputs, lively, op_graphs  # noqa: E402
from tests.compiler.graph_cases import example, example_path, mnist1d  # noqa: E402


def _graph() -> Graph:
    return build(example("mnist1d"), mnist1d(block=1, down=0, head=1))


def test_export_passes_the_full_check_and_runs_any_batch(tmp_path: Path) -> None:
    graph = _graph()
    path = tmp_path / "model.onnx"
    export(graph, path)
    model = onnx.load(str(path))
    onnx.checker.check_model(model, full_check=True)
    assert model.opset_import[0].version == OPSET
    assert [i.name for i in model.graph.input] == ["input"]
    assert [o.name for o in model.graph.output] == ["output"]
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    for batch in (1, 5):
        out = session.run(None, {"input": inputs(graph, batch)})[0]
        assert out.shape == (batch, *graph.output_shape.dims)


def test_shape_inference_finds_the_graphs_output_shape() -> None:
    for _, graph in op_graphs():
        inferred = onnx.shape_inference.infer_shapes(build_module(graph), strict_mode=True)
        dims = inferred.graph.output[0].type.tensor_type.shape.dim
        assert [d.dim_param or d.dim_value for d in dims] == ["batch", *graph.output_shape.dims]


def test_every_weight_is_an_initializer_and_reads_back() -> None:
    graph = _graph()
    weights = lively(graph)
    back = weights_from_model(build_module(graph, weights=weights))
    assert set(back) == set(weights)
    assert all(np.array_equal(back[key], weights[key]) for key in weights)


def test_the_same_seed_gives_the_same_model() -> None:
    graph = _graph()
    assert build_module(graph, seed=3) == build_module(graph, seed=3)
    assert build_module(graph, seed=3) != build_module(graph, seed=4)


def test_weights_of_another_architecture_are_refused_with_every_problem() -> None:
    graph = _graph()
    other = build(example("mnist1d"), mnist1d(block=0, down=2, head=0))
    with pytest.raises(NascError) as caught:
        build_module(graph, weights=init_weights(other))
    codes = {d.code for d in caught.value.diagnostics}
    assert codes == {"E800"} and len(caught.value.diagnostics) > 1


def test_a_damaged_weight_file_is_a_diagnostic(tmp_path: Path) -> None:
    bad = tmp_path / "weights.npz"
    bad.write_bytes(b"not a zip")
    with pytest.raises(NascError) as caught:
        WeightSet.load(bad)
    assert caught.value.diagnostics[0].code == "E801"


def test_compile_writes_onnx_with_weights_from_a_torch_state_dict(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch", reason="needs torch: pip install 'nasc[torch]'")
    from nasc.backends._torch.weights import module_with_weights

    stage = "Sequential(Sequential(relu, conv(kernel=3), batchnorm), max_pool(kernel=2, stride=2))"
    term = f"Sequential(conv(32, kernel=5), batchnorm, relu, {stage}, {stage}, Sequential(global_avg_pool, linear(10)))"
    space = example("mnist1d")
    graph = build(space, parse_term(space, term))
    module = module_with_weights(graph, lively(graph)).eval()
    torch.save(module.state_dict(), tmp_path / "model.pt")
    out = tmp_path / "model.onnx"
    args = ["compile", str(example_path("mnist1d")), "--arch", term, "--backend", "onnx"]
    result = CliRunner().invoke(
        main, [*args, "-o", str(out), "--weights", str(tmp_path / "model.pt")]
    )
    assert result.exit_code == 0, result.output
    assert "params:" in result.output
    x = inputs(graph)
    with torch.no_grad():
        expected = module(torch.from_numpy(x)).numpy()
    got = ort.InferenceSession(str(out)).run(None, {"input": x})[0]
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5 * np.abs(expected).max())


def test_an_onnx_file_carries_its_weights_into_torch(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch", reason="needs torch: pip install 'nasc[torch]'")
    space, derivation = example("mnist1d"), mnist1d(block=1, down=0, head=1)
    graph, term = build(space, derivation), format_term(space, derivation)
    trained = tmp_path / "trained.onnx"
    export(graph, trained, weights=lively(graph, seed=5))
    out = tmp_path / "model.pt2"
    args = ["compile", str(example_path("mnist1d")), "--arch", term, "--backend", "torch"]
    result = CliRunner().invoke(main, [*args, "-o", str(out), "--weights", str(trained)])
    assert result.exit_code == 0, result.output
    x = inputs(graph)
    expected = ort.InferenceSession(str(trained)).run(None, {"input": x})[0]
    got = torch.export.load(str(out)).module()(torch.from_numpy(x)).detach().numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5 * np.abs(expected).max())


def test_an_unreadable_onnx_file_is_a_diagnostic(tmp_path: Path) -> None:
    junk = tmp_path / "junk.onnx"
    junk.write_bytes(b"not a protobuf")
    args = ["compile", str(example_path("mnist1d")), "--sample", "--backend", "onnx"]
    result = CliRunner().invoke(
        main, [*args, "-o", str(tmp_path / "m.onnx"), "--weights", str(junk)]
    )
    assert result.exit_code != 0
    assert "E801" in result.output and "Traceback" not in result.output
