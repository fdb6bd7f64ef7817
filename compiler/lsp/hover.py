"""What the editor shows on hover: a name's declaration, its documentation and, for a
nonterminal, its alternatives and the exact number of architectures it derives."""

from __future__ import annotations

import math

from nasc.compiler.derive.counting import count
from nasc.compiler.space import Alias, PrimitiveDecl, Rule, Space, Topology, template_text
from nasc.compiler.values import Value, format_value
from nasc.dsl import NascError

KEYWORD_DOCS = {
    "import": "`import std` (the standard library), `import name` (`name.nas` beside this "
    'file) or `import "path/to/file.nas"`: brings the file\'s names into this space.',
    "input": "`input [C, H, W]` (channels first, no batch), `input sequence [L, D]` or "
    "`input vector [D]`: the shape the architectures take.",
    "param": "`param name = value`: a compile-time constant; `--set name=value` overrides it.",
    "start": "`start NAME`: the start symbol (otherwise the first rule of the main file).",
    "shared": "`shared NAME, ...`: every occurrence of the nonterminal takes the same "
    "sub-derivation. `shared CELL(kind)`: the uses of the parametrised rule CELL with equal "
    "`kind` take the same choices, each with its own values; `shared CELL()` ties all of them.",
    "constraint": "`constraint edges(T) <= k`, `inputs(T) == k`, `params <= N`, `macs <= N`, "
    "`constraint connected` (zero edges never cut a topology's input from its "
    "output) or `constraint depth(NAME) <= k` (a bound on recursion).",
    "prune": "`prune unreachable`: an op fed only by zero edges, which the input cannot "
    "reach, is pruned and carries zeros on (the hNB201 paper's semantics); without it such "
    "ops are built on zeros, as NAS-Bench-201's code builds them.",
    "unreachable": "Ops fed only by zero edges are pruned.",
    "op": "`op name = primitive(args)`: an alias binding parameters of a primitive; "
    "`op name(param=default, ...) = term`: a composite operation, a named sub-network of "
    "primitives and topologies that stays one unit in terms.",
    "primitive": "`primitive name(param=default, ...)`: declares a primitive of the op table.",
    "topology": "`topology Name(a, b, ...) [inputs k] edges (0,1) ... [merge sum|concat|param] "
    "[merge N concat|param ...]`: argument i labels edge i; nodes 0 to k-1 are the inputs "
    "(k = 1 by default), the highest node the output. A topology with several inputs is "
    "wired in `Cascade(...)`.",
    "edges": "The edges of a topology, `(source,target)`; argument i labels edge i. "
    "`constraint edges(T) <= k`: at most k edges of each use of topology T are not `zero` "
    "(NAS-Bench-101's 9); counted and sampled exactly.",
    "merge": "How a node with several incoming edges merges them: `sum` (default), "
    "`concat`, or a parameter that takes a binary operation; `merge N concat` sets node N's "
    "merge only (DARTS: sum inside the cell, concat at its output).",
    "connected": "Zero edges never cut a topology's input from its output.",
    "inputs": "In a topology, `inputs k`: nodes 0 to k-1 are its inputs (a cell reading "
    "c_{k-2} and c_{k-1}). `constraint inputs(T) == k`: every node of topology T but its "
    "inputs and output has exactly k incoming edges that are not `zero` (DARTS: 2); "
    "`inputs(T, 4, 5) == k`: only the nodes listed; counted and sampled exactly.",
    "params": "`params <= N`: a budget on the architecture's learned parameters, honoured "
    "by rejection (`nasc count` gives the acceptance rate).",
    "macs": "`macs <= N`: a budget on the architecture's multiply-accumulates, honoured by "
    "rejection (`nasc count` gives the acceptance rate).",
    "depth": "`depth(NAME) <= k`: NAME nests at most k times.",
}


def _call(name: str, params: tuple[tuple[str, Value], ...]) -> str:
    inner = ", ".join(f"{key}={format_value(value)}" for key, value in params)
    return f"{name}({inner})" if params else name


def _topology_text(topology: Topology) -> str:
    if topology.variadic:
        return f"{topology.name}(a, b, ...)"
    edges = " ".join(f"({e.source},{e.target})" for e in topology.edges)
    merge = "" if topology.merge == "sum" else f" merge {topology.merge}"
    merge += "".join(f" merge {node} {how}" for node, how in topology.node_merges)
    inputs = f" inputs {topology.inputs}" if topology.inputs > 1 else ""
    return f"topology {topology.name}({', '.join(topology.params)}){inputs} edges {edges}{merge}"


