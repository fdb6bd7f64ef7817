"""Completion: what may come at the cursor, read from the tokens before it.

It needs no parse of the file: the names come from the document's own definitions
(a tolerant scan) and from the last space the document lowered to (or the standard
library's), so completion keeps working while the file has syntax errors.
"""

from __future__ import annotations

import os

from lsprotocol import types

from nasc.compiler.lsp.hover import KEYWORD_DOCS, describe
from nasc.compiler.lsp.scan import Scan, scan
from nasc.compiler.space import Space
from nasc.compiler.values import format_value
from nasc.dsl.tokens import KEYWORDS

Kind = types.CompletionItemKind
_TERM_PLACES = frozenset({"::=", "|", ":", "(", ",", "="})


def _item(
    label: str, kind: Kind, order: int, detail: str = "", doc: str = ""
) -> types.CompletionItem:
    return types.CompletionItem(
        label=label,
        kind=kind,
        detail=detail or None,
        documentation=types.MarkupContent(kind=types.MarkupKind.Markdown, value=doc)
        if doc
        else None,
        sort_text=f"{order}{label}",
    )


def _context(found: Scan, offset: int) -> tuple[str, str, list[str | None]]:
    """The statement keyword at the cursor, the token before it and the open calls."""
    statement = next((s for s in reversed(found.statements) if s.start < offset), None)
    keyword = statement.keyword if statement is not None else ""
    start = statement.start if statement is not None else 0
    before = [t for t in found.tokens if t.kind != "comment" and start <= t.start < offset]
    if before and before[-1].kind == "name" and before[-1].start + len(before[-1].text) >= offset:
        before.pop()  # the word being typed
    owners: list[str | None] = []
    for index, token in enumerate(before):
        if token.text in ("(", "["):
            previous = before[index - 1] if index > 0 else None
            owners.append(previous.text if previous and previous.kind == "name" else None)
        elif token.text in (")", "]") and owners:
            owners.pop()
    ended = statement is not None and statement.end < offset and not owners and before
    topology_clause = (
        keyword == "topology"
        and before
        and not owners
        and (before[-1].text in (")", "merge") or before[-1].kind == "number")
    )
    if topology_clause:  # `inputs`, `edges`, `merge` may follow, or a new statement
        return keyword, before[-1].text, owners
    if ended and before[-1].text not in _TERM_PLACES and before[-1].text not in KEYWORDS:
        return "", "", []  # after a complete statement: a new one starts
    return keyword, before[-1].text if before else "", owners


class _Names:
    def __init__(self, space: Space | None, found: Scan) -> None:
        self.space = space
        self.found = found

    def nonterminals(self) -> list[types.CompletionItem]:
        names = {o.name for o in self.found.definitions.values() if o.kind == "rule"}
        values: dict[str, str] = {}
        if self.space is not None:
            # the nonterminals a value choice or a parametrised rule's use stands for
            # (``conv(16, kernel=K)``, ``B(16, 2)``) are named by their text, not written
            names |= {name for name in self.space.rule_map if name.isidentifier()}
            for value_rule in self.space.value_rules:
                values[value_rule.name] = f"value choice, {len(value_rule.options)} values"
            for rule_template in self.space.rule_templates:
                values[rule_template.name] = (
                    f"{rule_template.name}({', '.join(rule_template.params)}): parametrised rule"
                )
        items = []
        for name in sorted(names | set(values)):
            rule = self.space.rule_map.get(name) if self.space else None
            detail = values.get(name) or (
                f"nonterminal, {len(rule.alternatives)} alternatives" if rule else "nonterminal"
            )
            doc = describe(self.space, name, clean=None) if self.space else ""
            items.append(_item(name, Kind.Class, 0, detail, doc or ""))
        return items

    def terms(self) -> list[types.CompletionItem]:
        items = self.nonterminals()
        space = self.space
        if space is not None:
            for primitive in space.primitives:
                signature = ", ".join(f"{k}={format_value(v)}" for k, v in primitive.params)
                detail = f"{primitive.name}({signature})" if signature else primitive.name
                items.append(_item(primitive.name, Kind.Function, 1, detail, primitive.doc or ""))
            for alias in space.aliases:
                bound = ", ".join(f"{k}={format_value(v)}" for k, v in alias.bound)
                detail = f"op {alias.name} = {alias.prim.op}({bound})"
                items.append(_item(alias.name, Kind.Function, 1, detail, alias.doc or ""))
            for composite in space.composites:
                detail = f"op {composite.name}(...) = {composite.body}"
                items.append(_item(composite.name, Kind.Function, 1, detail, composite.doc or ""))
            for topology in space.topologies:
                detail = f"{topology.name}({', '.join(topology.params) or 'a, b, ...'})"
                items.append(_item(topology.name, Kind.Struct, 2, detail, topology.doc or ""))
        known = {item.label for item in items}
        for name, occurrence in self.found.definitions.items():
            if name not in known and occurrence.kind in ("primitive", "alias", "topology"):
                kind = Kind.Struct if occurrence.kind == "topology" else Kind.Function
                items.append(_item(name, kind, 1, occurrence.kind))
        return items

    def params(self) -> list[types.CompletionItem]:
        names = {o.name for o in self.found.definitions.values() if o.kind == "param"}
        if self.space is not None:
            names |= {p.name for p in self.space.params}
        items = [_item(name, Kind.Constant, 0, "param") for name in sorted(names)]
        for value_rule in self.space.value_rules if self.space is not None else ():
            values = " | ".join(format_value(v) for v, _ in value_rule.options)
            items.append(_item(value_rule.name, Kind.Enum, 0, f"value choice: {values}"))
        return items

    def keys(self, owner: str) -> list[types.CompletionItem] | None:
        """The parameters of the primitive or alias ``owner``; None if it is neither."""
        if self.space is None:
            return None
        for rule_template in self.space.rule_templates:
            if rule_template.name == owner:
                return [
                    types.CompletionItem(
                        label=f"{key}=",
                        kind=Kind.Property,
                        detail=f"parameter of {owner}({', '.join(rule_template.params)})",
                        insert_text=f"{key}=",
                        sort_text=f"0{key}",
                    )
                    for key in rule_template.params
                ] + self.params()
        for composite in self.space.composites:
            if composite.name == owner:
                return [
                    types.CompletionItem(
                        label=f"{key}=",
                        kind=Kind.Property,
                        detail=f"parameter of the composite {owner}",
                        insert_text=f"{key}=",
                        sort_text=f"0{key}",
                    )
                    for key, _ in composite.params
                ] + self.params()
        op = next((a.prim.op for a in self.space.aliases if a.name == owner), owner)
        for primitive in self.space.primitives:
            if primitive.name == op:
                return [
                    types.CompletionItem(
                        label=f"{key}=",
                        kind=Kind.Property,
                        detail=f"default {format_value(default)}",
                        insert_text=f"{key}=",
                        sort_text=f"0{key}",
                    )
                    for key, default in primitive.params
                ] + self.params()
        return None


