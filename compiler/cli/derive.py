"""`nasc count`, `nasc sample`, `nasc mutate`, `nasc crossover`: derivations on the command line."""

from __future__ import annotations

import json
import random

import click

from nasc.compiler.check.pipeline import load
from nasc.compiler.cli.arch import read_architecture
from nasc.compiler.cli.group import fail, parse_sets, set_option
from nasc.compiler.derive.counting import count, count_by_depth, count_table, log10
from nasc.compiler.derive.derivation import Derivation, to_json
from nasc.compiler.derive.mutation import crossover, mutate, self_crossover
from nasc.compiler.derive.sampling import SAMPLERS, sample
from nasc.compiler.derive.terms import format_term
from nasc.compiler.limits import decimal, decimal_digits
from nasc.compiler.space import Space
from nasc.dsl import NascError

_SPACE = click.argument("space", type=click.Path(dir_okay=False))


def _load(space: str, sets: tuple[str, ...]) -> Space:
    try:
        return load(space, parse_sets(sets))
    except NascError as exc:
        fail(exc)
        raise  # unreachable: fail exits


def _emit(space: Space, d: Derivation, form: str) -> None:
    if form == "json":
        click.echo(json.dumps(to_json(d)))
    else:
        click.echo(format_term(space, d))


SHOWN_DIGITS = 1000
"""Counts with more digits than this are shown by their size unless --digits is given."""


@click.command("count")
@_SPACE
@set_option
@click.option("--by-rule", is_flag=True, help="Also count the derivations of every nonterminal.")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
@click.option("--depth", type=click.IntRange(0, 500), help="Count derivations nesting at most N.")
@click.option(
    "--digits",
    "all_digits",
    is_flag=True,
    help=f"Print every digit of counts over {SHOWN_DIGITS:,} digits (otherwise their size).",
)
def count_command(
    space: str,
    sets: tuple[str, ...],
    by_rule: bool,
    as_json: bool,
    depth: int | None,
    all_digits: bool,
) -> None:
    """Print the exact number of architectures of SPACE and its log10.

    Counts are exact at any size; one over 1,000 digits is shown by its size
    (log10 and digit count) unless --digits asks for all of them. JSON always
    holds every digit."""
    s = _load(space, sets)
    try:
        total = count(s) if depth is None else count_by_depth(s, depth)
    except NascError as exc:
        fail(exc)
        return
    table = count_table(s) if by_rule else {}
    rate = _acceptance(s) if s.budgets and total and depth is None else None
    if as_json:
        data: dict[str, object] = {
            "count": decimal(total),
            "digits": decimal_digits(total),
            "log10": round(log10(total), 4) if total else None,
        }
        if rate is not None:
            data["budget_acceptance"] = {"accepted": rate[0], "draws": rate[1]}
        if depth is not None:
            data["depth"] = depth
        if by_rule:
            data["rules"] = {k: (None if v is None else decimal(v)) for k, v in table.items()}
        click.echo(json.dumps(data))
        return
    click.echo(_shown(total, all_digits))
    if total:
        click.echo(f"log10: {log10(total):.2f}")
    elif depth is not None:
        click.echo(f"log10: -inf (no architecture nests at most {depth} nonterminals)")
    else:
        click.echo("log10: -inf (no architecture satisfies the constraints)")
    for line in _constraint_lines(s, rate):
        click.echo(line)
    if by_rule:
        width = max(len(k) for k in table)
        for name, n in table.items():
            shown = "infinite" if n is None else _short(n)
            click.echo(f"  {name:<{width}}  {shown}")


def _shown(n: int, all_digits: bool) -> str:
    """A count in full, or by its size when it has more than `SHOWN_DIGITS` digits."""
    digits = decimal_digits(n)
    if all_digits or digits <= SHOWN_DIGITS:
        return decimal(n)
    return f"~1e{log10(n):.2f} ({digits:,} digits; --digits prints them all)"