def _rule_text(rule: Rule) -> str:
    lines = []
    for number, alternative in enumerate(rule.alternatives):
        weight = "" if alternative.weight == 1.0 else f"{alternative.weight:g}: "
        lead = f"{rule.name} ::= " if number == 0 else " " * (len(rule.name) + 3) + "| "
        lines.append(lead + weight + template_text(alternative.template))
    return "\n".join(lines)


def format_count(count: int) -> str:
    """An exact count with thousands separators, and its order of magnitude when large."""
    if count.bit_length() > 13_000:  # past what int-to-text conversion allows by default
        return f"about 10^{math.log10(count):.1f}"
    text = f"{count:,}"
    return text if count < 10**9 else f"{text} (about 10^{math.log10(count):.1f})"


def count_line(space: Space, name: str, clean: bool) -> str:
    if not clean:
        return "_Its number of architectures shows once the space checks clean._"
    try:
        return f"Derives **{format_count(count(space, name))}** architectures."
    except NascError as exc:
        return f"_{exc.diagnostics[0].message}._"
    except Exception as exc:  # counting is best effort in the editor
        return f"_Cannot count it: {exc}._"


def describe(space: Space, name: str, clean: bool | None = True) -> str | None:
    """Markdown for a named thing of the space, or None if the space does not know it.

    For a nonterminal it ends with its count of architectures when ``clean`` (the space
    checks clean), a note when not, and nothing when ``clean`` is None.
    """
    item: Rule | Topology | PrimitiveDecl | Alias | None = space.rule_map.get(name)
    if isinstance(item, Rule):
        count = "" if clean is None else count_line(space, name, clean)
        parts = [_fence(_rule_text(item)), item.doc or "", count]
        return "\n\n".join(p for p in parts if p)
    for value_rule in space.value_rules:
        if value_rule.name == name:
            values = " | ".join(
                ("" if w == 1.0 else f"{w:g}: ") + format_value(v) for v, w in value_rule.options
            )
            return _join(f"{name} ::= {values}", value_rule.doc) + (
                f"\n\nA choice of {len(value_rule.options)} values for arguments."
            )
    for rule_template in space.rule_templates:
        if rule_template.name == name:
            uses = [r for r in space.rules if r.name.startswith(name + "(")]
            head = f"{name}({', '.join(rule_template.params)}) ::= {rule_template.body}"
            used = f"\n\nUsed as {', '.join(f'`{r.name}`' for r in uses)}." if uses else ""
            return _join(head, rule_template.doc) + used
    for param in space.params:
        if param.name == name:
            return _join(f"param {name} = {format_value(param.value)}", param.doc)
    if name in space.topology_map:
        topology = space.topology(name)
        return _join(_topology_text(topology), topology.doc)
    for primitive in space.primitives:
        if primitive.name == name:
            return _join(f"primitive {_call(name, primitive.params)}", primitive.doc)
    for alias in space.aliases:
        if alias.name == name:
            return _join(f"op {name} = {_call(alias.prim.op, alias.bound)}", alias.doc)
    for composite in space.composites:
        if composite.name == name:
            params = ", ".join(
                key if value is None else f"{key}={format_value(value)}"
                for key, value in composite.params
            )
            head = f"op {name}({params})" if composite.params else f"op {name}"
            return _join(f"{head} = {composite.body}", composite.doc) + (
                "\n\nA composite operation: one unit in terms, expanded when the graph is built."
            )
    return None


def describe_key(space: Space, owner: str, key: str) -> str | None:
    """Markdown for a keyword argument ``key`` of the primitive or alias ``owner``."""
    op = owner
    for alias in space.aliases:
        if alias.name == owner:
            op = alias.prim.op
    for composite in space.composites:
        if composite.name == owner:
            for name, default in composite.params:
                if name == key:
                    shown = "none" if default is None else f"`{format_value(default)}`"
                    return f"Parameter `{key}` of the composite `{owner}`, default {shown}."
    for primitive in space.primitives:
        if primitive.name == op:
            for name, default in primitive.params:
                if name == key:
                    return f"Parameter `{key}` of `{op}`, default `{format_value(default)}`."
    return None


def _fence(code: str) -> str:
    return f"```nas\n{code}\n```"


def _join(code: str, doc: str | None) -> str:
    return _fence(code) + (f"\n\n{doc}" if doc else "")
