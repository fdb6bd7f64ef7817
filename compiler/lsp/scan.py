"""A tolerant reading of a document's tokens: where names are defined and used.

Unlike the parser, this never fails: a file with syntax errors still has its
statements, definitions and references found, so that the editor's outline,
completion and navigation keep working while a person types.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass, field

from nasc.dsl import STD_DISPLAY_PATH, STD_NAME
from nasc.dsl.fmt import Token, tokenize
from nasc.dsl.tokens import KEYWORDS

# After these a value follows: a keyword there is a name, not a new statement.
_VALUE_BEFORE = frozenset({"(", ",", "=", "|", "::=", "<=", "[", ":", "*"})
_CONSTRAINTS = ("connected", "depth", "edges", "inputs", "params", "macs", "unreachable")
_DEFINING = {"param": "param", "op": "alias", "primitive": "primitive", "topology": "topology"}


@dataclass(frozen=True, slots=True)
class Occurrence:
    """A name in the text. ``role``: definition, reference, key (a keyword argument or a
    declared parameter, ``owner`` its primitive or topology), local (a topology's own
    parameter) or import (``name`` is the import as written)."""

    name: str
    start: int
    end: int
    role: str
    kind: str = ""
    owner: str | None = None


@dataclass(slots=True)
class StatementExtent:
    """One statement: its first token (the doc string, if any), end, and what it defines."""

    keyword: str
    start: int
    end: int
    definition: Occurrence | None = None


@dataclass
class Scan:
    text: str
    tokens: list[Token]
    occurrences: list[Occurrence] = field(default_factory=list)
    statements: list[StatementExtent] = field(default_factory=list)

    @functools.cached_property
    def definitions(self) -> dict[str, Occurrence]:
        found: dict[str, Occurrence] = {}
        for occurrence in self.occurrences:
            if occurrence.role == "definition":
                found.setdefault(occurrence.name, occurrence)
        return found

    @property
    def imports(self) -> list[Occurrence]:
        return [o for o in self.occurrences if o.role == "import"]

    def at(self, offset: int) -> Occurrence | None:
        """The occurrence under (or just before) the cursor."""
        for occurrence in self.occurrences:
            if occurrence.start <= offset <= occurrence.end:
                return occurrence
        return None


def _at_line_start(text: str, start: int) -> bool:
    return text[text.rfind("\n", 0, start) + 1 : start].strip() == ""


class _Scanner:
    def __init__(self, text: str) -> None:
        self.scan = Scan(text, tokenize(text))
        self.code = [t for t in self.scan.tokens if t.kind != "comment"]
        self.keyword_index = -1

    def text(self, index: int) -> str:
        return self.code[index].text if 0 <= index < len(self.code) else ""

    def starts_statement(self, index: int, depth: int) -> str | None:
        """The statement's keyword (``rule`` or ``doc``) if one starts at this token."""
        token = self.code[index]
        previous = self.text(index - 1)
        if (depth > 0 or previous in _VALUE_BEFORE) and not (
            index == 0 or _at_line_start(self.scan.text, token.start)
        ):
            return None
        if token.kind == "name" and (
            self.text(index + 1) == "::=" or self._parametrised_head(index)
        ):
            return "rule"
        if token.kind == "name" and token.text in KEYWORDS and self.text(index + 1) != "::=":
            return token.text
        if token.kind == "string" and depth == 0 and previous not in _VALUE_BEFORE | {"import"}:
            return "doc"
        return None

    def _parametrised_head(self, index: int) -> bool:
        """Whether ``NAME(a, b) ::=`` starts at this token."""
        if self.text(index + 1) != "(":
            return False
        ahead = index + 2
        while self.text(ahead) == "," or (
            ahead < len(self.code) and self.code[ahead].kind == "name"
        ):
            ahead += 1
        return self.text(ahead) == ")" and self.text(ahead + 1) == "::="

    def run(self) -> Scan:
        depth = 0
        owners: list[str | None] = []
        statement: StatementExtent | None = None
        topology_params: set[str] = set()
        for index, token in enumerate(self.code):
            keyword = self.starts_statement(index, depth)
            if keyword is not None and not (statement and statement.keyword == "doc"):
                if statement is not None:
                    statement.end = self.code[index - 1].start + len(self.code[index - 1].text)
                statement = StatementExtent(keyword, token.start, token.start)
                self.scan.statements.append(statement)
                depth, owners, topology_params = 0, [], set()
                self.keyword_index = index
            elif keyword is not None and statement is not None:
                statement.keyword = keyword
                self.keyword_index = index
            if token.text in ("(", "["):
                depth += 1
                owners.append(self.text(index - 1) if self.code[index - 1].kind == "name" else None)
            elif token.text in (")", "]"):
                depth = max(depth - 1, 0)
                if owners:
                    owners.pop()
            if token.kind == "name" and statement is not None:
                occurrence = self.classify(index, statement, owners, topology_params)
                if occurrence is not None:
                    self.scan.occurrences.append(occurrence)
                    if occurrence.role == "definition" and statement.definition is None:
                        statement.definition = occurrence
            elif token.kind == "string" and self.text(index - 1) == "import":
                self.scan.occurrences.append(
                    Occurrence(
                        token.text[1:-1], token.start, token.start + len(token.text), "import"
                    )
                )
        if statement is not None and self.code:
            statement.end = self.code[-1].start + len(self.code[-1].text)
        return self.scan

    def _in_head(self, index: int) -> bool:
        """Whether a token is inside a rule's head (before its ``::=``)."""
        for ahead in range(index, len(self.code)):
            text = self.code[ahead].text
            if text == ")":
                return self.text(ahead + 1) == "::="
            if text != "," and self.code[ahead].kind != "name":
                return False
        return False

    def classify(
        self,
        index: int,
        statement: StatementExtent,
        owners: list[str | None],
        topology_params: set[str],
    ) -> Occurrence | None:
        token = self.code[index]
        name, start, end = token.text, token.start, token.start + len(token.text)
        previous, following = self.text(index - 1), self.text(index + 1)
        keyword = statement.keyword
        if index == self.keyword_index:
            return Occurrence(name, start, end, "definition", "rule") if keyword == "rule" else None
        if previous in KEYWORDS and previous == keyword and following != "::=":
            if keyword == "import":
                return Occurrence(name, start, end, "import")
            if keyword in _DEFINING:
                return Occurrence(name, start, end, "definition", _DEFINING[keyword])
            if keyword in ("input", "constraint", "prune"):
                return None
        if keyword == "rule" and owners and previous in ("(", ",") and self._in_head(index):
            topology_params.add(name)
            return Occurrence(name, start, end, "local", "rule parameter", owner=owners[-1])
        if keyword == "topology" and owners and previous in ("(", ","):
            topology_params.add(name)
            return Occurrence(name, start, end, "local", owner=owners[-1])
        if keyword == "topology":
            return Occurrence(name, start, end, "local") if name in topology_params else None
        if owners and following == "=" and previous in ("(", ","):
            return Occurrence(name, start, end, "key", owner=owners[-1])
        if keyword == "rule" and name in topology_params and following != "(":
            return Occurrence(name, start, end, "local", "rule parameter")
        if keyword in ("param", "input") or name in ("true", "false", *_CONSTRAINTS):
            return None
        return Occurrence(name, start, end, "reference")


@functools.lru_cache(maxsize=32)
def scan(text: str) -> Scan:
    """Definitions, references, imports and statements of a text (cached by text).

    >>> [o.name for o in scan("import std\\nA ::= conv(16, kernel=3) | B").occurrences]
    ['std', 'A', 'conv', 'kernel', 'B']
    """
    return _Scanner(text).run()


def import_target(importer: str, written: str, is_path: bool) -> str:
    """The path an import names, as the compiler resolves it (`std` is the standard library)."""
    if not is_path and written == STD_NAME:
        return STD_DISPLAY_PATH
    relative = written if is_path else written + ".nas"
    return os.path.normpath(os.path.join(os.path.dirname(importer), relative))


def imports_of(path: str, text: str) -> list[tuple[Occurrence, str]]:
    """Each import of a file with the path it names."""
    found = []
    for occurrence in scan(text).imports:
        is_path = text[occurrence.start] in "\"'"
        found.append((occurrence, import_target(path, occurrence.name, is_path)))
    return found
