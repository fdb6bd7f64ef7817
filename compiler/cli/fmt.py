"""`nasc fmt` (the canonical layout of `.nas` files) and `nasc lsp` (the language server)."""

from __future__ import annotations

import sys

import click

from nasc.dsl import NascError, format_all, read_source
from nasc.dsl.fmt import format_text


@click.command("fmt")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, allow_dash=True))
@click.option(
    "--check", is_flag=True, help="Change nothing; exit 1 naming the files that would change."
)
@click.option("--write", "-w", is_flag=True, help="Rewrite the files in place instead of printing.")
def fmt_command(files: tuple[str, ...], check: bool, write: bool) -> None:
    """Print FILES in the canonical layout (`-` reads standard input).

    With --check, print the names of the files that are not in the canonical layout
    and exit 1 if there are any; with --write, rewrite them. Files with syntax
    errors are left alone and their errors printed (exit 1).
    """
    failed = False
    for path in files:
        original = ""
        try:
            original = _read(path)
            formatted = format_text(original, path)
        except NascError as exc:
            click.echo(format_all(exc.diagnostics, {path: original}), err=True)
            failed = True
            continue
        if check:
            if formatted != original:
                click.echo(f"would reformat {path}")
                failed = True
        elif write and path != "-":
            if formatted != original:
                with open(path, "w", encoding="utf-8", newline="") as handle:
                    handle.write(formatted)
                click.echo(f"reformatted {path}", err=True)
        else:
            click.echo(formatted, nl=False)
    sys.exit(1 if failed else 0)


def _read(path: str) -> str:
    if path == "-":
        return sys.stdin.read()
    return read_source(path).text


@click.command("lsp")
def lsp_command() -> None:
    """Run the language server over standard input and output (for editors)."""
    from nasc.compiler.lsp import serve

    serve()
