"""The `nasc` command group (filled from the entry-point group ``nasc.commands``) and
the compiler's own commands."""

from nasc.compiler.cli.group import COMMAND_GROUP, fail, main, parse_sets, set_option

__all__ = ["COMMAND_GROUP", "fail", "main", "parse_sets", "set_option"]
