"""Composite operations: ``op se(ratio=0.25) = Binary(multi, id, ...)``.

A composite is a named, parametrised sub-network of primitives, topologies and
other composites. Each use lowers to one `Prim` whose ``body`` is the composite's
term with the use's values in place of its parameters (lexically scoped: a body
sees its own parameters and the space's params, nothing of the rule that uses it).
The body must be one fixed network: a nonterminal or a value choice in it is E207,
as is a composite that uses itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from nasc.compiler.space import Alternative, CompositeOp, Prim, Template, nonterminals_in
from nasc.compiler.values import Value, format_value
from nasc.dsl import Source

if TYPE_CHECKING:
    from nasc.compiler.check.lower import Lowering

_TOPOLOGY_KINDS = ("Topology", "topology")


def is_composite(state: Lowering, name: str, seen: frozenset[str] = frozenset()) -> bool:
    """Whether ``op name ...`` is a composite: it declares parameters, or its term is a
    topology or another composite (a plain alias binds a primitive's parameters)."""
    obj = state.names[name].obj
    if obj.open:
        return True
    target = state.names.get(obj.call.name)
    if target is None:
        return False
    if target.kind in _TOPOLOGY_KINDS:
        return True
    if target.kind == "OpAlias" and obj.call.name not in seen and obj.call.name != name:
        return is_composite(state, obj.call.name, seen | {name})
    return False


def classify_composites(state: Lowering) -> None:
    """Record every composite's parameters, defaults, body text and documentation."""
    for name, declared in state.names.items():
        if declared.kind != "OpAlias" or not is_composite(state, name):
            continue
        obj, source = declared.obj, declared.source
        span = state.name_span(source, obj, name)
        params: list[tuple[str, Value | None]] = []
        for decl in obj.params:
            if any(decl.name == known for known, _ in params):
                state.report("E204", f"op '{name}' names the parameter '{decl.name}' twice", span)
                continue
            default = None if decl.default is None else state.constant(decl.default)
            params.append((decl.name, default))
        call = obj.call
        body = " ".join(source.text[call._tx_position : call._tx_position_end].split())
        doc = " ".join(obj.doc.split()) if obj.doc else None
        state.composites[name] = CompositeOp(name, tuple(params), body, doc, span)


def composite_call(state: Lowering, obj: Any, source: Source) -> Template | None:
    """A use ``se(0.5)``: one `Prim` with its body expanded, or a nonterminal choosing
    among such uses when an argument is a value choice."""
    composite = state.composites[obj.name]
    names = [param for param, _ in composite.params]
    span = source.span_of(obj)
    given = state.bind_arguments(obj, source, names, names)
    if given is None:
        return None
    missing = [
        param for param, default in composite.params if default is None and param not in given
    ]
    if missing:
        state.report(
            "E202",
            f"'{obj.name}' needs a value for {', '.join(missing)}",
            span,
            f"op {obj.name}({', '.join(names)})",
        )
        return None
    made: list[Alternative] = []
    for chosen, weight in state.tied_combinations(obj.args, names, given):
        values = {param: chosen.get(param, default) for param, default in composite.params}
        body = expand(state, composite, values)
        if body is None:
            return None
        text = obj.name
        if chosen:
            text += "(" + ", ".join(canonical_args(obj.args, names, chosen)) + ")"
        bound = tuple((param, value) for param, value in values.items() if value is not None)
        made.append(Alternative(Prim(obj.name, bound, text, span, body), weight, span))
    if len(made) == 1:
        return made[0].template
    return state.chooser(state.choice_name(obj, names), made, span)


def expand(
    state: Lowering, composite: CompositeOp, values: dict[str, Value | None]
) -> Template | None:
    """The composite's body with ``values`` for its parameters."""
    declared = state.names[composite.name]
    call, source = declared.obj.call, declared.source
    if composite.name in state._resolving:
        state.report(
            "E207",
            f"the composite operation '{composite.name}' uses itself",
            source.span_of(call),
            "a composite is one fixed sub-network; write recursion as rules",
        )
        return None
    saved = state.env
    state.env = {param: value for param, value in values.items() if value is not None}
    state._resolving.add(composite.name)
    made = set(state.made)
    body = state.template(call, source)
    state._resolving.discard(composite.name)
    state.env = saved
    if body is None:
        return None
    choices = list(dict.fromkeys(nt.name for nt in nonterminals_in(body)))
    if choices:
        for name in set(state.made) - made:  # the value choices it made: not in the space
            del state.made[name]
        state.report(
            "E207",
            f"the composite operation '{composite.name}' must be one fixed sub-network, but "
            f"its body chooses: {', '.join(choices[:3])}",
            source.span_of(call),
            "use primitives, topologies and other composites in an op; put choices in rules",
        )
        return None
    return body


def check_unused_composites(state: Lowering, used: set[str]) -> None:
    """A composite no term uses is still checked, with its defaults, where it has them all."""
    for name, composite in state.composites.items():
        if name in used or any(default is None for _, default in composite.params):
            continue
        expand(state, composite, dict(composite.params))


def canonical_args(args: Any, free: list[str], given: dict[str, Value]) -> list[str]:
    """Arguments in canonical form: positional first as written, then keywords."""
    parts: list[str] = []
    positional = True
    for index, arg in enumerate(args):
        key = arg.key or free[index]
        if arg.key is None and positional:
            parts.append(format_value(given[key]))
        else:
            positional = False
            parts.append(f"{key}={format_value(given[key])}")
    return parts
