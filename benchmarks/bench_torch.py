"""Building and running PyTorch models of sampled hNB201 architectures.

.venv/bin/python benchmarks/bench_torch.py [--archs 20] [--runs 5] [--rounds 3] [--threads 2]
                                          [--sampler uniform|pcfg] [--device cuda]

Prints, for sampled hNB201 architectures: the time to build the PyTorch model
(Graph + module, median over all rounds, with the two parts and each round's
median, since other work on the machine moves single figures), the warm eval forward time of a
64x3x32x32 batch, parameters and MACs; then, for one fixed NB201 architecture,
the forward time of the nasc model beside the same network written by hand.

The NePS reference figures (164 ms to build, 720 ms forward) are for the
architectures NePS samples, choosing each alternative with equal probability:
`--sampler pcfg` draws architectures that way; the default, uniform over all
architectures, favours the larger alternatives and gives networks about four
times the MACs.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from nasc.backends._torch import build_module
from nasc.compiler import load
from nasc.compiler.derive.derivation import Derivation
from nasc.compiler.derive.sampling import SAMPLERS, sample
from nasc.compiler.graph import build
from nasc.compiler.graph.cost import summarize

ROOT = Path(__file__).resolve().parent.parent
BATCH = (64, 3, 32, 32)


# ---- the fixed NB201 architecture, written by hand in plain PyTorch -------------------
# Cell(conv3x3, id, zero, id, conv3x3, conv1x1): node1 = conv3(x), node2 = x,
# out = x + conv3(node1) + conv1(x); every conv block is relu-conv-batchnorm.
CELL_OPS = (2, 0, 1, 0, 2, 3)  # OP alternatives of examples/nb201.nas


def relu_conv_bn(c: int, kernel: int) -> nn.Sequential:
    return nn.Sequential(
        nn.ReLU(), nn.Conv2d(c, c, kernel, padding=kernel // 2, bias=False), nn.BatchNorm2d(c)
    )


class HandCell(nn.Module):
    def __init__(self, c: int) -> None:
        super().__init__()
        self.a = relu_conv_bn(c, 3)
        self.e = relu_conv_bn(c, 3)
        self.f = relu_conv_bn(c, 1)

    def forward(self, x: Tensor) -> Tensor:
        return x + self.e(self.a(x)) + self.f(x)


class HandResBlock(nn.Module):
    """ResNet basic block, stride 2, channels doubled; `same` padding puts the extra at the end."""

    def __init__(self, c: int) -> None:
        super().__init__()
        self.conv_a = nn.Conv2d(c, 2 * c, 3, 2, bias=False)
        self.bn_a = nn.BatchNorm2d(2 * c)
        self.conv_b = nn.Conv2d(2 * c, 2 * c, 3, padding=1, bias=False)
        self.bn_b = nn.BatchNorm2d(2 * c)
        self.shortcut = nn.Sequential(nn.Conv2d(c, 2 * c, 1, 2, bias=False), nn.BatchNorm2d(2 * c))

    def forward(self, x: Tensor) -> Tensor:
        y = F.relu(self.bn_a(self.conv_a(F.pad(x, (0, 1, 0, 1)))))
        return F.relu(self.bn_b(self.conv_b(y)) + self.shortcut(x))


class HandNB201(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        layers: list[nn.Module] = [nn.Conv2d(3, 16, 3, padding=1, bias=False), nn.BatchNorm2d(16)]
        for stage, c in enumerate((16, 32, 64)):
            if stage:
                layers.append(HandResBlock(c // 2))
            layers.extend(HandCell(c) for _ in range(5))
        layers += [nn.BatchNorm2d(64), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten()]
        self.body = nn.Sequential(*layers, nn.Linear(64, 10))

    def forward(self, x: Tensor) -> Tensor:
        out: Tensor = self.body(x)
        return out


def nb201_derivation() -> Derivation:
    cell = Derivation("CELL", 0, tuple(Derivation("OP", op) for op in CELL_OPS))
    stage = Derivation("STAGE", 0, (cell,) * 5)
    return Derivation("NET", 0, (Derivation("STEM", 0), stage, stage, stage, Derivation("HEAD", 0)))


# ---- measuring ---------------------------------------------------------------------------


def forward_ms(model: nn.Module, x: Tensor, runs: int) -> list[float]:
    model.eval()
    times = []
    with torch.no_grad():
        model(x)  # warm-up
        for _ in range(runs):
            synchronize(x.device)
            start = time.perf_counter()
            model(x)
            synchronize(x.device)
            times.append((time.perf_counter() - start) * 1000)
    return times


def synchronize(device: torch.device) -> None:
    """Wait for the device's queued work (CUDA runs asynchronously)."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def timed(fn: Callable[[], object]) -> tuple[object, float]:
    start = time.perf_counter()
    out = fn()
    return out, (time.perf_counter() - start) * 1000


