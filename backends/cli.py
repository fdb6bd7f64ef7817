"""`nasc compile`: one architecture of a space to a model file of a framework."""

from __future__ import annotations

import click

from nasc.backends.weights import read_any_weights
from nasc.compiler.backend_registry import available_backends, load_backend
from nasc.compiler.cli import fail
from nasc.compiler.cli.show import architecture, architecture_options, summary_lines
from nasc.dsl import NascError


@click.command("compile")
@architecture_options
@click.option(
    "--backend",
    default="torch",
    show_default=True,
    help=f"Framework of the model ({', '.join(available_backends())}).",
)
@click.option("--output", "-o", required=True, type=click.Path(), help="Model file or directory.")
@click.option(
    "--weights",
    "weights_path",
    type=click.Path(dir_okay=False),
    help="Weights of a trained model to export with: a torch state dict (.pt), "
    "a .pt2 program, a .onnx or .keras model that nasc compiled, or a .npz weight set.",
)
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
) -> None:
    """Compile one architecture of SPACE to a model file of a framework.

    The torch backend writes a torch.export program (.pt2) that loads with torch
    alone: `torch.export.load(OUT).module()`; onnx writes .onnx (opset 21) and
    tensorflow a Keras .keras file. Weights are drawn from --seed, or carried
    over from a trained model with --weights.
    """
    try:
        _, graph = architecture(space, sets, term, draw, seed, sampler)
        chosen = load_backend(backend)
        weights = None if weights_path is None else read_any_weights(weights_path, graph)
        chosen.export(graph, output, seed, weights)
    except NascError as exc:
        fail(exc)
        return
    for line in summary_lines(graph):
        click.echo(line)
    click.echo(f"wrote {output} ({backend})")
