"""A Pygments lexer for `.nas` files, registered under the entry point group
`pygments.lexers`, so that `pygmentize -l nas FILE` and documentation tools
highlight search spaces.

It follows the conventions of the language (nasc.dsl's `nas.tx`): upper-case
names are nonterminals, capitalised names before `(` are topologies,
lower-case names are primitives and aliases, and a bare lower-case name among a
primitive's arguments is a compile-time parameter.

>>> from pygments.token import Name
>>> (Name.Class, "Cell") in list(NasLexer().get_tokens("CELL ::= Cell(OP, OP)"))
True
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from pygments import lexer as _pygments_lexer
from pygments.lexer import RegexLexer, default, include
from pygments.token import (
    Comment,
    Keyword,
    Name,
    Number,
    Operator,
    Punctuation,
    String,
    Whitespace,
)

from nasc.dsl.tokens import DOUBLE_QUOTED, NAME, NUMBER, SINGLE_QUOTED

__all__ = ["NasLexer"]


# Pygments' stubs leave `bygroups` untyped: give it a type once.
bygroups: Callable[..., Any] = _pygments_lexer.bygroups


class NasLexer(RegexLexer):
    """Highlights nasc search spaces: keywords, rule heads, nonterminals,
    primitives, topologies, parameters, numbers, strings, comments and operators."""

    name = "nas"
    aliases: ClassVar[list[str]] = ["nas", "nasc"]
    filenames: ClassVar[list[str]] = ["*.nas"]
    mimetypes: ClassVar[list[str]] = ["text/x-nas"]
    url = "https://pypi.org/project/nasc/"

    tokens: ClassVar[dict[str, list[Any]]] = {
        "space": [
            (r"\s+", Whitespace),
            (r"#.*?$", Comment.Single),
        ],
        "string": [
            (DOUBLE_QUOTED, String.Double),
            (SINGLE_QUOTED, String.Single),
        ],
        "literal": [
            (r"(true|false)\b", Keyword.Constant),
            (r"(\*)(\s*)(" + NUMBER + r")(?![\w.])", bygroups(Operator, Whitespace, Number)),
            (
                r"(?<![\w.])[-+]?(?:\d+\.\d*(?:[eE][-+]?\d+)?|\d*\.\d+(?:[eE][-+]?\d+)?"
                r"|\d+[eE][-+]?\d+)(?![\w.])",
                Number.Float,
            ),
            (r"(?<![\w.])[-+]?\d+(?![\w.])", Number.Integer),
        ],
        "punctuation": [
            (r"[,()\[\]]", Punctuation),
            (r"::=|<=|[=|:*]", Operator),
        ],
        "root": [
            include("space"),
            # a string that opens a line documents the declaration or rule after it
            (
                r"^(\s*)(" + DOUBLE_QUOTED + "|" + SINGLE_QUOTED + ")",
                bygroups(Whitespace, String.Doc),
            ),
            include("string"),
            (
                r"(import)\b(?:(\s+)(" + NAME + "))?",
                bygroups(Keyword.Namespace, Whitespace, Name.Namespace),
            ),
            (
                r"(input)\b(?:(\s+)(sequence|vector|channels)\b)?",
                bygroups(Keyword.Declaration, Whitespace, Keyword.Type),
            ),
            (
                r"(param)\b(?:(\s+)(" + NAME + "))?",
                bygroups(Keyword.Declaration, Whitespace, Name.Constant),
            ),
            (r"(start)\b(?:(\s+)(" + NAME + "))?", bygroups(Keyword, Whitespace, Name.Variable)),
            (r"(shared)\b", Keyword, "shared"),
            (
                r"(constraint)(\s+)(depth)(\s*)(\()(\s*)("
                + NAME
                + r")(\s*)(\))(\s*)(<=)(\s*)(\d+)",
                bygroups(
                    Keyword,
                    Whitespace,
                    Name.Builtin,
                    Whitespace,
                    Punctuation,
                    Whitespace,
                    Name.Variable,
                    Whitespace,
                    Punctuation,
                    Whitespace,
                    Operator,
                    Whitespace,
                    Number.Integer,
                ),
            ),
            (
                r"(constraint)(\s+)(edges|inputs)(\s*)(\()(\s*)("
                + NAME
                + r")(\s*)(\))(\s*)(<=|==)(\s*)(\d+)",
                bygroups(
                    Keyword,
                    Whitespace,
                    Name.Builtin,
                    Whitespace,
                    Punctuation,
                    Whitespace,
                    Name.Class,
                    Whitespace,
                    Punctuation,
                    Whitespace,
                    Operator,
                    Whitespace,
                    Number.Integer,
                ),
            ),
            (
                r"(constraint)(\s+)(params|macs)(\s*)(<=)",
                bygroups(Keyword, Whitespace, Name.Builtin, Whitespace, Operator),
            ),
            (
                r"(constraint)\b(?:(\s+)(connected|depth)\b)?",
                bygroups(Keyword, Whitespace, Name.Builtin),
            ),
            (
                r"(prune)\b(?:(\s+)(unreachable)\b)?",
                bygroups(Keyword, Whitespace, Name.Builtin),
            ),
            (
                r"(op)(\s+)(" + NAME + r")(\s*)(=)",
                bygroups(Keyword.Declaration, Whitespace, Name.Function, Whitespace, Operator),
            ),
            (
                r"(primitive)(\s+)(" + NAME + r")(\s*)(\()",
                bygroups(Keyword.Declaration, Whitespace, Name.Function, Whitespace, Punctuation),
                "declared-parameters",
            ),
            (
                r"(primitive)\b(?:(\s+)(" + NAME + "))?",
                bygroups(Keyword.Declaration, Whitespace, Name.Function),
            ),
            (
                r"(topology)(\s+)(" + NAME + r")(\s*)(\()",
                bygroups(Keyword.Declaration, Whitespace, Name.Class, Whitespace, Punctuation),
                "declared-parameters",
            ),
            (
                r"(topology)\b(?:(\s+)(" + NAME + "))?",
                bygroups(Keyword.Declaration, Whitespace, Name.Class),
            ),
            (r"edges\b", Keyword),
            (
                r"(\()(\s*)(\d+)(\s*)(,)(\s*)(\d+)(\s*)(\))",
                bygroups(
                    Punctuation,
                    Whitespace,
                    Number.Integer,
                    Whitespace,
                    Punctuation,
                    Whitespace,
                    Number.Integer,
                    Whitespace,
                    Punctuation,
                ),
            ),
            (r"(merge)\b(?:(\s+)(" + NAME + "))?", bygroups(Keyword, Whitespace, Name.Function)),
            # the sampling weight of an alternative: `2: Sequential(...)`
            (r"(?<![\w.])(\d+(?:\.\d+)?)(\s*)(:)(?![:=])", bygroups(Number, Whitespace, Operator)),
            include("term"),
        ],
        "term": [
            include("space"),
            include("string"),
            (r"(" + NAME + r")(\s*)(::=)", bygroups(Name.Variable, Whitespace, Operator)),
            # a parametrised rule's head: `B(width, stride) ::=`
            (
                r"(" + NAME + r")(\s*)(\()(?=[^()]*\)\s*::=)",
                bygroups(Name.Variable, Whitespace, Punctuation),
                "declared-parameters",
            ),
            include("calls"),
            include("literal"),
            (r"[A-Z][A-Za-z0-9_]*", Name.Variable),
            (r"[a-z_][A-Za-z0-9_]*", Name.Function),
            include("punctuation"),
        ],
        # a topology's or primitive's call, and a keyword argument
        "calls": [
            (
                r"([A-Z][A-Za-z0-9_]*)(\s*)(\()",
                bygroups(Name.Class, Whitespace, Punctuation),
                "call",
            ),
            (
                r"([a-z_][A-Za-z0-9_]*)(\s*)(\()",
                bygroups(Name.Function, Whitespace, Punctuation),
                "arguments",
            ),
            (r"(" + NAME + r")(\s*)(=)(?!=)", bygroups(Name.Attribute, Whitespace, Operator)),
        ],
        # the arguments of a topology: terms
        "call": [
            (r"\)", Punctuation, "#pop"),
            include("term"),
        ],
        # the arguments of a primitive: values and compile-time parameters
        "arguments": [
            (r"\)", Punctuation, "#pop"),
            (r"\(", Punctuation, "choice"),
            include("space"),
            include("string"),
            include("calls"),
            include("literal"),
            (r"[a-z_][A-Za-z0-9_]*", Name.Constant),
            (r"[A-Z][A-Za-z0-9_]*", Name.Variable),
            include("punctuation"),
        ],
        # `primitive conv(channels=*1, kernel=3)`, `topology Residual(a, skip, b)`
        "declared-parameters": [
            (r"\)", Punctuation, "#pop"),
            include("space"),
            (r"(" + NAME + r")(\s*)(=)", bygroups(Name.Attribute, Whitespace, Operator)),
            include("string"),
            include("literal"),
            (NAME, Name.Attribute),
            include("punctuation"),
        ],
        # a choice of values in argument position: `kernel=(3 | 5)`
        "choice": [
            (r"\)", Punctuation, "#pop"),
            include("space"),
            include("string"),
            include("literal"),
            (r"\|", Operator),
            (r"[a-z_][A-Za-z0-9_]*", Name.Constant),
            (r"[A-Z][A-Za-z0-9_]*", Name.Variable),
            include("punctuation"),
        ],
        "shared": [
            (r"[ \t]+", Whitespace),
            (NAME, Name.Variable),
            (r",", Punctuation),
            default("#pop"),
        ],
    }
