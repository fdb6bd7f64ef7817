"""Emit time per backend and CPU inference time of the emitted models, on sampled
hNB201 architectures: torch eager vs ONNX Runtime vs Keras (TensorFlow) called eagerly,
in graph mode (`tf.function`) and, with --xla, compiled by XLA (`jit_compile`); one
batch of 64x3x32x32, the same weights in all. Graph tracing and XLA compilation happen
in the untimed warm-up run.

.venv/bin/python benchmarks/bench_backends.py [--n 20] [--repeat 3] [--batch 64] [--xla]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np
import onnxruntime as ort
import tensorflow as tf
import torch

from nasc.backends import _onnx, _tensorflow
from nasc.backends._torch import build_module
from nasc.backends._torch.weights import weights_from_module
from nasc.compiler import load
from nasc.compiler.derive.sampling import sample
from nasc.compiler.graph import Graph, build

ROOT = Path(__file__).resolve().parent.parent


def best_of(repeat: int, run: Callable[[], object]) -> float:
    """The fastest of ``repeat`` runs after one warm-up, in seconds."""
    run()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def timed(make: Callable[[], object]) -> tuple[float, object]:
    start = time.perf_counter()
    made = make()
    return time.perf_counter() - start, made


def measure(graph: Graph, index: int, args: argparse.Namespace) -> tuple[list[float], list[float]]:
    """Emit seconds (torch, ONNX, Keras) and inference seconds (torch eager, ONNX
    Runtime, Keras) of one architecture."""
    emit_torch, module = timed(lambda: build_module(graph).eval())
    weights = weights_from_module(module)  # type: ignore[arg-type]
    emit_onnx, proto = timed(lambda: _onnx.build_module(graph, weights=weights))
    emit_keras, keras_model = timed(lambda: _tensorflow.build_module(graph, weights=weights))

    x = np.random.default_rng(index).standard_normal((args.batch, 3, 32, 32), np.float32)
    tx = torch.from_numpy(x)
    options = ort.SessionOptions()
    options.intra_op_num_threads = torch.get_num_threads()
    session = ort.InferenceSession(
        proto.SerializeToString(),  # type: ignore[attr-defined]
        options,
        providers=["CPUExecutionProvider"],
    )
    with torch.no_grad():
        eager = best_of(args.repeat, lambda: module(tx))  # type: ignore[operator]
    onnx_runtime = best_of(args.repeat, lambda: session.run(None, {"input": x}))
    keras = best_of(args.repeat, lambda: keras_model(x, training=False))  # type: ignore[operator]
    graph_mode = tf.function(lambda t: keras_model(t, training=False))  # type: ignore[operator]
    runs = [eager, onnx_runtime, keras, best_of(args.repeat, lambda: graph_mode(x))]
    if args.xla:
        xla = tf.function(lambda t: keras_model(t, training=False), jit_compile=True)  # type: ignore[operator]
        runs.append(best_of(args.repeat, lambda: xla(x)))
    return [emit_torch, emit_onnx, emit_keras], runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20, help="architectures")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per model")
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--xla", action="store_true", help="also time Keras under XLA")
    args = parser.parse_args()

    space = load(str(ROOT / "examples" / "hnb201.nas"))
    rng = random.Random(args.seed)
    emits: list[list[float]] = []
    runs: list[list[float]] = []
    for index in range(args.n):
        graph = build(space, sample(space, rng))
        emit, run = measure(graph, index, args)
        emits.append(emit)
        runs.append(run)
        print(f"architecture {index + 1}/{args.n}: {len(graph.nodes)} nodes", flush=True)

    threads = torch.get_num_threads()
    print(f"\n{args.n} hNB201 architectures, {os.cpu_count()} CPUs, {threads} threads")
    print("emit (model built from the Graph, weights set), median / max:")
    for k, name in enumerate(("torch", "onnx", "keras")):
        values = [e[k] for e in emits]
        median, most = statistics.median(values) * 1000, max(values) * 1000
        print(f"  {name:13s} {median:8.1f} ms / {most:8.1f} ms")
    print(f"inference of one {args.batch}x3x32x32 batch, median over architectures:")
    base = statistics.median(r[0] for r in runs)
    names = ["torch eager", "onnx runtime", "keras eager", "keras graph"]
    for k, name in enumerate(names + ["keras xla"] * args.xla):
        median = statistics.median(r[k] for r in runs)
        print(f"  {name:13s} {median * 1000:8.1f} ms  ({base / median:.2f}x torch eager)")


if __name__ == "__main__":
    main()
