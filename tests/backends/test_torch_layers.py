"""Semantics of single ops: padding, pools, layer norm on channels, elementwise safety."""

from __future__ import annotations

import pytest

torch = pytest.importorskip(
    "torch", reason="the torch backend needs torch: pip install 'nasc[torch]'"
)

import torch.nn.functional as F  # noqa: E402

from nasc.backends._torch import elementwise as ew  # noqa: E402
from nasc.backends._torch.layers import Conv, Pool, layer_norm_channels  # noqa: E402
from nasc.compiler.ops import padded_size, padding  # noqa: E402


@pytest.mark.parametrize(
    ("size", "kernel", "stride", "dilation", "expected"),
    [
        (32, 3, 1, 1, (1, 1)),
        (32, 3, 2, 1, (0, 1)),
        (33, 3, 2, 1, (1, 1)),
        (40, 4, 1, 1, (1, 2)),
        (40, 3, 1, 2, (2, 2)),
        (32, 1, 2, 1, (0, 0)),
    ],
)
def test_same_tf_padding_is_tensorflow_style(
    size: int, kernel: int, stride: int, dilation: int, expected: tuple[int, int]
) -> None:
    assert padding(size, kernel, stride, dilation, "same_tf") == expected


@pytest.mark.parametrize(
    ("size", "kernel", "stride", "dilation"),
    [
        (32, 3, 1, 1),
        (32, 3, 2, 1),
        (33, 3, 2, 1),
        (40, 4, 1, 1),
        (40, 3, 1, 2),
        (32, 1, 2, 1),
        (7, 5, 3, 1),
        (9, 2, 2, 1),
        (16, 3, 2, 3),
    ],
)
def test_symmetric_padding_is_pytorchs(size: int, kernel: int, stride: int, dilation: int) -> None:
    before, after = padding(size, kernel, stride, dilation)
    assert before == after == (kernel - 1) * dilation // 2
    conv = torch.nn.Conv1d(1, 1, kernel, stride, before, dilation)
    assert conv(torch.zeros(1, 1, size)).shape[-1] == padded_size(size, kernel, stride, dilation)


def test_strided_conv_pads_as_pytorch_does() -> None:
    conv = Conv(2, 3, 3, (8, 8), stride=2)
    x = torch.randn(1, 2, 8, 8)
    torch.testing.assert_close(conv(x), F.conv2d(x, conv.weight, stride=2, padding=1))
    assert conv(x).shape == (1, 3, 4, 4)


def test_strided_same_tf_conv_pads_the_extra_at_the_end() -> None:
    conv = Conv(2, 3, 3, (8, 8), stride=2, padding_mode="same_tf")
    x = torch.randn(1, 2, 8, 8)
    expected = F.conv2d(F.pad(x, (0, 1, 0, 1)), conv.weight, stride=2)
    torch.testing.assert_close(conv(x), expected)
    assert conv(x).shape == (1, 3, 4, 4)


def test_symmetric_pools_are_pytorchs() -> None:
    x = torch.randn(2, 3, 9, 8)
    avg = torch.nn.AvgPool2d(3, 2, 1, count_include_pad=False)
    torch.testing.assert_close(Pool("avg", 3, 2, (9, 8))(x), avg(x))
    torch.testing.assert_close(Pool("max", 3, 2, (9, 8))(x), torch.nn.MaxPool2d(3, 2, 1)(x))
    torch.testing.assert_close(Pool("avg", 2, 2, (9, 8))(x), torch.nn.AvgPool2d(2, 2)(x))


def test_depthwise_and_dilated_convs_keep_the_size() -> None:
    conv = Conv(4, 4, 3, (10,), groups=4, dilation=2)
    assert conv.weight.shape == (4, 1, 3) and conv(torch.randn(2, 4, 10)).shape == (2, 4, 10)


def test_average_pool_does_not_count_padding_even_when_asymmetric() -> None:
    x = torch.arange(16.0).reshape(1, 1, 4, 4)
    pooled = Pool("avg", 2, 1, (4, 4), "same_tf")(x)  # padding (0, 1): the last row sees 2 or 1
    assert pooled.shape == (1, 1, 4, 4)
    assert pooled[0, 0, 0, 0] == (0 + 1 + 4 + 5) / 4
    assert pooled[0, 0, 3, 3] == 15  # only itself
    assert pooled[0, 0, 0, 3] == (3 + 7) / 2
    symmetric = Pool("avg", 3, 1, (4, 4))(x)
    assert symmetric[0, 0, 0, 0] == (0 + 1 + 4 + 5) / 4


def test_max_pool_pads_with_minus_infinity() -> None:
    x = -torch.ones(1, 1, 5)
    assert torch.equal(Pool("max", 2, 2, (5,), "same_tf")(x), -torch.ones(1, 1, 3))
    assert torch.equal(Pool("max", 3, 2, (5,))(x), -torch.ones(1, 1, 3))


def test_layer_norm_on_channels_normalises_each_position() -> None:
    x = torch.randn(2, 6, 3, 3)
    weight, bias = torch.randn(6), torch.randn(6)
    got = layer_norm_channels(x, weight, bias, eps=1e-5)
    expected = F.layer_norm(x.permute(0, 2, 3, 1), (6,), weight, bias, 1e-5).permute(0, 3, 1, 2)
    torch.testing.assert_close(got, expected)


EXTREMES = torch.tensor([-1e4, -30.0, -1.0, -1e-7, 0.0, 1e-7, 1.0, 30.0, 1e4])


@pytest.mark.parametrize("name", sorted(ew.UNARY))
def test_unary_operations_are_finite_with_finite_gradients(name: str) -> None:
    x = EXTREMES.clone().requires_grad_()
    y = ew.UNARY[name](x)
    if name in ("square", "cubic"):
        y = y / 1e12  # x^3 of 1e4 is finite but large; scale before summing
    y.sum().backward()
    assert torch.isfinite(y).all() and x.grad is not None and torch.isfinite(x.grad).all()


@pytest.mark.parametrize("name", sorted(ew.BINARY) + sorted(ew.SCALED_BINARY))
def test_binary_operations_are_finite_even_dividing_by_zero(name: str) -> None:
    x1 = EXTREMES.clone().requires_grad_()
    x2 = torch.tensor([0.0, -0.0, 1e-7, -1e-7, 0.0, 3.0, -1.0, 0.0, 2.0]).requires_grad_()
    if name in ew.BINARY:
        y = ew.BINARY[name](x1, x2)
    else:
        fn, initial = ew.SCALED_BINARY[name]
        y = fn(x1, x2, torch.tensor(initial))
    assert torch.isfinite(y).all(), y


def test_named_functions_match_their_std_definitions() -> None:
    x = torch.tensor([-2.0, 0.0, 0.5, 3.0])
    torch.testing.assert_close(ew.UNARY["sinc"](x), torch.where(x == 0, 1.0, torch.sin(x) / x))
    torch.testing.assert_close(ew.UNARY["logexp"](x), torch.log1p(torch.exp(x)))
    b = torch.tensor(0.0)
    torch.testing.assert_close(ew.SCALED_BINARY["wavg"][0](x, 2 * x, b), 1.5 * x)
    assert torch.equal(ew.SCALED_UNARY["const"][0](x, torch.tensor(2.0)), torch.full((4,), 2.0))
