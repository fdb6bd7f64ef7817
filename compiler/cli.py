"""The `nasc` command line."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import click

from nasc.compiler.checking import check
from nasc.dsl import NascError, format_all, summary


def parse_sets(values: tuple[str, ...]) -> dict[str, str]:
    overrides: dict[str, str] = {}
    for item in values:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise click.BadParameter(f"expected NAME=VALUE, got '{item}'", param_hint="--set")
        overrides[name.strip()] = value
    return overrides


def set_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--set",
        "sets",
        multiple=True,
        metavar="NAME=VALUE",
        help="Override a `param` of the space (repeatable).",
    )(func)


@click.group()
@click.version_option(package_name="nasc")
def main() -> None:
    """nasc: a compiler for neural-architecture search spaces."""


@main.command("check")
@click.argument("spaces", nargs=-1, required=True, type=click.Path(dir_okay=False))
@set_option
@click.option("--quiet", "-q", is_flag=True, help="Print only problems, no summary.")
def check_command(spaces: tuple[str, ...], sets: tuple[str, ...], quiet: bool) -> None:
    """Check SPACES for every problem at once; exit status 1 if any has errors."""
    overrides = parse_sets(sets)
    failed = False
    for path in spaces:
        result = check(path, overrides)
        if result.diagnostics:
            click.echo(result.format())
        failed |= not result.ok
        if not quiet:
            state = "ok" if result.ok else "failed"
            click.echo(f"{path}: {state} ({summary(result.diagnostics)})", err=True)
    sys.exit(1 if failed else 0)


def fail(error: NascError) -> None:
    """Print a NascError's diagnostics and exit 1 (commands use this, never tracebacks)."""
    click.echo(format_all(error.diagnostics), err=True)
    sys.exit(1)


# Commands defined in their own modules register here, so that each stays short.
def _register() -> None:
    from nasc.compiler.cli_compile import compile_command, show_command
    from nasc.compiler.cli_fmt import fmt_command, lsp_command

    main.add_command(compile_command)
    main.add_command(show_command)
    main.add_command(fmt_command)

    from nasc.compiler.cli_derive import COMMANDS as derive_commands

    for command in derive_commands:
        main.add_command(command)
    main.add_command(lsp_command)


_register()