def _acceptance(space: Space, draws: int = 200) -> tuple[int, int] | None:
    """(accepted, draws): how many of ``draws`` uniform samples keep the budgets."""
    from nasc.compiler.derive.budget import over_budget
    from nasc.compiler.derive.sampling import sample_unbudgeted

    rng = random.Random(0)
    try:
        picks = [sample_unbudgeted(space, rng) for _ in range(draws)]
    except NascError:
        return None
    return sum(over_budget(space, d) is None for d in picks), draws


def _constraint_lines(space: Space, rate: tuple[int, int] | None) -> list[str]:
    """How each constraint is honoured: exactly by the counts, or by rejection."""
    lines = []
    exact = [f"edges({x.topology}) <= {x.bound}" for x in space.edge_limits if x.kind == "edges"]
    exact += [f"inputs({x.topology}) == {x.bound}" for x in space.edge_limits if x.kind == "inputs"]
    if exact:
        lines.append(f"exact: {', '.join(exact)} (counted over zero patterns)")
    if space.budgets:
        budgets = ", ".join(f"{metric} <= {limit:g}" for metric, limit in space.budgets)
        lines.append(
            f"by rejection: {budgets} (not in the count above; sampling, mutation and "
            "crossover draw again until an architecture fits)"
        )
        if rate is not None:
            accepted, draws = rate
            lines.append(
                f"acceptance: {accepted}/{draws} uniform draws ({100 * accepted / draws:.1f}%), "
                f"so about {accepted / draws:.3g} of the count keeps the budgets"
            )
    return lines


def _short(n: int) -> str:
    return f"{n}" if n < 10**15 else f"~1e{log10(n):.2f} ({decimal_digits(n):,} digits)"


@click.command("sample")
@_SPACE
@set_option
@click.option("-n", "number", type=click.IntRange(1), default=1, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--sampler", type=click.Choice(SAMPLERS), default="uniform", show_default=True)
@click.option("--format", "form", type=click.Choice(["term", "json"]), default="term")
def sample_command(
    space: str, sets: tuple[str, ...], number: int, seed: int, sampler: str, form: str
) -> None:
    """Draw N architectures of SPACE, one per line, reproducibly from --seed."""
    s = _load(space, sets)
    rng = random.Random(seed)
    try:
        for _ in range(number):
            _emit(s, sample(s, rng, sampler), form)
    except NascError as exc:
        fail(exc)


def _arch(s: Space, term: str) -> Derivation:
    try:
        return read_architecture(s, term)[0]
    except NascError as exc:
        fail(exc)
        raise  # unreachable: fail exits


@click.command("mutate")
@_SPACE
@set_option
@click.option(
    "--arch",
    required=True,
    help="The parent architecture: a term, a JSON derivation, or @FILE holding either.",
)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("-n", "number", type=click.IntRange(1), default=1, show_default=True)
@click.option("--format", "form", type=click.Choice(["term", "json"]), default="term")
def mutate_command(
    space: str, sets: tuple[str, ...], arch: str, seed: int, number: int, form: str
) -> None:
    """Print N mutations of the architecture --arch (each differs from it)."""
    s = _load(space, sets)
    parent = _arch(s, arch)
    rng = random.Random(seed)
    try:
        for _ in range(number):
            _emit(s, mutate(s, parent, rng), form)
    except NascError as exc:
        fail(exc)


@click.command("crossover")
@_SPACE
@set_option
@click.option(
    "--arch",
    "archs",
    multiple=True,
    required=True,
    help="A parent (give one or two): a term, a JSON derivation, or @FILE.",
)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--format", "form", type=click.Choice(["term", "json"]), default="term")
def crossover_command(
    space: str, sets: tuple[str, ...], archs: tuple[str, ...], seed: int, form: str
) -> None:
    """Swap subtrees rooted at the same nonterminal: between two parents (two children),
    or inside one parent (one child)."""
    if len(archs) > 2:
        raise click.BadParameter("give one or two parents", param_hint="--arch")
    s = _load(space, sets)
    parents = [_arch(s, a) for a in archs]
    rng = random.Random(seed)
    try:
        if len(parents) == 1:
            _emit(s, self_crossover(s, parents[0], rng), form)
        else:
            for child in crossover(s, parents[0], parents[1], rng):
                _emit(s, child, form)
    except NascError as exc:
        fail(exc)
