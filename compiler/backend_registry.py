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
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, cast

from nasc.compiler.graph.ir import Graph, IROp
from nasc.dsl import NascError
from nasc.dsl.diagnostics import error

if TYPE_CHECKING:  # for annotations only: the weight set is numpy's, one layer up
    from nasc.backends.weights import WeightSet

ENTRY_POINT_GROUP = "nasc.backends"

# name -> (module, what to install when it fails to import)
BUILTIN: dict[str, tuple[str, str]] = {
    "torch": ("nasc.backends._torch", "pip install 'nasc[torch]'"),
    "onnx": ("nasc.backends._onnx", "pip install 'nasc[onnx]'"),
    "tensorflow": ("nasc.backends._tensorflow", "pip install 'nasc[tensorflow]'"),
}


class Backend(Protocol):
    """What every backend module offers, the same for each.

    A model is the framework's own object (a torch module, an ONNX model, a Keras
    model); weights travel between backends as a framework-neutral `WeightSet`.
    """

    NAME: str
    # the suffixes of the files `export` writes and `read_weights` reads; the first
    # is the default
    SUFFIXES: tuple[str, ...]

    def build_module(self, graph: Graph, seed: int = 0, weights: WeightSet | None = None) -> Any:
        """The graph's model: ``weights`` when given (checked against the graph,
        NascError E800), else fresh ones drawn from ``seed``."""

    def export(
        self, graph: Graph, path: str | Path, seed: int = 0, weights: WeightSet | None = None
    ) -> None:
        """Write the model `build_module` makes to the file ``path``."""

    def read_weights(self, path: str | Path, graph: Graph) -> WeightSet:
        """The weights of a file this backend wrote, for ``graph`` (NascError E801
        when it cannot be read, E800 when its weights do not fit the graph)."""

    def weights_of(self, model: Any, graph: Graph) -> WeightSet:
        """The weights a live model of ``graph`` holds (trained or not), checked (E800)."""

    def missing_ops(self, graph: Graph) -> list[IROp]:
        """The graph's ops this backend does not map, in IR order."""


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
