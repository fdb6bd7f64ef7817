"""Weights that every backend reads and writes: numpy arrays keyed by node and parameter.

A `WeightSet` holds, for every node of a Graph that has state, its tensors under
framework-neutral names, in nasc's channels-first layout (the layout of torch
and ONNX): a convolution's ``weight`` is ``[out, in / groups, *kernel]``, a
linear layer's ``[out, in]``. `param_specs` lists what a graph needs, so a
trained torch model's weights can be carried into ONNX and Keras, and a backend
can start from `init_weights` without any framework.

>>> from nasc.compiler.graph import Graph, IROp, Node
>>> from nasc.compiler.shapes import Shape
>>> x = Node(IROp.INPUT, (), Shape("vector", 8))
>>> fc = Node(IROp.LINEAR, (0,), Shape("vector", 4), (("channels", 4), ("bias", True)))
>>> [(s.name, s.shape) for s in param_specs(Graph((x, fc)))]
[('weight', (4, 8)), ('bias', (4,))]
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from nasc.backends.weight_files import reading, unreadable, weight_file
from nasc.compiler.backend_registry import BUILTIN, Backend, available_backends, load_backend
from nasc.compiler.graph import Graph, IROp, Node
from nasc.compiler.ops import se_hidden
from nasc.compiler.shapes import Shape
from nasc.dsl import NascError
from nasc.dsl.diagnostics import Diagnostic, error

Array = NDArray[np.float32]
Key = tuple[int, str]
# how a fresh tensor is drawn: uniform in +-1/sqrt(fan_in), xavier, or a constant
Init = Literal["fan_in", "xavier", "const"]


@dataclass(frozen=True, slots=True)
class ParamSpec:
    """One tensor of one node: its name, shape, and how a fresh one is drawn.

    ``learned`` is false for running statistics (they count as state, not as
    parameters). ``fan_in`` bounds the uniform draw; ``value`` fills constants.
    """

    node: int
    name: str
    shape: tuple[int, ...]
    learned: bool = True
    init: Init = "fan_in"
    fan_in: int = 1
    value: float = 0.0

    @property
    def size(self) -> int:
        return math.prod(self.shape)


def _conv(
    node: int, prefix: str, c_in: int, c_out: int, kernel: tuple[int, ...], groups: int, bias: bool
) -> list[ParamSpec]:
    fan_in = c_in // groups * math.prod(kernel)
    specs = [ParamSpec(node, prefix + "weight", (c_out, c_in // groups, *kernel), fan_in=fan_in)]
    if bias:
        specs.append(ParamSpec(node, prefix + "bias", (c_out,), fan_in=fan_in))
    return specs


def _affine(node: int, prefix: str, channels: int) -> list[ParamSpec]:
    return [
        ParamSpec(node, prefix + "weight", (channels,), init="const", value=1.0),
        ParamSpec(node, prefix + "bias", (channels,), init="const"),
    ]


def _batchnorm(node: int, prefix: str, channels: int) -> list[ParamSpec]:
    return [
        *_affine(node, prefix, channels),
        ParamSpec(node, prefix + "running_mean", (channels,), False, "const"),
        ParamSpec(node, prefix + "running_var", (channels,), False, "const", value=1.0),
    ]


def _dense(node: int, prefix: str, d_in: int, d_out: int) -> list[ParamSpec]:
    return [
        ParamSpec(node, prefix + "weight", (d_out, d_in), fan_in=d_in),
        ParamSpec(node, prefix + "bias", (d_out,), fan_in=d_in),
    ]


# the learned scalar `b` of elementwise operations, and its initial value
SCALAR_INIT: dict[IROp, float] = {
    IROp.MCONST: 1.0,
    IROp.ACONST: 0.0,
    IROp.CONST: 0.0,
    IROp.BGAUSSIAN_SQ: 1.0,
    IROp.BGAUSSIAN_ABS: 1.0,
    IROp.WAVG: 0.0,
}


def node_specs(index: int, node: Node, source: Shape) -> list[ParamSpec]:
    """The tensors of one node, whose (first) input has shape ``source``."""
    op, c_out = node.op, node.shape.features
    if op is IROp.CONV:
        kernel = (node.int_attr("kernel"),) * source.rank
        groups, bias = node.int_attr("groups"), node.attr("bias") is True
        return _conv(index, "", source.features, c_out, kernel, groups, bias)
    if op is IROp.LINEAR:
        specs = [ParamSpec(index, "weight", (c_out, source.features), fan_in=source.features)]
        if node.attr("bias") is True:
            specs.append(ParamSpec(index, "bias", (c_out,), fan_in=source.features))
        return specs
    if op is IROp.BATCHNORM:
        return _batchnorm(index, "", c_out)
    if op is IROp.LAYERNORM and node.attr("over") == "all":
        return [
            ParamSpec(index, "weight", source.dims, init="const", value=1.0),
            ParamSpec(index, "bias", source.dims, init="const"),
        ]
    if op in (IROp.INSTANCENORM, IROp.LAYERNORM, IROp.GROUPNORM):
        return _affine(index, "", c_out)
    if op is IROp.RESNET_BASIC:
        c_in, three, one = source.features, (3,) * source.rank, (1,) * source.rank
        specs = [
            *_conv(index, "conv_a.", c_in, c_out, three, 1, False),
            *_batchnorm(index, "bn_a.", c_out),
            *_conv(index, "conv_b.", c_out, c_out, three, 1, False),
            *_batchnorm(index, "bn_b.", c_out),
        ]
        if node.int_attr("stride") != 1 or c_in != c_out:
            specs += _conv(index, "shortcut.conv.", c_in, c_out, one, 1, False)
            specs += _batchnorm(index, "shortcut.bn.", c_out)
        return specs
    if op is IROp.NB201_BASIC:
        c_in, three, one = source.features, (3,) * source.rank, (1,) * source.rank
        specs = [
            *_conv(index, "conv_a.", c_in, c_out, three, 1, False),
            *_batchnorm(index, "bn_a.", c_out),
            *_conv(index, "conv_b.", c_out, c_out, three, 1, False),
            *_batchnorm(index, "bn_b.", c_out),
        ]
        if node.int_attr("stride") != 1:
            specs += _conv(index, "shortcut.conv.", c_in, c_out, one, 1, False)
        elif c_in != c_out:
            specs += _conv(index, "shortcut.conv.", c_in, c_out, one, 1, False)
            specs += _batchnorm(index, "shortcut.bn.", c_out)
        return specs
    if op is IROp.ATTENTION:
        width = source.features
        return [
            ParamSpec(index, "in_proj.weight", (3 * width, width), init="xavier"),
            ParamSpec(index, "in_proj.bias", (3 * width,), init="const"),
            ParamSpec(index, "out_proj.weight", (width, width), fan_in=width),
            ParamSpec(index, "out_proj.bias", (width,), init="const"),
        ]
    if op is IROp.MLP:
        width = source.features
        hidden = int(Fraction(str(node.attr("ratio"))) * width)
        return [*_dense(index, "up.", width, hidden), *_dense(index, "down.", hidden, width)]
    if op in SCALAR_INIT:
        return [ParamSpec(index, "b", (), init="const", value=SCALAR_INIT[op])]
    if op is IROp.CONV_TRANSPOSE:  # weight [in, out, *kernel], as torch and ONNX keep it
        kernel = (node.int_attr("kernel"),) * source.rank
        fan_in = c_out * math.prod(kernel)  # torch's ConvTranspose draws with this fan-in
        specs = [ParamSpec(index, "weight", (source.features, c_out, *kernel), fan_in=fan_in)]
        if node.attr("bias") is True:
            specs.append(ParamSpec(index, "bias", (c_out,), fan_in=fan_in))
        return specs
    if op is IROp.SQUEEZE_EXCITE:
        width = source.features
        hidden = se_hidden(width, node.attr("ratio"))
        return [*_dense(index, "down.", width, hidden), *_dense(index, "up.", hidden, width)]
    if op is IROp.FACTORIZED_REDUCE:
        one, half = (1,) * source.rank, c_out // 2
        return [
            *_conv(index, "conv_1.", source.features, half, one, 1, False),
            *_conv(index, "conv_2.", source.features, half, one, 1, False),
            *_batchnorm(index, "bn.", c_out),
        ]
    if op is IROp.CLS_TOKEN:
        return [ParamSpec(index, "token", (c_out,), init="const")]
    if op is IROp.POS_EMBED:
        return [ParamSpec(index, "embedding", source.dims, fan_in=source.features)]
    return []


def param_specs(graph: Graph) -> tuple[ParamSpec, ...]:
    """Every tensor the graph's model holds, node by node, in a fixed order."""
    nodes = graph.nodes
    specs: list[ParamSpec] = []
    for index, node in enumerate(nodes):
        source = nodes[node.inputs[0]].shape if node.inputs else node.shape
        specs += node_specs(index, node, source)
    return tuple(specs)


