"""The operations added for U-Nets, ShuffleNets, MobileNets and ViTs compute what torch's
own modules compute (nn.ConvTranspose2d, nn.Upsample, nn.ChannelShuffle, nn.ReLU6, the ViT
token layout), with the Graph's parameter count."""

from __future__ import annotations

from pathlib import Path

import pytest

torch = pytest.importorskip("torch", reason="needs torch: pip install 'nasc[torch]'")

from torch import nn  # noqa: E402

from nasc.backends._torch import build_module  # noqa: E402
from nasc.compiler import build, check, parse_term, summarize  # noqa: E402


def _graph(tmp: Path, input_line: str, term: str):  # type: ignore[no-untyped-def]
    path = tmp / "op.nas"
    path.write_text(f"import std\n{input_line}\nNET ::= {term}\n")
    result = check(str(path))
    assert result.ok and result.space is not None, result.format()
    return build(result.space, parse_term(result.space, term))


def _run(graph, x):  # type: ignore[no-untyped-def]
    module = build_module(graph, seed=0).eval()
    with torch.no_grad():
        return module, module(x)


def test_conv_transpose_is_torchs(tmp_path: Path) -> None:
    graph = _graph(tmp_path, "input [3, 5, 6]", "conv_transpose(4, kernel=4, stride=2, bias=true)")
    assert graph.output_shape.dims == (4, 10, 12)
    x = torch.randn(2, 3, 5, 6)
    module, y = _run(graph, x)
    reference = nn.ConvTranspose2d(3, 4, 4, stride=2, padding=1, bias=True)
    layer = module.layers[0]
    reference.load_state_dict({"weight": layer.weight, "bias": layer.bias})
    assert torch.allclose(y, reference(x), atol=1e-5)
    assert summarize(graph).total_params == 3 * 4 * 16 + 4
    assert sum(p.numel() for p in module.parameters()) == 3 * 4 * 16 + 4


def test_upsample_is_nearest_neighbour(tmp_path: Path) -> None:
    graph = _graph(tmp_path, "input [2, 3, 4]", "upsample(scale=3)")
    x = torch.randn(2, 2, 3, 4)
    _, y = _run(graph, x)
    assert torch.equal(y, nn.Upsample(scale_factor=3, mode="nearest")(x))


def test_channel_shuffle_is_shufflenets(tmp_path: Path) -> None:
    graph = _graph(tmp_path, "input [6, 3, 3]", "channel_shuffle(groups=3)")
    x = torch.randn(2, 6, 3, 3)
    _, y = _run(graph, x)
    assert torch.equal(y, nn.ChannelShuffle(3)(x))


def test_relu6(tmp_path: Path) -> None:
    graph = _graph(tmp_path, "input [2, 4, 4]", "relu6")
    x = torch.randn(2, 2, 4, 4) * 10
    _, y = _run(graph, x)
    assert torch.equal(y, nn.ReLU6()(x))


def test_vit_patch_embedding_class_token_and_position(tmp_path: Path) -> None:
    """A ViT front end: 4x4 patches of a 3x8x8 image -> 4 tokens of width 5, a class
    token in front, positions added, the class token read out."""
    term = (
        "Sequential(conv(5, kernel=4, stride=4, bias=true), tokens, cls_token, pos_embed, cls_pool)"
    )
    graph = _graph(tmp_path, "input [3, 8, 8]", term)
    shapes = [node.shape.dims for node in graph.nodes]
    assert shapes == [(3, 8, 8), (5, 2, 2), (4, 5), (5, 5), (5, 5), (5,)]
    # parameters: patch conv 3*16*5 + 5, class token 5, positions 5 tokens x 5
    assert summarize(graph).total_params == 3 * 16 * 5 + 5 + 5 + 25
    x = torch.randn(2, 3, 8, 8)
    module, y = _run(graph, x)
    conv, cls, pos = module.layers[0], module.layers[2], module.layers[3]
    patches = nn.functional.conv2d(x, conv.weight, conv.bias, stride=4)  # [2, 5, 2, 2]
    seq = patches.flatten(2).transpose(1, 2)  # [2, 4, 5], row-major patches
    seq = torch.cat([cls.token.expand(2, 1, 5), seq], dim=1) + pos.embedding
    assert torch.allclose(y, seq[:, 0], atol=1e-6)


def test_to_image_undoes_tokens(tmp_path: Path) -> None:
    graph = _graph(tmp_path, "input [3, 4, 4]", "Sequential(tokens, to_image)")
    assert graph.output_shape.dims == (3, 4, 4)
    x = torch.randn(2, 3, 4, 4)
    _, y = _run(graph, x)
    assert torch.equal(y, x)


