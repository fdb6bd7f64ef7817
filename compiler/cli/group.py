"""The `nasc` command line: a click group filled from the entry-point group ``nasc.commands``.

Every command, built in or not, is registered there by the package that defines
it, so this group names none of them::

    [project.entry-points."nasc.commands"]
    check = "nasc.compiler.cli.group:check_command"

A command whose entry point fails to load is listed with the reason, and
running it prints that reason in one line (exit status 1); the others work.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import cache
from importlib.metadata import EntryPoint, entry_points
from typing import Any

import click

from nasc.compiler.check.pipeline import check
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


COMMAND_GROUP = "nasc.commands"


@cache
def _entry_points() -> dict[str, EntryPoint]:
    found: dict[str, EntryPoint] = {}
    for point in entry_points(group=COMMAND_GROUP):
        found.setdefault(point.name, point)  # the first distribution to claim a name
    return found


def _broken(name: str, point: EntryPoint, reason: str) -> click.Command:
    """A stand-in for a command that cannot load: says why in one line, exits 1."""
    line = " ".join(reason.split()) or "no reason given"
    message = f"the command '{name}' ({point.value}) cannot be loaded: {line}"

    def report() -> None:
        click.echo(f"error: {message}", err=True)
        sys.exit(1)

    return click.Command(
        name,
        callback=report,
        help=message,
        short_help=f"(cannot be loaded: {line})",
        context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
        add_help_option=False,
    )


class CommandGroup(click.Group):
    """A group whose commands are the entry points of ``nasc.commands``, loaded when used."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *_entry_points()})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        known = super().get_command(ctx, cmd_name)
        if known is not None:
            return known
        point = _entry_points().get(cmd_name)
        if point is None:
            return None
        try:
            command = point.load()
        except Exception as exc:  # a plugin may fail in any way; the CLI must not
            command = _broken(cmd_name, point, f"{type(exc).__name__}: {exc}")
        if not isinstance(command, click.Command):
            command = _broken(cmd_name, point, f"it is a {type(command).__name__}, not a command")
        self.add_command(command, cmd_name)
        return command


@click.group(cls=CommandGroup)
@click.version_option(package_name="nasc")
def main() -> None:
    """nasc: a compiler for neural-architecture search spaces."""


@click.command("check")
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
