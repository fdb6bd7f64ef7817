"""`nasc compile`: one architecture of a space to a model file of a framework."""

from __future__ import annotations

import click

from nasc.backends.weights import read_any_weights
from nasc.compiler.backend_registry import available_backends, load_backend
from nasc.compiler.cli import fail
from nasc.compiler.cli.show import FORCE, architecture, architecture_options, summary_lines
from nasc.compiler.graph.cost import summarize
from nasc.compiler.limits import over_budget
from nasc.compiler.output_files import model_kind, output_file
from nasc.dsl import NascError
from nasc.dsl.diagnostics import error


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
@FORCE
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
        inputs = [] if weights_path is None else [weights_path]  # never written over
        _, graph = architecture(space, sets, term, draw, seed, sampler, inputs)
        problem = over_budget(summarize(graph).total_params)
        if problem is not None and not force:
            raise NascError(
                error(
                    "E609",
                    problem,
                    None,
                    "set NASC_MEMORY_BUDGET (bytes) or pass --force to build it anyway",
                )
            )
        chosen = load_backend(backend)
        weights = None if weights_path is None else read_any_weights(weights_path, graph)
        with output_file(output, model_kind(backend), inputs=inputs, force=force) as temporary:
            chosen.export(graph, temporary, seed, weights)
    except NascError as exc:
        fail(exc)
        return
    for line in summary_lines(graph):
        click.echo(line)
    click.echo(f"wrote {output} ({backend})")
