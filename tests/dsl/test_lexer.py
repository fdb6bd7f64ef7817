"""The Pygments lexer: registered by entry point, no error tokens, lossless, specific types."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from pygments.lexers import get_lexer_by_name, get_lexer_for_filename
from pygments.token import (
    Comment,
    Error,
    Keyword,
    Name,
    Number,
    Operator,
    Punctuation,
    String,
    _TokenType,
    is_token_subtype,
)

from nasc.dsl.lexer import NasLexer
from tests.conftest import EXAMPLES, ROOT

FILES = [*EXAMPLES, ROOT / "dsl" / "std.nas"]
BIN = Path(sys.executable).parent


def tokens(text: str) -> list[tuple[_TokenType, str]]:
    return [(kind, value) for _, kind, value in NasLexer().get_tokens_unprocessed(text)]


def kinds_of(text: str, value: str) -> set[_TokenType]:
    """The token types given to every occurrence of `value` as a whole token."""
    found = {kind for kind, text_ in tokens(text) if text_ == value}
    assert found, f"{value!r} is not a token of {text!r}"
    return found


def test_found_by_name_and_file_name_through_the_entry_point() -> None:
    assert isinstance(get_lexer_by_name("nas"), NasLexer)
    assert isinstance(get_lexer_for_filename("space.nas"), NasLexer)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_no_error_tokens_and_lossless(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    stream = tokens(text)
    errors = [value for kind, value in stream if is_token_subtype(kind, Error)]
    assert errors == [], f"{path.name}: error tokens {errors[:5]}"
    assert "".join(value for _, value in stream) == text
    # the processed stream (what formatters read) loses nothing either
    assert "".join(value for _, value in NasLexer().get_tokens(text)) == text


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_name_in_an_example_is_classified(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    for kind, value in tokens(text):
        if (
            value.strip()
            and not is_token_subtype(kind, Comment)
            and not is_token_subtype(kind, String)
        ):
            assert kind is not Name, f"{path.name}: {value!r} is a plain name"
            assert not is_token_subtype(kind, Keyword) or value in KEYWORDS | {"true", "false"}, (
                value
            )


KEYWORDS = {
    "import",
    "prune",
    "input",
    "param",
    "start",
    "shared",
    "constraint",
    "op",
    "primitive",
    "topology",
    "edges",
    "merge",
    "sequence",
    "vector",
    "channels",
}


@pytest.mark.parametrize(
    ("text", "value", "kind"),
    [
        ("import std", "import", Keyword.Namespace),
        ("import std", "std", Name.Namespace),
        ("input [3, 32, 32]", "input", Keyword.Declaration),
        ("input sequence [64, 128]", "sequence", Keyword.Type),
        ("param classes = 10", "param", Keyword.Declaration),
        ("param classes = 10", "classes", Name.Constant),
        ("start NET", "start", Keyword),
        ("start NET", "NET", Name.Variable),
        ("shared CELL, ACT  # one", "shared", Keyword),
        ("shared CELL, ACT  # one", "ACT", Name.Variable),
        ("constraint connected", "constraint", Keyword),
        ("constraint connected", "connected", Name.Builtin),
        ("constraint depth(BLOCKS) <= 6", "BLOCKS", Name.Variable),
        ("constraint depth(BLOCKS) <= 6", "<=", Operator),
        ("prune unreachable", "prune", Keyword),
        ("prune unreachable", "unreachable", Name.Builtin),
        ("op conv3x3 = conv(kernel=3)", "op", Keyword.Declaration),
        ("op conv3x3 = conv(kernel=3)", "conv3x3", Name.Function),
        ("op conv3x3 = conv(kernel=3)", "kernel", Name.Attribute),
        ("primitive relu", "primitive", Keyword.Declaration),
        ("primitive conv(channels=*1, bias=false)", "channels", Name.Attribute),
        ("primitive conv(channels=*1, bias=false)", "false", Keyword.Constant),
        ("topology Binary(op, a, b) edges (0,1) (0,1) merge op", "topology", Keyword.Declaration),
        ("topology Binary(op, a, b) edges (0,1) (0,1) merge op", "Binary", Name.Class),
        ("topology Binary(op, a, b) edges (0,1) (0,1) merge op", "a", Name.Attribute),
        ("topology Binary(op, a, b) edges (0,1) (0,1) merge op", "edges", Keyword),
        ("topology Binary(op, a, b) edges (0,1) (0,1) merge op", "merge", Keyword),
        ("ARCH ::= Sequential(STEM, D2)", "ARCH", Name.Variable),
        ("ARCH ::= Sequential(STEM, D2)", "::=", Operator),
        ("ARCH ::= Sequential(STEM, D2)", "Sequential", Name.Class),
        ("ARCH ::= Sequential(STEM, D2)", "D2", Name.Variable),
        ("ARCH ::= Sequential(STEM, D2)", ",", Punctuation),
        ("ACT ::= relu | mish", "mish", Name.Function),
        ("ACT ::= relu | mish", "|", Operator),
        ("HEAD ::= linear(classes)", "classes", Name.Constant),
        ("X ::= conv(64)", "64", Number.Integer),
        ("K ::= 3 | 5", "5", Number.Integer),
        ("X ::= conv(kernel=(3 | K))", "|", Operator),
        ("X ::= conv(kernel=(3 | K))", "K", Name.Variable),
        ("B(width, s) ::= conv(width)", "B", Name.Variable),
        ("B(width, s) ::= conv(width)", "s", Name.Attribute),
        ("X ::= dropout(0.1)", "0.1", Number.Float),
        ("primitive batchnorm(eps=1e-5)", "1e-5", Number.Float),
        ("X ::= conv(channels=*2)", "*", Operator),
        ("X ::= conv(channels=*2)", "2", Number),
        ("MIXER ::= 2: attention | mlp", "2", Number),
        ("MIXER ::= 2: attention | mlp", ":", Operator),
        ('"Doc of a rule."\nA ::= relu', '"Doc of a rule."', String.Doc),
        ('"Two\nlines."\nA ::= relu', '"Two\nlines."', String.Doc),
        ('import "blocks.nas"', '"blocks.nas"', String.Double),
        ("param name = 'r'", "'r'", String.Single),
        ("A ::= relu  # a comment | B", "# a comment | B", Comment.Single),
    ],
)
def test_specific_token_types(text: str, value: str, kind: _TokenType) -> None:
    assert kinds_of(text, value) == {kind}


def test_malformed_input_gives_error_tokens_but_keeps_every_character() -> None:
    text = "A ::= relu @ gelu\nB ::= Sequential(A,\n"
    stream = tokens(text)
    assert (Error, "@") in stream
    assert "".join(value for _, value in stream) == text


def test_pygmentize_highlights_an_example() -> None:
    pygmentize = BIN / "pygmentize"
    if not pygmentize.exists():
        pytest.skip(f"pygmentize is not installed beside {sys.executable}")
    path = ROOT / "examples" / "hnb201.nas"
    result = subprocess.run(
        [str(pygmentize), "-l", "nas", "-f", "html", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert '<span class="nc">Sequential</span>' in result.stdout
    assert '<span class="err">' not in result.stdout
