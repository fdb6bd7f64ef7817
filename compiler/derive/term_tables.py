"""Small nonterminals of a space as tables: every derivation by its canonical text.

A nonterminal without recursion and with at most `SMALL` derivations (an
operation, an activation, a fixed stem) is read in one step: a regular
expression, factored as a trie, finds its text and a dictionary gives the
derivation. `nasc.compiler.derive.term_scan` builds its reader on these.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import product
from typing import Any

from nasc.compiler.derive.derivation import Derivation, is_zero, validate
from nasc.compiler.space import NT, Prim, Space, Template, Topo, nonterminals_in

SMALL = 256  # a nonterminal with at most this many derivations is read by table

Piece = str | int
Pieces = dict[str, list[tuple[int, list[Piece]]]]  # per rule: (alternative, its pieces)


@dataclass
class Table:
    """The derivations of a small nonterminal by their text. ``derivations`` leaves out
    those that break a constraint, which ``pattern`` still matches: the slow path
    explains them."""

    derivations: dict[str, Derivation]
    zeros: dict[str, bool]
    pattern: str


def template_pieces(template: Template) -> list[Piece]:
    """The printed form of an alternative: literal texts and child slots (0, 1, ...)
    in order, adjacent texts joined."""
    pieces: list[Piece] = []
    slot = 0

    def put(piece: Piece) -> None:
        if isinstance(piece, str) and pieces and isinstance(pieces[-1], str):
            pieces[-1] += piece
        else:
            pieces.append(piece)

    def walk(t: Template) -> None:
        nonlocal slot
        if isinstance(t, Prim):
            put(t.text)
        elif isinstance(t, NT):
            put(slot)
            slot += 1
        else:
            put(t.name + "(")
            for i, arg in enumerate(t.args):
                if i:
                    put(", ")
                walk(arg)
            put(")")

    walk(template)
    return pieces


def nonterminal_names(template: Template) -> list[str]:
    """The names of the nonterminals of a template, left to right."""
    return [nt.name for nt in nonterminals_in(template)]


def _prims(template: Template) -> list[Prim]:
    if isinstance(template, Prim):
        return [template]
    if isinstance(template, Topo):
        return [p for arg in template.args for p in _prims(arg)]
    return []


def texts_name_meanings(space: Space) -> bool:
    """Whether every primitive of the space has one text and every text one meaning, so
    that comparing texts is comparing primitives (as the positioned matcher does)."""
    texts: dict[tuple[str, Any], str] = {}
    meanings: dict[str, tuple[str, Any]] = {}
    for rule in space.rules:
        for alt in rule.alternatives:
            for prim in _prims(alt.template):
                meaning = (prim.op, prim.params)
                if texts.setdefault(meaning, prim.text) != prim.text:
                    return False
                if meanings.setdefault(prim.text, meaning) != meaning:
                    return False
    return True


def _alternation(texts: list[str]) -> str:
    """One regular expression matching exactly ``texts``, factored as a trie so that a
    match costs the length of the text, not the number of texts."""
    trie: dict[str, Any] = {}
    for text in texts:
        node = trie
        for ch in text:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict[str, Any]) -> str:
        chain = ""
        while len(node) == 1 and "" not in node:
            ((ch, node),) = node.items()
            chain += re.escape(ch)
        if not node or list(node) == [""]:
            return chain
        branches = [re.escape(ch) + emit(child) for ch, child in node.items() if ch]
        if "" in node:
            branches.append("")
        return chain + "(?:" + "|".join(branches) + ")"

    return emit(trie)


def small_tables(space: Space, pieces: Pieces) -> dict[str, Table]:
    """The table of every small nonterminal; ``pieces``: the printed pieces of each
    rule's canonical alternatives."""
    found: dict[str, list[tuple[Derivation, str]] | None] = {}

    def derivations(name: str) -> list[tuple[Derivation, str]] | None:
        """Every derivation of ``name`` with its text, in the positioned matcher's order
        (alternatives in order, children likewise); None when recursive or too many."""
        if name in found:
            return found[name]
        found[name] = None  # recursion reads as "not small"
        result: list[tuple[Derivation, str]] = []
        for index, printed in pieces[name]:
            parts: list[list[tuple[Derivation, str]]] = []
            size = 1
            for child in nonterminal_names(space.rule_map[name].alternatives[index].template):
                part = derivations(child)
                if part is None:
                    return None
                parts.append(part)
                size *= len(part)
            if size + len(result) > SMALL:
                return None
            for combo in product(*parts):
                text = "".join(p if isinstance(p, str) else combo[p][1] for p in printed)
                result.append((Derivation(name, index, tuple(c[0] for c in combo)), text))
        found[name] = result
        return result

    tables: dict[str, Table] = {}
    for rule in space.rules:
        listed = derivations(rule.name)
        if not listed:
            continue
        texts: set[str] = set()
        table = Table({}, {}, "")
        for d, text in listed:
            if text in texts:
                continue  # a later derivation with the same text never matches first
            texts.add(text)
            if not validate(space, d):
                table.derivations[text] = d
                table.zeros[text] = is_zero(space, d)
        table.pattern = _alternation(sorted(texts))
        tables[rule.name] = table
    return tables