def sampled_hnb201(archs: int, runs: int, rounds: int, sampler: str, device: torch.device) -> None:
    space = load(str(ROOT / "examples" / "hnb201.nas"))
    derivations = [sample(space, random.Random(seed), sampler) for seed in range(archs)]
    build_module(build(space, derivations[0]))  # imports and first-call caches
    graph_times, module_times, forwards, params, macs, nodes = [], [], [], [], [], []
    round_medians = []
    for _ in range(rounds - 1):  # the last round is the one below, which also runs the models
        builds = []
        for derivation in derivations:
            graph, graph_ms = timed(lambda d=derivation: build(space, d))  # type: ignore[misc]
            _, module_ms = timed(lambda g=graph: build_module(g))  # type: ignore[misc]
            graph_times.append(graph_ms)
            module_times.append(module_ms)
            builds.append(graph_ms + module_ms)
        round_medians.append(statistics.median(builds))
    x = torch.randn(*BATCH, device=device)
    last_round, moves = [], []
    for derivation in derivations:
        graph, graph_ms = timed(lambda d=derivation: build(space, d))  # type: ignore[misc]
        model, module_ms = timed(lambda g=graph: build_module(g))  # type: ignore[misc]
        graph_times.append(graph_ms)
        module_times.append(module_ms)
        last_round.append(graph_ms + module_ms)
        summary = summarize(graph)  # type: ignore[arg-type]
        params.append(summary.total_params)
        macs.append(summary.total_macs)
        nodes.append(len(graph.nodes))  # type: ignore[attr-defined]
        if device.type != "cpu":
            start = time.perf_counter()
            model.to(device)  # type: ignore[attr-defined]
            synchronize(device)
            moves.append((time.perf_counter() - start) * 1000)
        if runs:
            forwards.append(statistics.median(forward_ms(model, x, runs)))  # type: ignore[arg-type]
    round_medians.append(statistics.median(last_round))
    builds = [g + m for g, m in zip(graph_times, module_times, strict=True)]
    print(
        f"hNB201, {archs} architectures sampled {sampler} ({min(nodes)}-{max(nodes)} graph nodes)"
    )
    print(
        f"  build (Graph + torch module): median {statistics.median(builds):.1f} ms "
        f"(Graph {statistics.median(graph_times):.1f} ms, module {statistics.median(module_times):.1f} ms); "
        f"reference 164 ms -> {164 / statistics.median(builds):.1f}x faster"
    )
    print("  build median of each round: " + ", ".join(f"{m:.1f} ms" for m in round_medians))
    print(
        f"  params: median {statistics.median(params):,.0f} (min {min(params):,}, max {max(params):,})"
    )
    print(
        f"  MACs per sample: median {statistics.median(macs) / 1e6:,.1f} M "
        f"(min {min(macs) / 1e6:,.1f} M, max {max(macs) / 1e6:,.1f} M)"
    )
    if moves:
        print(f"  model.to({device}): median {statistics.median(moves):.1f} ms")
    if forwards:
        print(
            f"  warm eval forward of {'x'.join(map(str, BATCH))} on {device}: "
            f"median {statistics.median(forwards):,.0f} ms "
            f"(min {min(forwards):,.0f}, max {max(forwards):,.0f}); reference 720 ms"
        )


def fixed_nb201(runs: int, device: torch.device) -> None:
    space = load(str(ROOT / "examples" / "nb201.nas"))
    graph = build(space, nb201_derivation())
    ours, hand = build_module(graph).to(device), HandNB201().to(device)
    ours_params = sum(p.numel() for p in ours.parameters())
    hand_params = sum(p.numel() for p in hand.parameters())
    assert ours_params == hand_params == summarize(graph).total_params
    x = torch.randn(*BATCH, device=device)
    ours_ms, hand_ms = [], []
    for _ in range(3):  # interleaved, so that load on the machine hits both alike
        ours_ms += forward_ms(ours, x, runs)
        hand_ms += forward_ms(hand, x, runs)
    o, h = statistics.median(ours_ms), statistics.median(hand_ms)
    print(f"NB201, fixed cell {CELL_OPS} ({len(graph.nodes)} graph nodes, {ours_params:,} params)")
    print(
        f"  warm eval forward of {'x'.join(map(str, BATCH))} on {x.device}: nasc {o:.0f} ms, "
        f"hand-written {h:.0f} ms, ratio {o / h:.3f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--archs", type=int, default=20)
    parser.add_argument("--runs", type=int, default=3, help="timed forward passes per model")
    parser.add_argument("--rounds", type=int, default=3, help="times each model is built")
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    parser.add_argument("--sampler", choices=SAMPLERS, default="uniform")
    parser.add_argument(
        "--device", type=torch.device, default="cpu", help="where the models run (cpu, cuda)"
    )
    args = parser.parse_args()
    if args.device.type == "cuda" and not torch.cuda.is_available():
        parser.error("--device cuda: this torch has no CUDA device here")
    if args.threads:
        torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    sampled_hnb201(args.archs, args.runs, max(args.rounds, 1), args.sampler, args.device)
    fixed_nb201(max(args.runs, 3), args.device)


if __name__ == "__main__":
    main()
