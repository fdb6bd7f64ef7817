"""`nasc show` (the Graph of an architecture) and the options that name an architecture."""

from __future__ import annotations

import random
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import click

from nasc.compiler.check.pipeline import load
from nasc.compiler.cli.group import fail, parse_sets, set_option
from nasc.compiler.derive.derivation import Derivation
from nasc.compiler.derive.sampling import SAMPLERS, sample
from nasc.compiler.derive.terms import format_term, parse_term
from nasc.compiler.graph.builder import build
from nasc.compiler.graph.cost import summarize
from nasc.compiler.graph.ir import Graph
from nasc.compiler.graph.text import graph_dot, graph_text
from nasc.compiler.space import Space
from nasc.dsl import NascError
from nasc.dsl.diagnostics import error


def architecture_options(func: Callable[..., Any]) -> Callable[..., Any]:
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


def architecture(
    path: str, sets: tuple[str, ...], term: str | None, draw: bool, seed: int, sampler: str
) -> tuple[Space, Graph]:
    """The space at ``path`` and the Graph of the architecture the options name."""
    if (term is None) == (not draw):
        raise click.UsageError("give exactly one of --arch TERM and --sample")
    space = load(path, parse_sets(sets))
    derivation: Derivation
    if term is not None:
        if term.startswith("@"):
            try:
                term = Path(term[1:]).read_text(encoding="utf-8").strip()
            except OSError as exc:
                raise NascError(
                    error("E605", f"cannot read {term[1:]}: {exc.strerror}", None)
                ) from None
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
def show_command(
    space: str,
    term: str | None,
    draw: bool,
    seed: int,
    sampler: str,
    sets: tuple[str, ...],
    form: str,
    output: str | None,
) -> None:
    """Show the Graph of one architecture of SPACE: nodes, shapes, params and MACs."""
    try:
        _, graph = architecture(space, sets, term, draw, seed, sampler)
    except NascError as exc:
        fail(exc)
        return
    if form == "png":
        _png(graph, output)
        return
    text = graph_text(graph) + "\n" if form == "text" else graph_dot(graph)
    if output is None:
        click.echo(text, nl=False)
    else:
        Path(output).write_text(text, encoding="utf-8")
        click.echo(f"wrote {output}")


def _png(graph: Graph, output: str | None) -> None:
    if output is None:
        raise click.UsageError("--format png needs --output FILE.png")
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
    click.echo(f"wrote {output}")
