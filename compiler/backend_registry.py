"""Backends found by name and imported only when asked for.

The built-in backends live in `nasc.backends`; other packages add theirs through
the entry-point group ``nasc.backends``, whose object (a module or any object)
offers what `Backend` describes::

    [project.entry-points."nasc.backends"]
    mlx = "my_package.nasc_mlx"
"""

from __future__ import annotations

import importlib
from importlib.metadata import entry_points
from typing import Any, Protocol, cast

from nasc.compiler.graph import Graph, IROp
from nasc.dsl import NascError
from nasc.dsl.diagnostics import error

ENTRY_POINT_GROUP = "nasc.backends"

# name -> (module, what to install when it fails to import)
BUILTIN: dict[str, tuple[str, str]] = {
    "torch": ("nasc.backends._torch", "pip install 'nasc[torch]'"),
    "onnx": ("nasc.backends._onnx", "pip install 'nasc[onnx]'"),
    "tensorflow": ("nasc.backends._tensorflow", "pip install 'nasc[tensorflow]'"),
}


class Backend(Protocol):
    """What a backend module offers."""

    NAME: str
    SUFFIX: str  # the file suffix `export` writes

    def build_module(self, graph: Graph, seed: int = 0) -> Any: ...

    def export(self, graph: Graph, path: str, seed: int = 0) -> Any: ...

    def missing_ops(self, graph: Graph) -> list[IROp]: ...


def _plugins() -> dict[str, Any]:
    return {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}


def available_backends() -> list[str]:
    """Names of the built-in and installed third-party backends (not imported)."""
    return sorted({*BUILTIN, *_plugins()})


def load_backend(name: str) -> Backend:
    """The backend called ``name``, imported now; NascError when unknown or not installed.

    >>> load_backend("torch").NAME                            # doctest: +SKIP
    'torch'
    """
    if name in BUILTIN:
        module, install = BUILTIN[name]
        try:
            return cast(Backend, importlib.import_module(module))
        except ImportError as exc:
            raise NascError(
                error(
                    "E603",
                    f"the {name} backend cannot be imported: {exc}",
                    None,
                    f"install what it needs: {install}",
                )
            ) from None
    plugin = _plugins().get(name)
    if plugin is None:
        raise NascError(
            error(
                "E604",
                f"unknown backend '{name}'",
                None,
                f"available backends: {', '.join(available_backends())}",
            )
        )
    try:
        return cast(Backend, plugin.load())
    except Exception as exc:  # a third-party plugin may fail in any way
        raise NascError(
            error(
                "E603",
                f"the {name} backend (entry point {plugin.value}) failed to load: {exc}",
                None,
            )
        ) from None