def keywords() -> list[types.CompletionItem]:
    statement_keywords = sorted(KEYWORDS)
    return [
        _item(k, Kind.Keyword, 3, "keyword", KEYWORD_DOCS.get(k, "")) for k in statement_keywords
    ]


def _topology_clauses(previous: str) -> list[types.CompletionItem]:
    """What may follow a topology's parameters, edges or `merge`."""
    if previous == "merge":
        return [
            _item("sum", Kind.Keyword, 0, "add the incoming edges (the default)"),
            _item("concat", Kind.Keyword, 0, "concatenate the incoming edges' channels"),
        ]
    return [
        _item(
            "inputs", Kind.Keyword, 0, "inputs k: nodes 0 .. k-1 are inputs", KEYWORD_DOCS["inputs"]
        ),
        _item("edges", Kind.Keyword, 0, "edges (0,1) (1,2) ...", KEYWORD_DOCS["edges"]),
        _item("merge", Kind.Keyword, 0, "merge concat | merge 6 concat", KEYWORD_DOCS["merge"]),
    ]


def _modules(path: str) -> list[types.CompletionItem]:
    items = [_item("std", Kind.Module, 0, "the standard library")]
    folder = os.path.dirname(path)
    try:
        names = sorted(os.listdir(folder)) if folder else []
    except OSError:
        names = []
    for name in names:
        if name.endswith(".nas") and os.path.join(folder, name) != path:
            items.append(_item(name.removesuffix(".nas"), Kind.Module, 1, name))
    return items


def complete(space: Space | None, path: str, text: str, offset: int) -> list[types.CompletionItem]:
    """Completion items at a character offset of the document at ``path``."""
    found = scan(text)
    if any(
        t.kind in ("comment", "string") and t.start < offset <= t.start + len(t.text)
        for t in found.tokens
    ):
        return []
    names = _Names(space, found)
    keyword, previous, owners = _context(found, offset)
    if previous == "import":
        return _modules(path)
    if previous == "input":
        return [
            _item(name, Kind.EnumMember, 0, "layout") for name in ("sequence", "vector", "channels")
        ]
    if previous == "constraint":
        return [
            _item("connected", Kind.Keyword, 0),
            _item("depth", Kind.Keyword, 0, "depth(NAME) <= k"),
            _item("edges", Kind.Keyword, 0, "edges(Topology) <= k"),
            _item("inputs", Kind.Keyword, 0, "inputs(Topology) == k"),
            _item("params", Kind.Keyword, 0, "params <= 5e6"),
            _item("macs", Kind.Keyword, 0, "macs <= 600e6"),
        ]
    if keyword == "topology" and not owners and (previous in (")", "merge") or previous.isdigit()):
        clauses = _topology_clauses(previous)
        return clauses if previous == "merge" else clauses + keywords()
    if previous == "prune":
        return [_item("unreachable", Kind.Keyword, 0, "ops fed only by zero edges are pruned")]
    if previous in ("start", "shared") or keyword == "shared" or (owners and owners[-1] == "depth"):
        return names.nonterminals()
    if owners and owners[-1] is not None:
        keys = names.keys(owners[-1])
        if keys is not None:
            return keys
    if keyword in ("rule", "op") and (owners or previous in _TERM_PLACES):
        return names.terms()
    if keyword in ("param", "primitive", "topology", "input", "import", "start") and previous:
        return []
    return names.terms() + keywords()
