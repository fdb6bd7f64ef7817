"""A backend finds a plugin primitive's lowering by its own NAME.

`nasc.compiler.plugins.PluginPrimitive.lowerings` maps a backend's name to the
``"module:attribute"`` of an entry of that backend's op table; the backend
imports it here, on first use, and calls it as it calls its built-in entries.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from functools import cache
from typing import Any

from nasc.compiler.graph import Graph, IROp
from nasc.compiler.plugins import load_plugins
from nasc.dsl import NascError
from nasc.dsl.diagnostics import error


def lowering_of(name: str, backend: str) -> str | None:
    """Where the plugin primitive ``name`` keeps its lowering for ``backend``, if anywhere."""
    found = load_plugins().primitives.get(name)
    return None if found is None else found.lowerings.get(backend)


@cache
def lowering(name: str, backend: str) -> Callable[..., Any]:
    """The plugin primitive's op-table entry for ``backend``; NascError E602 (one line)
    when it has none or it cannot be imported."""
    where = lowering_of(name, backend)
    if where is None:
        raise _missing(backend, [name])
    module, _, attribute = where.partition(":")
    try:
        found = getattr(importlib.import_module(module), attribute)
    except Exception as exc:  # third-party code: any failure is one line
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise NascError(
            error(
                "E602",
                f"the {backend} lowering of the plugin primitive '{name}' ({where}) cannot "
                f"be loaded: {type(exc).__name__}: {reason}",
                None,
            )
        ) from None
    if not callable(found):
        raise NascError(
            error("E602", f"the {backend} lowering of '{name}' ({where}) is not callable", None)
        )
    return found  # type: ignore[no-any-return]


def plugins_without(graph: Graph, backend: str) -> list[str]:
    """The plugin primitives ``graph`` uses that have no lowering for ``backend``."""
    names = {str(node.attr("primitive")) for node in graph.nodes if node.op is IROp.PLUGIN}
    return sorted(name for name in names if lowering_of(name, backend) is None)


def _missing(backend: str, names: list[str]) -> NascError:
    listed = ", ".join(f"'{name}'" for name in names)
    return NascError(
        error(
            "E602",
            f"the {backend} backend does not map the plugin primitive{'s' * (len(names) > 1)} "
            f"{listed}: no {backend} lowering is installed",
            None,
            "choose another backend, or install a version of the plugin with one",
        )
    )


def require_lowerings(graph: Graph, backend: str) -> None:
    """The one E602 error when some plugin primitive of ``graph`` has no lowering."""
    missing = plugins_without(graph, backend)
    if missing:
        raise _missing(backend, missing)
