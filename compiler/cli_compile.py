"""`nasc compile` (an architecture to a model file) and `nasc show` (its Graph)."""

from __future__ import annotations

import importlib
import random
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import click

from nasc.compiler.backend_registry import available_backends, load_backend
from nasc.compiler.checking import check
from nasc.compiler.cli import fail, parse_sets, set_option
from nasc.compiler.cost import summarize
from nasc.compiler.derivation import Derivation
from nasc.compiler.graph import Graph, build
from nasc.compiler.graph_text import graph_dot, graph_text
from nasc.compiler.output_files import (
    GRAPH_DOT,
    GRAPH_TEXT,
    PNG,
    model_kind,
    output_file,
    write_output,
)
from nasc.compiler.sampling import SAMPLERS, sample
from nasc.compiler.space import Space
from nasc.compiler.terms import format_term, parse_term
from nasc.dsl import STD_DISPLAY_PATH, NascError
from nasc.dsl.diagnostics import error
from nasc.dsl.files import read_bytes


def _architecture_options(func: Callable[..., Any]) -> Callable[..., Any]:
    options: list[Callable[[Callable[..., Any]], Callable[..., Any]]] = [
        click.argument("space", type=click.Path(dir_okay=False)),
        click.option(
            "--arch",
            "term",
            metavar="TERM",
            help="The architecture's term; @FILE reads it from a file.",
        ),
        click.option("--sample", "draw", is_flag=True, help="Draw an architecture instead."),
        click.option(
            "--seed", type=int, default=0, show_default=True, help="Seed of --sample and init."
        ),
        click.option(
            "--sampler", type=click.Choice(SAMPLERS), default="uniform", show_default=True
        ),
        set_option,
    ]
    for option in reversed(options):
        func = option(func)
    return func


def read_term_file(path: str) -> str:
    """The term in the file ``path`` (``--arch @FILE``); E605 when it cannot be read."""
    data = read_bytes(path, "E605")
    try:
        return data.decode("utf-8-sig").strip()
    except UnicodeDecodeError as exc:
        raise NascError(
            error("E605", f"'{path}' is not UTF-8 text (byte offset {exc.start})", None)
        ) from None


_FORCE = click.option(
    "--force",
    is_flag=True,
    help="Replace an existing output file that is not of the output's kind.",
)


def architecture(
    path: str,
    sets: tuple[str, ...],
    term: str | None,
    draw: bool,
    seed: int,
    sampler: str,
    inputs: list[str] | None = None,
) -> tuple[Space, Graph]:
    """The space at ``path`` and the Graph of the architecture the options name;
    ``inputs`` collects every file read (the space, its imports, ``--arch @FILE``)."""
    if (term is None) == (not draw):
        raise click.UsageError("give exactly one of --arch TERM and --sample")
    result = check(path, parse_sets(sets))
    if not result.ok or result.space is None:
        raise NascError(result.errors or result.diagnostics)
    space = result.space
    if inputs is not None:
        inputs.extend(p for p in result.sources if p != STD_DISPLAY_PATH)
    derivation: Derivation
    if term is not None:
        if term.startswith("@"):
            if inputs is not None:
                inputs.append(term[1:])
            term = read_term_file(term[1:])
        derivation = parse_term(space, term)
    else:
        derivation = sample(space, random.Random(seed), sampler)
    graph = build(space, derivation)
    return space, replace(graph, term=format_term(space, derivation))


def summary_lines(graph: Graph) -> list[str]:
    costs = summarize(graph)
    return [
        f"architecture: {graph.term}",
        f"input:  {graph.input_shape}",
        f"output: {graph.output_shape}",
        f"nodes:  {len(graph.nodes)}",
        f"params: {costs.total_params:,}",
        f"MACs:   {costs.total_macs:,} per sample",
    ]


