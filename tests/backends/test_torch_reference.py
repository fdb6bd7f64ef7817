"""Fixed architectures written by hand in plain PyTorch: same parameter count, same function.

NAS-Bench-201 and hNB201 have their own, fuller reference in test_nb201_reference.py.
"""

from __future__ import annotations

import pytest

torch = pytest.importorskip(
    "torch", reason="the torch backend needs torch: pip install 'nasc[torch]'"
)

import torch.nn.functional as F  # noqa: E402
from torch import Tensor, nn  # noqa: E402

from nasc.backends._torch import build_module  # noqa: E402
from nasc.compiler.graph import build  # noqa: E402
from nasc.compiler.graph.cost import summarize  # noqa: E402
from tests.compiler.graph_cases import (  # noqa: E402
    UMAX,
    activation,
    example,
    mnist1d,
)


def _conv_bn(c_in: int, c_out: int, kernel: int, stride: int = 1) -> list[nn.Module]:
    return [nn.Conv2d(c_in, c_out, kernel, stride, kernel // 2, bias=False), nn.BatchNorm2d(c_out)]


class BasicBlock(nn.Module):
    """ResNet basic block; ``skip_first`` registers the projection before the second conv."""

    def __init__(self, c_in: int, c_out: int, stride: int, skip_first: bool = False) -> None:
        super().__init__()
        self.a = nn.Sequential(*_conv_bn(c_in, c_out, 3, stride))
        skip = nn.Sequential(*_conv_bn(c_in, c_out, 1, stride)) if c_in != c_out else None
        if skip_first:
            self.skip = skip
        self.b = nn.Sequential(*_conv_bn(c_out, c_out, 3))
        self.skip = skip
        self.act = nn.ReLU()

    def forward(self, x: Tensor) -> Tensor:
        skip = x if self.skip is None else self.skip(x)
        return self.act(self.b(self.act(self.a(x))) + skip)


class ResNet20(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        layers: list[nn.Module] = [*_conv_bn(3, 16, 3), nn.ReLU()]
        for stage, c in enumerate((16, 32, 64)):
            for block in range(3):
                down = stage > 0 and block == 0
                layers.append(
                    BasicBlock(c // 2 if down else c, c, 2 if down else 1, skip_first=True)
                )
        self.body = nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 10))

    def forward(self, x: Tensor) -> Tensor:
        out: Tensor = self.body(x)
        return out


class MNIST1D(nn.Module):
    """Stem, then twice relu-conv3-bn and a stride-2 conv with PyTorch's padding=1."""

    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Sequential(nn.Conv1d(1, 32, 5, padding=2, bias=False), nn.BatchNorm1d(32))
        stages: list[nn.Module] = []
        for c in (32, 64):
            stages += [nn.ReLU(), nn.Conv1d(c, c, 3, padding=1, bias=False), nn.BatchNorm1d(c)]
            stages.append(nn.Conv1d(c, 2 * c, 3, 2, 1, bias=False))
            stages.append(nn.BatchNorm1d(2 * c))
        self.body = nn.Sequential(*stages)
        self.head = nn.Sequential(nn.Flatten(), nn.Dropout(0.1), nn.Linear(128 * 10, 10))

    def forward(self, x: Tensor) -> Tensor:
        out: Tensor = self.head(self.body(F.relu(self.stem(x))))
        return out


CASES = {
    "resnet20": (ResNet20, "activation", activation(binop=None, unops=(UMAX,))),
    "mnist1d": (MNIST1D, "mnist1d", mnist1d(block=0, down=2, head=1)),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_hand_written_network_has_the_same_parameters_and_output(case: str) -> None:
    make, space, derivation = CASES[case]
    graph = build(example(space), derivation)
    model = build_module(graph)
    reference = make()
    ours, theirs = list(model.parameters()), list(reference.parameters())
    assert sum(p.numel() for p in ours) == sum(p.numel() for p in theirs)
    assert sum(p.numel() for p in ours) == summarize(graph).total_params
    with torch.no_grad():
        for mine, hand in zip(ours, theirs, strict=True):
            assert mine.shape == hand.shape
            hand.copy_(mine)
    x = torch.randn(4, *graph.input_shape.dims)
    for train in (True, False):
        model.train(train)
        reference.train(train)
        torch.manual_seed(0)
        expected = reference(x)
        torch.manual_seed(0)
        torch.testing.assert_close(model(x), expected, rtol=1e-4, atol=1e-5)
