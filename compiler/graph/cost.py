"""What a Graph costs: learned parameters and multiply-accumulates, per node and in total.

One rule per IR op, beside the op table's shape rules. MACs count the
multiply-accumulates of convolutions, linear layers and attention's matrix
products for one sample; normalisations, pooling, activations, elementwise
operations and merges count none. Parameters are the learned tensors (weights,
biases, affine scales and shifts, learned scalars), not running statistics.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

from nasc.compiler.graph.ir import Graph, IROp, Node
from nasc.compiler.ops import se_hidden
from nasc.compiler.shapes import Shape

CostRule = Callable[[Node, Shape], tuple[int, int]]


def _free(node: Node, source: Shape) -> tuple[int, int]:
    return 0, 0


def _positions(shape: Shape) -> int:
    """How many positions a per-position layer is applied at."""
    return math.prod(shape.extent) if shape.extent else 1


def _conv(node: Node, source: Shape) -> tuple[int, int]:
    kernel, groups = node.int_attr("kernel"), node.int_attr("groups")
    weights = kernel**source.rank * (source.features // groups) * node.shape.features
    bias = node.shape.features if node.attr("bias") is True else 0
    return weights + bias, weights * _positions(node.shape)


def _linear(node: Node, source: Shape) -> tuple[int, int]:
    weights = source.features * node.shape.features
    bias = node.shape.features if node.attr("bias") is True else 0
    return weights + bias, weights * _positions(node.shape)


def _affine(node: Node, source: Shape) -> tuple[int, int]:
    return 2 * source.features, 0


def _layernorm(node: Node, source: Shape) -> tuple[int, int]:
    if node.attr("over") == "all":  # an elementwise affine over the whole sample
        return 2 * source.size, 0
    return 2 * source.features, 0


def _resnet_basic(node: Node, source: Shape) -> tuple[int, int]:
    c_in, c_out, rank = source.features, node.shape.features, source.rank
    positions = _positions(node.shape)
    weights = 3**rank * c_in * c_out + 3**rank * c_out * c_out
    params = weights + 4 * c_out
    if node.int_attr("stride") != 1 or c_in != c_out:
        weights += c_in * c_out
        params += c_in * c_out + 2 * c_out
    return params, weights * positions


def _nb201_basic(node: Node, source: Shape) -> tuple[int, int]:
    c_in, c_out, rank = source.features, node.shape.features, source.rank
    weights = 3**rank * c_in * c_out + 3**rank * c_out * c_out
    params = weights + 4 * c_out
    if node.int_attr("stride") != 1:  # 2x2 average pool, then a 1x1 conv
        weights += c_in * c_out
        params += c_in * c_out
    elif c_in != c_out:  # relu-conv1x1-bn
        weights += c_in * c_out
        params += c_in * c_out + 2 * c_out
    return params, weights * _positions(node.shape)


def _attention(node: Node, source: Shape) -> tuple[int, int]:
    width, length = source.features, _positions(source)
    params = 4 * width * width + 4 * width
    macs = 4 * length * width * width + 2 * length * length * width
    return params, macs


def _mlp(node: Node, source: Shape) -> tuple[int, int]:
    width = source.features
    hidden = int(Fraction(str(node.attr("ratio"))) * width)
    params = 2 * width * hidden + hidden + width
    return params, 2 * width * hidden * _positions(source)


def _conv_transpose(node: Node, source: Shape) -> tuple[int, int]:
    weights = node.int_attr("kernel") ** source.rank * source.features * node.shape.features
    bias = node.shape.features if node.attr("bias") is True else 0
    return weights + bias, weights * _positions(source)


def _cls_token(node: Node, source: Shape) -> tuple[int, int]:
    return source.features, 0


def _pos_embed(node: Node, source: Shape) -> tuple[int, int]:
    return source.features * source.extent[0], 0


def _squeeze_excite(node: Node, source: Shape) -> tuple[int, int]:
    width = source.features
    hidden = se_hidden(width, node.attr("ratio"))
    return 2 * width * hidden + hidden + width, 2 * width * hidden


def _factorized_reduce(node: Node, source: Shape) -> tuple[int, int]:
    """Two 1x1 convolutions to half the channels each, and an affine batch norm."""
    weights = source.features * node.shape.features
    return weights + 2 * node.shape.features, weights * _positions(node.shape)


def _scalar(node: Node, source: Shape) -> tuple[int, int]:
    return 1, 0


_LEARNED_SCALAR = (IROp.MCONST, IROp.ACONST, IROp.CONST)
_LEARNED_BINARY = (IROp.BGAUSSIAN_SQ, IROp.BGAUSSIAN_ABS, IROp.WAVG)

COSTS: dict[IROp, CostRule] = {op: _free for op in IROp}
COSTS.update(
    {
        IROp.CONV: _conv,
        IROp.LINEAR: _linear,
        IROp.BATCHNORM: _affine,
        IROp.INSTANCENORM: _affine,
        IROp.LAYERNORM: _layernorm,
        IROp.GROUPNORM: _affine,
        IROp.RESNET_BASIC: _resnet_basic,
        IROp.NB201_BASIC: _nb201_basic,
        IROp.ATTENTION: _attention,
        IROp.MLP: _mlp,
        IROp.CONV_TRANSPOSE: _conv_transpose,
        IROp.CLS_TOKEN: _cls_token,
        IROp.POS_EMBED: _pos_embed,
        IROp.SQUEEZE_EXCITE: _squeeze_excite,
        IROp.FACTORIZED_REDUCE: _factorized_reduce,
    }
)
COSTS.update({op: _scalar for op in (*_LEARNED_SCALAR, *_LEARNED_BINARY)})


@dataclass(frozen=True, slots=True)
class Summary:
    """Parameters and MACs of every node (by index) and of the whole graph."""

    params: tuple[int, ...]
    macs: tuple[int, ...]

    @property
    def total_params(self) -> int:
        return sum(self.params)

    @property
    def total_macs(self) -> int:
        return sum(self.macs)


def summarize(graph: Graph) -> Summary:
    """Parameter count and MACs per node and in total.

    >>> from nasc.compiler.graph.ir import Graph, IROp, Node
    >>> from nasc.compiler.shapes import Shape
    >>> x = Node(IROp.INPUT, (), Shape("vector", 8))
    >>> fc = Node(IROp.LINEAR, (0,), Shape("vector", 4), (("channels", 4), ("bias", True)))
    >>> summarize(Graph((x, fc))).total_params
    36
    """
    params: list[int] = []
    macs: list[int] = []
    nodes = graph.nodes
    for node in nodes:
        source = nodes[node.inputs[0]].shape if node.inputs else node.shape
        p, m = COSTS[node.op](node, source)
        params.append(p)
        macs.append(m)
    return Summary(tuple(params), tuple(macs))