@click.command("compile")
@_architecture_options
@click.option(
    "--backend",
    default="torch",
    show_default=True,
    help=f"Framework of the model ({', '.join(available_backends())}).",
)
@click.option("--output", "-o", required=True, type=click.Path(dir_okay=False), help="Model file.")
@click.option(
    "--weights",
    "weights_path",
    type=click.Path(dir_okay=False),
    help="Weights of a trained model to export with: a torch state dict (.pt), "
    "a .pt2 program, a .onnx or .keras model that nasc compiled, or a .npz weight set.",
)
@_FORCE
def compile_command(
    space: str,
    term: str | None,
    draw: bool,
    seed: int,
    sampler: str,
    sets: tuple[str, ...],
    backend: str,
    output: str,
    weights_path: str | None,
    force: bool,
) -> None:
    """Compile one architecture of SPACE to a model file of a framework.

    The torch backend writes a torch.export program (.pt2) that loads with torch
    alone: `torch.export.load(OUT).module()`; onnx writes .onnx (opset 21) and
    tensorflow a Keras .keras file. Weights are drawn from --seed, or carried
    over from a trained model with --weights.
    """
    try:
        inputs = [] if weights_path is None else [weights_path]
        _, graph = architecture(space, sets, term, draw, seed, sampler, inputs)
        chosen = load_backend(backend)
        with output_file(output, model_kind(backend), inputs=inputs, force=force) as temporary:
            if weights_path is None:
                chosen.export(graph, str(temporary), seed)
            else:
                _export_with_weights(chosen, graph, str(temporary), seed, weights_path)
    except NascError as exc:
        fail(exc)
        return
    for line in summary_lines(graph):
        click.echo(line)
    click.echo(f"wrote {output} ({backend})")


# the module that reads weights from a file, by suffix, and the extra it needs
_WEIGHT_READERS = {
    ".npz": ("nasc.backends.weights", "nasc"),
    ".onnx": ("nasc.backends._onnx", "nasc[onnx]"),
    ".keras": ("nasc.backends._tensorflow", "nasc[tensorflow]"),
}
_TORCH_READER = ("nasc.backends._torch.weights", "nasc[torch]")  # .pt, .pth, .pt2, ...


def _export_with_weights(chosen: Any, graph: Graph, output: str, seed: int, path: str) -> None:
    """Export with the weights in ``path``, read by the backend whose file it is."""
    reader, extra = _WEIGHT_READERS.get(Path(path).suffix, _TORCH_READER)
    try:
        weights = importlib.import_module(reader).read_weights(path, graph)
    except ImportError as exc:
        raise NascError(
            error("E603", f"reading {path} needs {extra}: {exc}", None, f"pip install '{extra}'")
        ) from None
    if chosen.NAME == "torch":
        module = importlib.import_module("nasc.backends._torch.weights")
        chosen.export(graph, output, seed, module=module.module_with_weights(graph, weights))
    else:
        chosen.export(graph, output, seed, weights=weights)


@click.command("show")
@_architecture_options
@click.option(
    "--format",
    "form",
    type=click.Choice(["text", "dot", "png"]),
    default="text",
    show_default=True,
)
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="File (png: required).")
@_FORCE
def show_command(
    space: str,
    term: str | None,
    draw: bool,
    seed: int,
    sampler: str,
    sets: tuple[str, ...],
    form: str,
    output: str | None,
    force: bool,
) -> None:
    """Show the Graph of one architecture of SPACE: nodes, shapes, params and MACs."""
    if form == "png" and output is None:
        raise click.UsageError("--format png needs --output FILE.png")
    inputs: list[str] = []
    try:
        _, graph = architecture(space, sets, term, draw, seed, sampler, inputs)
        if form == "png":
            assert output is not None
            with output_file(output, PNG, inputs=inputs, force=force) as temporary:
                _png(graph, str(temporary))
        elif output is not None:
            text = graph_text(graph) + "\n" if form == "text" else graph_dot(graph)
            kind = GRAPH_TEXT if form == "text" else GRAPH_DOT
            write_output(output, text, kind, inputs=inputs, force=force)
        else:
            click.echo(graph_text(graph) + "\n" if form == "text" else graph_dot(graph), nl=False)
            return
    except NascError as exc:
        fail(exc)
        return
    click.echo(f"wrote {output}")


def _png(graph: Graph, output: str) -> None:
    dot = shutil.which("dot")
    if dot is None:
        raise click.ClickException(
            "--format png needs Graphviz's `dot` program, which is not on PATH: install "
            "Graphviz (apt install graphviz, brew install graphviz), or write DOT with "
            "--format dot and render it elsewhere"
        )
    done = subprocess.run(
        [dot, "-Tpng", "-o", output], input=graph_dot(graph), text=True, capture_output=True
    )
    if done.returncode != 0:
        raise click.ClickException(f"dot failed: {done.stderr.strip()}")
