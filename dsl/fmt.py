"""The canonical layout of `.nas` text (`nasc fmt` and the language server's formatting).

The formatter works on the token stream, so it keeps every comment and doc string:

- one statement per line, a doc string on its own line above its statement;
- ``::=`` aligned within a run of consecutive rules (comments, docs and blank lines
  do not end a run; any other statement does);
- a rule keeps the line breaks its author put between alternatives (a continuation
  line starts with ``|`` under the ``=`` of ``::=``) and after commas inside calls
  (aligned after the open parenthesis); breaks anywhere else are removed; a rule with
  a line over 100 columns is broken before every ``|`` when it had no such break, and
  a line still too long is filled at the last ``|`` or ``,`` that fits;
- single spaces around ``::=``, ``|``, ``<=`` and a statement's ``=``; none around a
  keyword argument's ``=``; ``, `` between arguments; edges written ``(0,1)``;
- a comment after code starts at column 34 (or two spaces after longer code);
  at most one blank line between statements.

Formatting never changes meaning: the output has exactly the tokens of the input.

>>> print(format_text("A::=x|  y( 1,k = 2 )"), end="")
A ::= x | y(1, k=2)
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from nasc.dsl import NascError, Source, parse
from nasc.dsl.diagnostics import error
from nasc.dsl.tokens import DOUBLE_QUOTED, KEYWORDS, NAME, NUMBER, SINGLE_QUOTED

LINE_LIMIT = 100
COMMENT_COLUMN = 33  # 0-based: comments after code start in column 34

_TOKEN = re.compile(
    r"(?P<space>\s+)"
    r"|(?P<comment>#[^\r\n]*)"
    rf"|(?P<string>{DOUBLE_QUOTED}|{SINGLE_QUOTED})"
    rf"|(?P<number>{NUMBER})"
    rf"|(?P<name>{NAME})"
    r"|(?P<punct>::=|<=|==|[()\[\],|=:*])",
    re.DOTALL,
)


@dataclass(frozen=True, slots=True)
class Token:
    """A token: ``kind`` is name, number, string, punct, comment or error (any other character)."""

    kind: str
    text: str
    start: int
    newlines_before: int  # line breaks between the previous token and this one


def tokenize(text: str) -> list[Token]:
    """The tokens of `.nas` text, comments included; never fails (stray text is ``error``)."""
    tokens: list[Token] = []
    newlines = 0
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            tokens.append(Token("error", text[position], position, newlines))
            newlines = 0
            position += 1
            continue
        kind = match.lastgroup or "error"
        if kind == "space":
            newlines += match.group().count("\n")
        else:
            tokens.append(Token(kind, match.group(), position, newlines))
            newlines = 0
        position = match.end()
    return tokens


@dataclass(slots=True)
class Piece:
    """A token as laid out: ``space`` before it on one line; ``brk`` marks a place a line
    may break before it (``bar`` before an alternative's ``|``, ``arg`` after a comma)."""

    token: Token
    space: bool
    brk: str | None = None


@dataclass(slots=True)
class Statement:
    doc: Token | None = None
    pieces: list[Piece] = field(default_factory=list)
    trailing: Token | None = None
    rule_name: str | None = None  # the rule's head as laid out: ``B`` or ``B(width, stride)``
    head: int = 1  # pieces in the rule's head
    blank_before: bool = False


@dataclass(slots=True)
class Comment:
    token: Token
    blank_before: bool = False


class _Unformattable(Exception):
    def __init__(self, why: str, token: Token | None = None) -> None:
        super().__init__(why)
        self.token = token


_Item = Callable[[str | None], object]


class _Reader:
    """Splits the tokens into statements following the grammar in nas.tx."""

    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.index = 0
        self.current = Statement()

    def peek(self, ahead: int = 0) -> Token | None:
        index = self.index
        while index < len(self.tokens):
            if self.tokens[index].kind != "comment":
                if ahead == 0:
                    return self.tokens[index]
                ahead -= 1
            index += 1
        return None

    def at(self, text: str, ahead: int = 0) -> bool:
        token = self.peek(ahead)
        return token is not None and token.kind in ("punct", "name") and token.text == text

    def take(self, space: bool, kind: str | None = None, brk: str | None = None) -> Token:
        while self.tokens[self.index].kind == "comment":
            self.current.pieces.append(Piece(self.tokens[self.index], True))
            self.index += 1
        token = self.tokens[self.index]
        if kind is not None and token.kind != kind and token.text != kind:
            raise _Unformattable(f"unexpected {token.text!r}", token)
        self.current.pieces.append(Piece(token, space, brk))
        self.index += 1
        return token

    def items(self) -> list[Statement | Comment]:
        items: list[Statement | Comment] = []
        while self.index < len(self.tokens):
            token = self.tokens[self.index]
            if token.kind == "comment":
                items.append(Comment(token, token.newlines_before > 1))
                self.index += 1
                continue
            self.current = Statement(blank_before=token.newlines_before > 1)
            self.statement()
            after = self.tokens[self.index] if self.index < len(self.tokens) else None
            if after is not None and after.kind == "comment" and after.newlines_before == 0:
                self.current.trailing = after
                self.index += 1
            items.append(self.current)
        return items

    def statement(self) -> None:
        first = self.peek()
        assert first is not None
        if first.kind == "string":
            self.current.doc = first
            self.index += 1
        first = self.peek()
        if first is None:
            raise _Unformattable("a doc string with no statement after it")
        if first.kind == "name" and (self.at("::=", 1) or self._parametrised_head()):
            self.rule()
            return
        keyword = self.take(False, "name").text
        if keyword in ("import", "start"):
            self.take(True)
        elif keyword == "input":
            if self.peek() is not None and not self.at("["):
                self.take(True, "name")
            self.sequence("[", "]", self.integer, True)
        elif keyword == "param":
            self.take(True, "name")
            self.take(True, "=")
            self.value(True)
        elif keyword == "shared":
            self.shared_name()
            while self.at(","):
                self.take(False, ",")
                self.shared_name()
        elif keyword == "constraint":
            self.constraint()
        elif keyword == "prune":
            self.take(True, "name")
        elif keyword == "op":
            self.take(True, "name")
            if self.at("("):  # a composite's parameters
                self.sequence("(", ")", self.argument, False)
            self.take(True, "=")
            self.call(True)
        elif keyword == "primitive":
            self.take(True, "name")
            if self.at("("):
                self.sequence("(", ")", self.argument, False)
        elif keyword == "topology":
            self.topology()
        else:
            glued = next((k for k in sorted(KEYWORDS) if keyword.startswith(k)), None)
            if glued is not None:
                raise _Unformattable(
                    f"{keyword!r} reads as the keyword '{glued}' and a name: write them apart",
                    self.tokens[self.index - 1],
                )
            raise _Unformattable(f"unexpected {keyword!r}", self.tokens[self.index - 1])

    def shared_name(self) -> None:
        """``NAME`` or ``NAME(key, ...)`` of a `shared` statement."""
        self.take(True, "name")
        if self.at("("):
            self.sequence("(", ")", lambda brk: self.take(brk is not None, "name", brk), False)

    def integer(self, brk: str | None) -> None:
        self.take(brk is not None, "number", brk)

    def constraint(self) -> None:
        kind = self.take(True, "name").text
        if kind in ("depth", "edges", "inputs"):
            self.take(False, "(")
            self.take(False, "name")
            while self.at(","):  # `inputs(T, 4, 5) == k`
                self.take(False, ",")
                self.take(True, "number")
            self.take(False, ")")
            if self.at("=="):  # `inputs(T) == k`
                self.take(True, "==")
            else:
                self.take(True, "<=")
            self.take(True, "number")
        elif kind in ("params", "macs"):
            self.take(True, "<=")
            self.take(True, "number")

    def topology(self) -> None:
        self.take(True, "name")
        self.sequence("(", ")", lambda brk: self.take(brk is not None, "name", brk), False)
        if self.at("inputs"):
            self.take(True, "inputs", "edge")
            self.take(True, "number")
        self.take(True, "edges", "edge")
        first = True
        while self.at("("):
            self.take(True, "(", None if first else "edge")
            self.take(False, "number")
            self.take(False, ",")
            self.take(False, "number")
            self.take(False, ")")
            first = False
        while self.at("merge"):  # `merge sum`, `merge 8 concat`
            self.take(True, "merge", "edge")
            token = self.peek()
            if token is not None and token.kind == "number":
                self.take(True, "number")
            self.take(True, "name")

    def sequence(self, open_: str, close: str, item: _Item, space: bool) -> None:
        self.take(space, open_)
        if not self.at(close):
            item(None)
            while self.at(","):
                self.take(False, ",")
                item("arg")
        self.take(False, close)

    def _parametrised_head(self) -> bool:
        """Whether the tokens ahead read ``NAME(a, b) ::=``."""
        if not self.at("(", 1):
            return False
        ahead = 2
        while True:
            token = self.peek(ahead)
            if token is None or token.text == "(":
                return False
            if token.text == ")":
                return self.at("::=", ahead + 1)
            ahead += 1

    def rule(self) -> None:
        start = len(self.current.pieces)
        name = self.take(False, "name").text
        if self.at("("):  # parameters, or values selecting a clause: `PRE(c, 1)`
            self.sequence("(", ")", self._head_param, False)
            head = [p for p in self.current.pieces[start:] if p.token.kind != "comment"]
            name = "".join(" " * p.space * (i > 0) + p.token.text for i, p in enumerate(head))
        self.current.rule_name = name
        self.current.head = len(self.current.pieces) - start
        self.take(True, "::=")
        self.alternative()
        while self.at("|"):
            self.take(True, "|", "bar")
            self.alternative()

    def _head_param(self, brk: str | None) -> None:
        token = self.peek()
        kind = "name" if token is None or token.kind not in ("number", "string") else None
        self.take(brk is not None, kind)

    def alternative(self) -> None:
        first = self.peek()
        if first is not None and first.kind == "number" and self.at(":", 1):
            self.take(True, "number")
            self.take(False, ":")
        self.value(True)

    def call(self, space: bool, brk: str | None = None) -> None:
        self.take(space, "name", brk)
        if self.at("("):
            self.sequence("(", ")", self.argument, False)

    def argument(self, brk: str | None) -> None:
        token = self.peek()
        if token is not None and token.kind == "name" and self.at("=", 1):
            self.take(brk is not None, "name", brk)
            self.take(False, "=")
            self.value(False)
        else:
            self.value(brk is not None, brk)

    def value(self, space: bool, brk: str | None = None) -> None:
        token = self.peek()
        if token is not None and token.text == "*":
            self.take(space, "*", brk)
            self.take(False, "number")
        elif token is not None and token.text == "(":
            self.take(space, "(", brk)
            self.value(False)
            while self.at("|"):
                self.take(True, "|")
                self.value(True)
            self.take(False, ")")
        elif token is not None and token.text == "[":  # a list of sizes: [1, 3, 3]
            self.sequence("[", "]", lambda brk: self.take(brk is not None, "number"), space)
        elif token is not None and token.kind in ("number", "string"):
            self.take(space, None, brk)
        else:
            self.call(space, brk)


class _Layout:
    """Lines of one statement; ``width`` is the name column of a run of rules."""

    def __init__(self, statement: Statement, width: int) -> None:
        self.statement = statement
        self.rule = statement.rule_name is not None
        self.width = width
        # how many brackets are open before each piece
        self.depths: list[int] = []
        depth = 0
        for piece in statement.pieces:
            if piece.token.kind == "punct" and piece.token.text in (")", "]"):
                depth = max(depth - 1, 0)
            self.depths.append(depth)
            if piece.token.kind == "punct" and piece.token.text in ("(", "["):
                depth += 1

    def lines(self) -> list[str]:
        pieces = self.statement.pieces
        if not self.rule:  # a topology's edges are filled when too long
            # a topology keeps the author's line breaks between edges, as a rule its bars
            breaks = {
                i for i, p in enumerate(pieces) if p.brk == "edge" and p.token.newlines_before
            }
            lines, overflow = self.render(breaks, fill=False)
            if overflow and any(p.brk == "edge" for p in pieces):
                lines, _ = self.render(breaks, fill=True)
        else:
            breaks = {i for i, p in enumerate(pieces) if p.brk and _broken_in_source(pieces, i)}
            lines, overflow = self.render(breaks, fill=False)
            if overflow:
                bars = {i for i, p in enumerate(pieces) if p.brk == "bar"}
                if not breaks & bars:
                    breaks |= bars
                lines, _ = self.render(breaks, fill=True)
        if self.statement.trailing is not None:
            lines[-1] = _after_code(lines[-1], self.statement.trailing.text)
        if self.statement.doc is not None:
            lines.insert(0, self.statement.doc.text)
        return lines

    def indent(self, piece: Piece, stack: list[int], started: bool) -> int:
        if not started:
            return 0
        if stack:
            return stack[-1] + 1
        if self.rule:
            return self.width + (3 if piece.token.text == "|" else 5)
        return 4

    def render(self, breaks: set[int], fill: bool) -> tuple[list[str], bool]:
        """The lines, and whether code on one of them passes the line limit."""
        pieces = self.statement.pieces
        lines: list[str] = []
        overflow = False
        line = ""
        fresh, started = True, False
        stack: list[int] = []
        for index, piece in enumerate(pieces):
            token = piece.token
            if token.kind == "comment":
                overflow |= not fresh and len(line) > LINE_LIMIT
                if fresh:
                    lines.append(" " * self.indent(piece, stack, started) + token.text)
                elif token.newlines_before:
                    lines.extend([line, " " * self.indent(piece, stack, started) + token.text])
                else:
                    lines.append(_after_code(line, token.text))
                fresh = True
                continue
            text = token.text
            if self.rule and index == self.statement.head - 1:
                text += " " * (self.width - len(self.statement.rule_name or ""))
            if not fresh and (
                index in breaks
                or (fill and piece.brk and len(line) + self.segment(index, breaks) > LINE_LIMIT)
            ):
                overflow |= len(line) > LINE_LIMIT
                lines.append(line)
                fresh = True
            if fresh:
                line = " " * self.indent(piece, stack, started) + text
                fresh, started = False, True
            else:
                line += " " * piece.space + text
            if text in ("(", "["):
                stack.append(len(line) - 1)
            elif token.text in (")", "]") and stack:  # a rule head's `)` carries padding
                stack.pop()
        if not fresh:
            overflow |= len(line) > LINE_LIMIT
            lines.append(line)
        return lines, overflow

    def segment(self, start: int, breaks: set[int]) -> int:
        """Width of the pieces from ``start`` to the next place a line may break at the
        same or an outer level: a nested call's arguments stay on one line when they fit,
        so lines break between the outer arguments first."""
        pieces, depths = self.statement.pieces, self.depths
        width = 0
        for index in range(start, len(pieces)):
            piece = pieces[index]
            if index > start and (
                (piece.brk and depths[index] <= depths[start])
                or index in breaks
                or piece.token.kind == "comment"
            ):
                break
            width += len(piece.token.text) + piece.space
        return width


def _broken_in_source(pieces: list[Piece], index: int) -> bool:
    """Whether the author broke the line at this place (either side of its ``|`` or ``,``)."""
    if pieces[index].token.newlines_before:
        return True
    neighbour = index + 1 if pieces[index].brk == "bar" else index - 1
    return 0 <= neighbour < len(pieces) and pieces[neighbour].token.newlines_before > 0


def _after_code(line: str, comment: str) -> str:
    line = line.rstrip()
    return line.ljust(max(COMMENT_COLUMN, len(line) + 2)) + comment


def _rule_widths(items: list[Statement | Comment]) -> dict[int, int]:
    """The name column of each rule: the longest name in its run of consecutive rules."""
    widths: dict[int, int] = {}
    run: list[Statement] = []
    for item in [*items, Statement()]:
        if isinstance(item, Comment):
            continue
        if item.rule_name is not None:
            run.append(item)
            continue
        width = max((len(rule.rule_name or "") for rule in run), default=0)
        widths.update((id(rule), width) for rule in run)
        run = []
    return widths


def _signature(tokens: list[Token]) -> list[tuple[str, str]]:
    return [(t.kind, t.text.rstrip() if t.kind == "comment" else t.text) for t in tokens]


def format_text(text: str, path: str = "<text>") -> str:
    """The canonical layout of `.nas` text; NascError (E100) when it does not parse.

    >>> print(format_text("import std\\nOP::=id|zero   # none\\n"), end="")
    import std
    OP ::= id | zero                 # none
    """
    parse(Source.of(path, text))
    tokens = tokenize(text)
    try:
        items = _Reader(tokens).items()
    except _Unformattable as exc:
        raise _cannot_format(path, text, str(exc), exc.token) from None
    except IndexError:
        raise _cannot_format(path, text, "unexpected end of the file", None) from None
    widths = _rule_widths(items)
    out: list[str] = []
    for item in items:
        if out and item.blank_before:
            out.append("")
        if isinstance(item, Comment):
            out.append(item.token.text)
        else:
            out.extend(_Layout(item, widths.get(id(item), 0)).lines())
    newline = "\r\n" if "\r\n" in text else "\n"
    result = "".join(line.rstrip() + newline for line in out)
    if _signature(tokenize(result)) != _signature(tokens):
        raise _cannot_format(path, text, "the layout would change the tokens (a bug)", None)
    return result


def _cannot_format(path: str, text: str, why: str, token: Token | None) -> NascError:
    source = Source.of(path, text)
    where = source.span(token.start, token.start + len(token.text)) if token else None
    return NascError(error("E100", f"cannot format: {why}", where))
