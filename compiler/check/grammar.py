"""Checks of the grammar itself: duplicates, productivity, reachability, recursion,
topologies and merges. Each check is a pure function of the Space returning
diagnostics; `CHECKS` lists them in the order they run."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from nasc.compiler.nonterminals import closure, recursive_components, references
from nasc.compiler.ops import OPS
from nasc.compiler.space import (
    NT,
    SEQUENTIAL,
    Edge,
    Prim,
    Space,
    Template,
    Topo,
    nonterminals_in,
    template_text,
)
from nasc.dsl import Diagnostic
from nasc.dsl.diagnostics import error, warning


def _defined(space: Space) -> set[str]:
    return {rule.name for rule in space.rules}


def duplicate_alternatives(space: Space) -> list[Diagnostic]:
    found = []
    for rule in space.rules:
        firsts = rule.first_alternatives()
        for index, alt in enumerate(rule.alternatives):
            if firsts[alt.template] != index:
                first = rule.alternatives[firsts[alt.template]]
                found.append(
                    error(
                        "E301",
                        f"'{rule.name}' lists this alternative twice (first at {first.span})",
                        alt.span,
                        "a repeated alternative adds no architecture but doubles its weight "
                        "in sampling and inflates naive counts; delete it or use a weight",
                    )
                )
    return found


def productive_nonterminals(space: Space) -> set[str]:
    """Nonterminals that can derive at least one finished architecture.

    A worklist, linear in the size of the grammar: each alternative waits for the
    distinct defined nonterminals it names; when the last of them turns out to be
    productive, so does the alternative's rule. (Sweeping the rules until nothing
    changes took one sweep per link of a chain: quadratic in its length.)
    """
    defined = _defined(space)
    productive: set[str] = set()
    ready: list[str] = []
    missing: list[int] = []
    owner: list[str] = []
    waiting: dict[str, list[int]] = {}
    for rule in space.rules:
        for alt in rule.alternatives:
            refs = {ref.name for ref in nonterminals_in(alt.template) if ref.name in defined}
            slot = len(missing)
            missing.append(len(refs))
            owner.append(rule.name)
            for name in refs:
                waiting.setdefault(name, []).append(slot)
            if not refs and rule.name not in productive:
                productive.add(rule.name)
                ready.append(rule.name)
    while ready:
        for slot in waiting.get(ready.pop(), ()):
            missing[slot] -= 1
            if missing[slot] == 0 and owner[slot] not in productive:
                productive.add(owner[slot])
                ready.append(owner[slot])
    return productive


def non_productive(space: Space) -> list[Diagnostic]:
    productive = productive_nonterminals(space)
    return [
        error(
            "E302",
            f"'{rule.name}' can never finish deriving: every alternative needs a "
            "nonterminal that cannot finish",
            rule.span,
            "give it an alternative that ends in primitives, or one through finishing nonterminals",
        )
        for rule in space.rules
        if rule.name not in productive
    ]


def unused_and_unreachable(space: Space) -> list[Diagnostic]:
    graph = references(space)
    for rule in space.rules:  # a tied place is built with its own instance
        for alt in rule.alternatives:
            for ref in nonterminals_in(alt.template):
                if ref.actual is not None:
                    graph[rule.name].add(ref.actual)
    referenced = {name for names in graph.values() for name in names}
    live = closure(graph, [space.start])
    found = []
    for rule in space.rules:
        if rule.span is None or rule.span.path != space.path or rule.name == space.start:
            continue
        if rule.name not in referenced:
            found.append(
                warning(
                    "W500",
                    f"nonterminal '{rule.name}' is never used",
                    rule.span,
                    f"no rule refers to it and it is not the start symbol '{space.start}'",
                )
            )
        elif rule.name not in live:
            found.append(
                warning(
                    "W501",
                    f"nonterminal '{rule.name}' is unreachable from the start symbol '{space.start}'",
                    rule.span,
                    "only rules that are themselves unreachable refer to it",
                )
            )
    return found


def unbounded_recursion(space: Space) -> list[Diagnostic]:
    found = []
    bounded = space.depth_bound
    for component in recursive_components(space):
        if component & bounded.keys():
            continue
        first = min(component)
        span = space.rule(first).span
        found.append(
            warning(
                "W502",
                f"recursion through {', '.join(sorted(component))} has no depth bound: "
                "the space is infinite",
                span,
                f"add `constraint depth({first}) <= k` to make it finite; "
                "uniform sampling needs a finite space, pcfg sampling does not",
            )
        )
    return found


def _arguments(space: Space) -> Iterator[tuple[Topo | Prim | NT, bool]]:
    """Every topology argument in every alternative, with whether it is the merge argument.

    An alternative itself stands where its nonterminal is used, so only arguments
    say whether a place takes a binary operation.
    """

    def walk(template: Topo | Prim | NT) -> Iterator[tuple[Topo | Prim | NT, bool]]:
        if isinstance(template, Topo):
            topology = space.topology_map.get(template.name)
            merge_args = set(topology.merge_args) if topology else set()
            for i, arg in enumerate(template.args):
                yield arg, i in merge_args
                yield from walk(arg)

    for rule in space.rules:
        for alt in rule.alternatives:
            yield from walk(alt.template)


def _top_kinds(space: Space) -> dict[str, set[str]]:
    """For each nonterminal: can it derive a binary op ('binary'), and anything else ('other')."""
    kinds: dict[str, set[str]] = {rule.name: set() for rule in space.rules}
    changed = True
    while changed:
        changed = False
        for rule in space.rules:
            for alt in rule.alternatives:
                t = alt.template
                if isinstance(t, NT):
                    new = kinds.get(t.name, set())
                elif isinstance(t, Prim) and t.body is None and OPS[t.op].kind == "binary":
                    new = {"binary"}
                else:
                    new = {"other"}
                if not new <= kinds[rule.name]:
                    kinds[rule.name] |= new
                    changed = True
    return kinds


def merges(space: Space) -> list[Diagnostic]:
    """Binary operations go exactly where a topology merges by an argument."""
    kinds = _top_kinds(space)
    found = []
    start = space.rule_map.get(space.start)
    places = list(_arguments(space))
    if start is not None:
        places.append((NT(start.name, start.span), False))
    for template, is_merge in places:
        if isinstance(template, Prim):
            binary = template.body is None and OPS[template.op].kind == "binary"
            can = {"binary"} if binary else {"other"}
        elif isinstance(template, NT):
            can = kinds.get(template.name, set())
        else:
            can = {"other"}
        if is_merge and "other" in can:
            found.append(
                error(
                    "E306",
                    f"'{_name(template)}' is used as a merge, but it can derive something "
                    "that is not a binary operation",
                    template.span,
                    "a topology's merge argument must always be a binary op (add, multi, ...)",
                )
            )
        elif not is_merge and "binary" in can:
            found.append(
                error(
                    "E306",
                    f"'{_name(template)}' can derive a binary operation, which needs two inputs, "
                    "in a place that gives it one",
                    template.span,
                    "use binary operations as the merge argument of a topology, "
                    "e.g. `topology Binary(op, a, b) edges (0,1) (0,1) merge op`",
                )
            )
    for topology in space.topologies:
        if not topology.merge_args or topology.variadic:
            continue
        incoming: dict[int, int] = {}
        for edge in topology.edges:
            incoming[edge.target] = incoming.get(edge.target, 0) + 1
        by_binary = {
            node: n
            for node, n in incoming.items()
            if topology.merge_of(node) not in ("sum", "concat")
        }
        wrong = {node: n for node, n in by_binary.items() if n not in (1, 2)}
        if wrong or 2 not in by_binary.values():
            found.append(
                error(
                    "E306",
                    f"topology '{topology.name}' merges by a binary operation, so each "
                    "node it merges needs exactly two incoming edges",
                    topology.span,
                )
            )
    return found


def _name(template: Topo | Prim | NT) -> str:
    return template.text if isinstance(template, Prim) else template.name


def topology_shapes(space: Space) -> list[Diagnostic]:
    """Every node of a topology lies on a path from its input (node 0) to its output."""
    found = []
    for topology in space.topologies:
        if topology.variadic or not topology.edges:
            continue
        if any(e.source >= e.target for e in topology.edges):
            continue  # reported when the topology was lowered
        last = topology.node_count(0) - 1
        inputs = range(topology.inputs)
        forward = closure(_successors(topology.edges, False), inputs)
        backward = closure(_successors(topology.edges, True), [last])
        dead = [n for n in range(last + 1) if n not in forward or n not in backward]
        if dead:
            start = "the input (node 0)" if topology.inputs == 1 else "an input"
            found.append(
                error(
                    "E304",
                    f"topology '{topology.name}': node{'s' * (len(dead) > 1)} "
                    f"{', '.join(map(str, dead))} not on a path from {start} "
                    f"to the output (node {last})",
                    topology.span,
                    "every node must be reachable from node 0 and reach the highest node"
                    if topology.inputs == 1
                    else f"every node must be reachable from an input (nodes 0 to "
                    f"{topology.inputs - 1}) and reach the highest node",
                )
            )
    return found


def _successors(edges: tuple[Edge, ...], backward: bool) -> dict[int, list[int]]:
    found: dict[int, list[int]] = {}
    for edge in edges:
        a, b = (edge.target, edge.source) if backward else (edge.source, edge.target)
        found.setdefault(a, []).append(b)
    return found


def has_input(space: Space) -> list[Diagnostic]:
    if space.input is not None:
        return []
    rule = space.rule_map.get(space.start)
    return [
        error(
            "E307",
            "the space declares no input shape",
            rule.span if rule else None,
            "add e.g. `input [3, 32, 32]` for images, `input [1, 40]` for signals, "
            "or `input sequence [64, 128]` for token sequences",
        )
    ]


def _zeroable(space: Space) -> set[str]:
    """Nonterminals that can derive exactly `zero`."""
    found: set[str] = set()
    changed = True
    while changed:
        changed = False
        for rule in space.rules:
            if rule.name in found:
                continue
            for alt in rule.alternatives:
                t = alt.template
                if (isinstance(t, Prim) and t.op == "zero") or (
                    isinstance(t, NT) and t.name in found
                ):
                    found.add(rule.name)
                    changed = True
                    break
    return found


def zero_in_sequence(space: Space) -> list[Diagnostic]:
    """Under `connected`, a chain holding `zero` is zero too, but only an edge that is
    `zero` itself counts as cut: say so instead of counting such cells as connected."""
    if not space.connected:
        return []
    zeroable = _zeroable(space)
    found = []
    for rule in space.rules:
        for alt in rule.alternatives:
            for t, _ in _arguments_of(alt.template):
                if not isinstance(t, Topo) or t.name != SEQUENTIAL:
                    continue
                for arg in t.args:
                    if (isinstance(arg, Prim) and arg.op == "zero") or (
                        isinstance(arg, NT) and arg.name in zeroable
                    ):
                        found.append(
                            warning(
                                "W505",
                                f"'{template_text(t)}' is zero whenever "
                                f"'{template_text(arg)}' is, but `constraint connected` "
                                "only treats an edge that is itself `zero` as cut",
                                alt.span,
                                "write a strided zero directly, e.g. `zero(stride=2)` for "
                                "DARTS' none on a reduction edge",
                            )
                        )
                        break
    return found


def _arguments_of(template: Template) -> Iterator[tuple[Template, bool]]:
    yield template, True
    if isinstance(template, Topo):
        for arg in template.args:
            yield from _arguments_of(arg)


def input_arities(space: Space) -> list[Diagnostic]:
    """A term with several inputs (a topology declared `inputs k`) stands only where
    several inputs arrive: as an alternative of a rule whose alternatives all take as
    many, as an element of `Cascade`, or as the start symbol's term when it takes one."""
    found: list[Diagnostic] = []
    arity = space.arity
    for rule in space.rules:
        if not rule.alternatives:
            continue
        want = space.arities.get(rule.name, 1)
        for alt in rule.alternatives:
            got = arity(alt.template)
            if got != want:
                found.append(
                    error(
                        "E309",
                        f"'{rule.name}' mixes terms with {want} and {got} inputs",
                        alt.span,
                        "every alternative of a rule takes the same number of inputs",
                    )
                )
        for alt in rule.alternatives:
            _slots(space, alt.template, found)
    start = space.rule_map.get(space.start)
    if start is not None and space.arities.get(start.name, 1) != 1:
        found.append(
            error(
                "E309",
                f"the start symbol '{start.name}' takes {space.arities[start.name]} inputs, "
                "but the network has one",
                start.span,
                "wire cells with several inputs in `Cascade(...)`, "
                "e.g. `NET ::= Sequential(STEM, Cascade(CELL, CELL, CELL), HEAD)`",
            )
        )
    return found


def _slots(space: Space, template: Template, found: list[Diagnostic]) -> None:
    """E309 for each multi-input term in a one-input place inside ``template``."""
    if not isinstance(template, Topo):
        return
    topology = space.topology_map.get(template.name)
    if topology is None:
        return
    merge_args = set(topology.merge_args)
    for i, arg in enumerate(template.args):
        _slots(space, arg, found)
        if topology.cascade or i in merge_args:
            continue
        n = space.arity(arg)
        if n != 1:
            where = (
                f"an element of {template.name}"
                if topology.variadic
                else f"an edge of topology '{template.name}'"
            )
            found.append(
                error(
                    "E309",
                    f"'{template_text(arg)}' takes {n} inputs, but {where} gives it one",
                    arg.span,
                    "wire terms with several inputs in `Cascade(...)`: element k reads "
                    "the outputs of the elements before it (the Cascade's input where "
                    "there are fewer)",
                )
            )


CHECKS: tuple[Callable[[Space], list[Diagnostic]], ...] = (
    duplicate_alternatives,
    non_productive,
    unused_and_unreachable,
    unbounded_recursion,
    topology_shapes,
    merges,
    has_input,
    zero_in_sequence,
    input_arities,
)
