"""Primitives from installed Python packages: the entry-point group ``nasc.primitives``.

A distribution declares, in its ``pyproject.toml``::

    [project.entry-points."nasc.primitives"]
    channel_scale = "my_package.nasc_ops:CHANNEL_SCALE"

and the object named there is a `PluginPrimitive`: the primitive's name, parameters
with their defaults, documentation, shape rule, learned tensors, and for each backend
the ``"module:attribute"`` of its lowering. The compiler reads only this declaration
(it never imports a lowering); each backend imports its own lowering by its NAME
(`nasc.backends.plugins`). A `.nas` file never names Python code: what a space can
use is what is installed. Plugin primitives join the standard library: after
``import std`` a space calls them like any primitive.

A plugin that fails to load (an import error, an object that is no `PluginPrimitive`,
a name taken by a built-in operation) is left out with its reason in one line
(`broken_plugins`), and a space that names it gets that line; all else works.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib.metadata import entry_points

from nasc.compiler.ops import OPS, OpDef, Params, representable
from nasc.compiler.shapes import Shape
from nasc.compiler.values import Value, describe_type

PLUGIN_GROUP = "nasc.primitives"

TensorRule = Callable[[Shape, Params], Sequence[tuple[str, tuple[int, ...]]]]
CostRule = Callable[[Shape, Params], int]


@dataclass(frozen=True)
class PluginPrimitive:
    """One primitive a package adds.

    ``shape(input, params)`` gives the output shape or raises
    `nasc.compiler.shapes.ShapeError` with the reason; ``tensors(input, params)`` lists
    the learned tensors as (name, shape) in nasc's neutral channels-first layout (their
    names are the keys of a weight set and of the torch module's state dict);
    ``macs(input, params)`` the multiply-accumulates of one sample. ``lowerings`` maps
    a backend's NAME (``"torch"``, ``"onnx"``, ``"tensorflow"``) to the
    ``"module:attribute"`` of an entry of that backend's op table (the same signature
    as the built-in entries); a backend without one reports E602. ``checks`` may
    refine a parameter's type check (a function returning None or what is wrong);
    by default a value must have its default's type.
    """

    name: str
    params: tuple[tuple[str, Value], ...]
    shape: Callable[[Shape, Params], Shape]
    doc: str = ""
    tensors: TensorRule | None = None
    macs: CostRule | None = None
    lowerings: Mapping[str, str] = field(default_factory=dict)
    checks: Mapping[str, Callable[[Value], str | None]] = field(default_factory=dict)

    def op(self) -> OpDef:
        """The op table's entry for this primitive (kind ``plugin``)."""

        def rule(source: Shape, p: Params) -> Shape:
            return representable(self.shape(source, p))

        checks = tuple(
            (name, self.checks.get(name) or _like(default)) for name, default in self.params
        )
        return OpDef(self.name, "plugin", checks, rule)

    def tensor_shapes(self, source: Shape, params: Params) -> list[tuple[str, tuple[int, ...]]]:
        return list(self.tensors(source, params)) if self.tensors is not None else []

    def parameter_count(self, source: Shape, params: Params) -> int:
        return sum(math.prod(shape) for _, shape in self.tensor_shapes(source, params))


def _like(default: Value) -> Callable[[Value], str | None]:
    """A value of the same kind as the default (an int where a number is, too)."""

    def check(value: Value) -> str | None:
        numbers = (int, float)
        if isinstance(default, bool) or isinstance(value, bool):
            same = isinstance(value, bool) and isinstance(default, bool)
        elif isinstance(default, float):
            same = isinstance(value, numbers)
        else:
            same = type(value) is type(default)
        return None if same else f"must be {describe_type(default)}, got {describe_type(value)}"

    return check


@dataclass(frozen=True)
class Plugins:
    """The installed plugin primitives, and those that could not load (name -> reason)."""

    primitives: Mapping[str, PluginPrimitive]
    broken: Mapping[str, str]


@cache
def load_plugins() -> Plugins:
    """Every plugin primitive of the installed distributions, loaded once; each joins the
    op table (`nasc.compiler.ops.OPS`). Never raises: a plugin that fails is `broken`."""
    found: dict[str, PluginPrimitive] = {}
    broken: dict[str, str] = {}
    for point in entry_points(group=PLUGIN_GROUP):
        if point.name in found or point.name in broken:
            continue  # the first distribution to claim a name
        where = f"the plugin primitive '{point.name}' ({point.value})"
        try:
            plugin = point.load()
        except Exception as exc:  # any failure of third-party code: reported, not raised
            broken[point.name] = f"{where} cannot be loaded: {_one_line(exc)}"
            continue
        if not isinstance(plugin, PluginPrimitive):
            broken[point.name] = f"{where} is not a nasc PluginPrimitive"
        elif plugin.name != point.name:
            broken[point.name] = f"{where} declares the name '{plugin.name}'"
        elif plugin.name in OPS:
            broken[point.name] = f"{where} has the name of a built-in operation"
        else:
            found[plugin.name] = plugin
            OPS[plugin.name] = plugin.op()
    return Plugins(found, broken)


def plugin(name: str) -> PluginPrimitive:
    """The loaded plugin primitive ``name`` (KeyError when there is none)."""
    return load_plugins().primitives[name]


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or "no reason given"
    return f"{type(exc).__name__}: {text}"
