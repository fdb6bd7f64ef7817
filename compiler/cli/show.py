"""`nasc show` (the Graph of an architecture) and the options that name an architecture."""

from __future__ import annotations

import random
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import click

from nasc.compiler.check.pipeline import check
from nasc.compiler.cli.arch import read_architecture
from nasc.compiler.cli.group import fail, parse_sets, set_option
from nasc.compiler.derive.derivation import Derivation
from nasc.compiler.derive.sampling import SAMPLERS, sample
from nasc.compiler.derive.terms import format_term
from nasc.compiler.graph.builder import build
from nasc.compiler.graph.cost import summarize
from nasc.compiler.graph.ir import Graph
from nasc.compiler.graph.text import graph_dot, graph_text
from nasc.compiler.limits import over_budget
from nasc.compiler.output_files import (
    GRAPH_DOT,
    GRAPH_TEXT,
    PNG,
    output_file,
    write_output,
)
from nasc.compiler.space import Space
from nasc.dsl import STD_DISPLAY_PATH, NascError


def architecture_options(func: Callable[..., Any]) -> Callable[..., Any]:
    options: list[Callable[[Callable[..., Any]], Callable[..., Any]]] = [
        click.argument("space", type=click.Path(dir_okay=False)),
        click.option(
            "--arch",
            "term",
            metavar="TERM",
            help="The architecture: a term, a JSON derivation, or @FILE holding either.",
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


FORCE = click.option(
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
        if term.startswith("@") and inputs is not None:
            inputs.append(term[1:])
        derivation, _ = read_architecture(space, term)
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


@click.command("show")
@architecture_options
@click.option(
    "--format",
    "form",
    type=click.Choice(["text", "dot", "png"]),
    default="text",
    show_default=True,
)
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="File (png: required).")
@FORCE
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
        problem = over_budget(summarize(graph).total_params)
        if problem is not None:
            click.echo(f"nasc: warning: {problem}: `nasc compile` will refuse it", err=True)
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
