"""The token patterns of the language, shared by the Pygments lexer and the formatter.

>>> import re
>>> [bool(re.fullmatch(NUMBER, t)) for t in ("3", "-1.5e3", ".5", "1e", "x")]
[True, True, True, False, False]
"""

NAME = r"[A-Za-z_][A-Za-z0-9_]*"
NUMBER = r"[-+]?(?:\d+\.\d*(?:[eE][-+]?\d+)?|\d*\.\d+(?:[eE][-+]?\d+)?|\d+[eE][-+]?\d+|\d+)"
DOUBLE_QUOTED = r'"(?:\\.|[^"\\])*"'
SINGLE_QUOTED = r"'(?:\\.|[^'\\])*'"
KEYWORDS = frozenset(
    {
        "import",
        "input",
        "param",
        "start",
        "shared",
        "constraint",
        "prune",
        "op",
        "primitive",
        "topology",
    }
)

__all__ = ["DOUBLE_QUOTED", "KEYWORDS", "NAME", "NUMBER", "SINGLE_QUOTED"]