def test_shape_errors_of_the_new_ops(tmp_path: Path) -> None:
    def codes(input_line: str, term: str) -> list[str]:
        path = tmp_path / "bad.nas"
        path.write_text(f"import std\n{input_line}\nNET ::= {term}\n")
        return [d.code for d in check(str(path)).diagnostics]

    assert codes("input [3, 8, 8]", "conv_transpose(kernel=3, stride=2)") == ["E400"]
    assert codes("input [3, 8, 8]", "channel_shuffle(groups=2)") == ["E400"]
    assert codes("input sequence [5, 8]", "to_image") == ["E400"]
    assert codes("input [3, 8, 8]", "cls_token") == ["E400"]
    assert codes("input sequence [5, 8]", "upsample") == ["E400"]
    assert codes("input [4, 7, 8]", "factorized_reduce") == ["E400"]  # an odd size
    assert codes("input [4, 8, 8]", "factorized_reduce(5)") == ["E400"]  # odd channels


def test_squeeze_excite_is_the_se_block(tmp_path: Path) -> None:
    """Hu et al.'s block: global average pool, FC to C*ratio, ReLU, FC to C, sigmoid, scale."""
    graph = _graph(tmp_path, "input [8, 3, 3]", "squeeze_excite(ratio=0.25)")
    assert summarize(graph).total_params == (8 * 2 + 2) + (2 * 8 + 8)
    x = torch.randn(2, 8, 3, 3)
    module, y = _run(graph, x)
    se = module.layers[0]
    w1, b1, w2, b2 = se.down.weight, se.down.bias, se.up.weight, se.up.bias
    squeezed = x.mean(dim=(2, 3))
    gate = torch.sigmoid(torch.relu(squeezed @ w1.T + b1) @ w2.T + b2)
    assert torch.allclose(y, x * gate[:, :, None, None], atol=1e-6)


class _DartsFactorizedReduce(nn.Module):
    """FactorizedReduce as the DARTS code (Liu et al., operations.py) defines it."""

    def __init__(self, c_in: int, c_out: int) -> None:
        super().__init__()
        self.conv_1 = nn.Conv2d(c_in, c_out // 2, 1, stride=2, padding=0, bias=False)
        self.conv_2 = nn.Conv2d(c_in, c_out // 2, 1, stride=2, padding=0, bias=False)
        self.bn = nn.BatchNorm2d(c_out, affine=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = torch.relu(x)
        return self.bn(torch.cat([self.conv_1(x), self.conv_2(x[:, :, 1:, 1:])], dim=1))


def test_factorized_reduce_is_dartss(tmp_path: Path) -> None:
    graph = _graph(tmp_path, "input [6, 8, 10]", "factorized_reduce(channels=*2)")
    assert graph.output_shape.dims == (12, 4, 5)
    # two 1x1 convs of 6 -> 6 channels, and the 12-channel affine
    assert summarize(graph).total_params == 2 * 6 * 6 + 2 * 12
    x = torch.randn(2, 6, 8, 10)
    module = build_module(graph, seed=0)
    reference = _DartsFactorizedReduce(6, 12)
    reference.load_state_dict(module.layers[0].state_dict())
    module.train(), reference.train()
    torch.testing.assert_close(module(x), reference(x))  # batch statistics
    module.eval(), reference.eval()
    with torch.no_grad():
        torch.testing.assert_close(module(x), reference(x))  # running statistics


def test_a_binary_multiply_broadcasts_the_gate_of_squeeze_and_excitation(tmp_path: Path) -> None:
    """Hu et al.'s block written with a topology: x times a [C] gate, repeated over H, W."""
    term = "Binary(multi, id, Sequential(global_avg_pool, linear(2), relu, linear(8), sigmoid))"
    graph = _graph(tmp_path, "input [8, 3, 5]", term)
    assert graph.output_shape.dims == (8, 3, 5)
    assert summarize(graph).total_params == (8 * 2 + 2) + (2 * 8 + 8)
    x = torch.randn(2, 8, 3, 5)
    module, y = _run(graph, x)
    down, up = module.layers[1], module.layers[3]
    gate = torch.sigmoid(
        torch.relu(x.mean(dim=(2, 3)) @ down.weight.T + down.bias) @ up.weight.T + up.bias
    )
    assert torch.allclose(y, x * gate[:, :, None, None], atol=1e-6)
    # sub keeps its order: the image minus its per-channel mean
    _, centred = _run(_graph(tmp_path, "input [8, 3, 5]", "Binary(sub, id, global_avg_pool)"), x)
    assert torch.allclose(centred, x - x.mean(dim=(2, 3), keepdim=True), atol=1e-6)
