"""A sampled hNB201 model exports with torch.export and runs under torch.compile."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

torch = pytest.importorskip(
    "torch", reason="the torch backend needs torch: pip install 'nasc[torch]'"
)

from nasc.backends._torch import build_module, export  # noqa: E402
from nasc.compiler.derive.sampling import sample  # noqa: E402
from nasc.compiler.graph import build  # noqa: E402
from tests.compiler.graph_cases import FIXED, example  # noqa: E402


def test_exported_sampled_hnb201_matches_the_module(tmp_path: Path) -> None:
    space = example("hnb201")
    graph = build(space, sample(space, random.Random(33)))
    model = build_module(graph, seed=33).eval()
    path = tmp_path / "hnb201.pt2"
    export(graph, path, module=model)
    program = torch.export.load(str(path))
    x = torch.randn(3, *graph.input_shape.dims)  # another batch size than the example's
    with torch.no_grad():
        torch.testing.assert_close(program.module()(x), model(x))


def test_torch_compile_traces_the_graph_module() -> None:
    graph = build(example("mnist1d"), FIXED["mnist1d"])
    model = build_module(graph).eval()
    compiled = torch.compile(model, backend="eager", fullgraph=True)
    x = torch.randn(4, *graph.input_shape.dims)
    with torch.no_grad():
        torch.testing.assert_close(compiled(x), model(x))


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device here")
def test_model_moves_to_cuda_and_agrees_with_cpu() -> None:
    graph = build(example("nb201"), FIXED["nb201"])
    model = build_module(graph).eval()
    x = torch.randn(8, *graph.input_shape.dims)
    with torch.no_grad():
        expected = model(x)
        got = model.to("cuda")(x.to("cuda")).cpu()
    torch.testing.assert_close(got, expected, rtol=1e-3, atol=1e-3)


@pytest.mark.parametrize("name", sorted(FIXED))
def test_model_moves_to_another_device_whole(name: str) -> None:
    """Every tensor moves with `model.to(device)` and the forward pass makes nothing on
    the CPU: checked on the meta device, which exists on every machine."""
    graph = build(example(name), FIXED[name])
    model = build_module(graph).to("meta")
    assert all(t.device.type == "meta" for t in (*model.parameters(), *model.buffers()))
    assert all(isinstance(p, torch.nn.Parameter) for p in model.parameters())
    out = model(torch.empty(2, *graph.input_shape.dims, device="meta"))
    assert out.device.type == "meta" and tuple(out.shape) == (2, *graph.output_shape.dims)