def parameter_count(graph: Graph) -> int:
    """Learned parameters (not running statistics) of the graph's model."""
    return sum(spec.size for spec in param_specs(graph) if spec.learned)


class WeightSet(Mapping[Key, Array]):
    """Float32 arrays keyed by (node index, parameter name); immutable once made.

    ``save`` and ``load`` use a `.npz` file whose keys read ``"12/weight"``.
    """

    __slots__ = ("_arrays",)

    def __init__(self, arrays: Mapping[Key, NDArray[np.generic]]) -> None:
        frozen: dict[Key, Array] = {}
        for key, value in arrays.items():
            array = np.array(value, dtype=np.float32)  # a private copy
            array.flags.writeable = False
            frozen[key] = array
        self._arrays = frozen

    def __getitem__(self, key: Key) -> Array:
        return self._arrays[key]

    def __iter__(self) -> Iterator[Key]:
        return iter(self._arrays)

    def __len__(self) -> int:
        return len(self._arrays)

    def __repr__(self) -> str:
        return f"WeightSet({len(self)} tensors, {sum(a.size for a in self.values())} values)"

    def node(self, index: int) -> dict[str, Array]:
        """The tensors of one node, by parameter name."""
        return {name: array for (node, name), array in self._arrays.items() if node == index}

    def save(self, path: str | Path) -> None:
        """Write a `.npz` file (keys ``"<node>/<name>"``)."""
        arrays = {f"{node}/{name}": array for (node, name), array in self._arrays.items()}
        with open(path, "wb") as handle:
            np.savez(handle, **arrays)  # type: ignore[arg-type]

    @classmethod
    def load(cls, path: str | Path) -> WeightSet:
        """Read a file that `save` wrote (never unpickling); NascError E801 when it is not one."""
        what = "a nasc weight set"
        path = weight_file(path, what)
        with reading(path, what):
            data = np.load(path, allow_pickle=False)
            if not isinstance(data, np.lib.npyio.NpzFile):
                raise ValueError("a single .npy array, not a .npz weight set")
            with data:
                weights = cls({_parse_key(key, path): data[key] for key in data.files})
        return weights


def _parse_key(key: str, path: str | Path) -> Key:
    node, _, name = key.partition("/")
    if not node.isdigit() or not name:
        raise ValueError(f"key '{key}' is not '<node>/<name>'")
    return int(node), name


def init_weights(graph: Graph, seed: int = 0) -> WeightSet:
    """Fresh weights drawn as torch draws its defaults (uniform in +-1/sqrt(fan_in),
    xavier for attention's input projection), norms at identity, from ``seed``."""
    rng = np.random.default_rng(seed)
    arrays: dict[Key, Array] = {}
    for spec in param_specs(graph):
        if spec.init == "const":
            arrays[spec.node, spec.name] = np.full(spec.shape, spec.value, np.float32)
            continue
        if spec.init == "xavier":
            bound = math.sqrt(6 / (spec.shape[0] // 3 + spec.shape[1]))
        else:
            bound = 1 / math.sqrt(spec.fan_in)
        arrays[spec.node, spec.name] = rng.uniform(-bound, bound, spec.shape).astype(np.float32)
    return WeightSet(arrays)


OTHER_ARCHITECTURE = (
    "the weights come from another architecture: compile the term they were trained with"
)


def weights_for(graph: Graph, seed: int, weights: WeightSet | None) -> WeightSet:
    """``weights`` checked against ``graph`` (E800), or fresh ones drawn from ``seed``."""
    if weights is None:
        return init_weights(graph, seed)
    check_weights(graph, weights)
    return weights


def check_weights(graph: Graph, weights: WeightSet) -> None:
    """Raise NascError E800 listing every tensor that is missing, unexpected or of
    the wrong shape for ``graph``; return quietly when the weights fit."""
    wanted = {(spec.node, spec.name): spec for spec in param_specs(graph)}
    problems: list[Diagnostic] = []

    def where(key: Key) -> str:
        node = graph.nodes[key[0]] if 0 <= key[0] < len(graph.nodes) else None
        label = f"{node.op.value} at {node.scope}" if node is not None else "no such node"
        return f"node {key[0]} ({label}) '{key[1]}'"

    for key, spec in wanted.items():
        if key not in weights:
            problems.append(error("E800", f"weights lack {where(key)} {list(spec.shape)}", None))
        elif weights[key].shape != spec.shape:
            got = list(weights[key].shape)
            problems.append(
                error(
                    "E800",
                    f"weights give {where(key)} the shape {got}, expected {list(spec.shape)}",
                    None,
                )
            )
    for key in weights:
        if key not in wanted:
            problems.append(
                error("E800", f"weights hold {where(key)}, which the graph has no use for", None)
            )
    if problems:
        problems[-1] = error(problems[-1].code, problems[-1].message, None, OTHER_ARCHITECTURE)
        raise NascError(problems)


def read_weights(path: str | Path, graph: Graph) -> WeightSet:
    """A `.npz` weight set from ``path``, checked against ``graph`` (E801, E800)."""
    weights = WeightSet.load(path)
    check_weights(graph, weights)
    return weights


def read_any_weights(path: str | Path, graph: Graph) -> WeightSet:
    """The weights in any file that holds them, checked against ``graph``.

    A `.npz` weight set is read here; another file by the backend whose
    ``SUFFIXES`` hold its suffix (built-in backends first, each imported only
    when the ones before it do not claim the file). A file of a suffix no backend
    claims is offered to each in turn (a torch state dict may have any name).
    NascError E801 when nothing reads it, E603 when the backend whose file it may
    be cannot be imported, E800 when the weights do not fit the graph.
    """
    if Path(path).suffix == ".npz":
        return read_weights(path, graph)
    names = available_backends()
    ordered = [name for name in BUILTIN if name in names]
    ordered += [name for name in names if name not in BUILTIN]
    loaded: list[Backend] = []
    failed: list[Diagnostic] = []
    for name in ordered:
        try:
            backend = load_backend(name)
        except NascError as exc:
            failed += exc.diagnostics
            continue
        if Path(path).suffix in backend.SUFFIXES:
            return backend.read_weights(path, graph)
        loaded.append(backend)
    for backend in loaded:
        try:
            return backend.read_weights(path, graph)
        except NascError as exc:
            if any(d.code != "E801" for d in exc.diagnostics):
                raise
    if failed:
        raise NascError(failed)
    raise unreadable(path, "weights", ValueError(f"no backend reads '{Path(path).suffix}' files"))
