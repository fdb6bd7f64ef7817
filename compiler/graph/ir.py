"""The Graph IR: one architecture as a DAG of typed op nodes with known shapes.

Backends read only this. Nodes are listed in topological order: node 0 is the
input, the last node the output, and every node feeds the output (dead paths
are removed). Merges are explicit nodes (`sum`, `concat` or a binary op), `id`
edges are folded away and `zero` edges removed. `nasc.compiler.graph.builder.build`
makes the Graph of a derivation.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NamedTuple

from nasc.compiler.ops import OPS
from nasc.compiler.shapes import Shape
from nasc.compiler.values import Value

if TYPE_CHECKING:
    pass


class IROp(enum.StrEnum):
    """The closed set of node operations: the op table's primitives plus structure."""

    INPUT = "input"
    ZERO = "zero"  # a constant zero tensor: what a path cut by zero edges carries
    SUM = "sum"
    CONCAT = "concat"
    # layers
    CONV = "conv"
    LINEAR = "linear"
    BATCHNORM = "batchnorm"
    INSTANCENORM = "instancenorm"
    LAYERNORM = "layernorm"
    GROUPNORM = "groupnorm"
    AVG_POOL = "avg_pool"
    MAX_POOL = "max_pool"
    GLOBAL_AVG_POOL = "global_avg_pool"
    FLATTEN = "flatten"
    DROPOUT = "dropout"
    RESNET_BASIC = "resnet_basic"
    NB201_BASIC = "nb201_basic"
    ATTENTION = "attention"
    MLP = "mlp"
    UPSAMPLE = "upsample"
    CONV_TRANSPOSE = "conv_transpose"
    CHANNEL_SHUFFLE = "channel_shuffle"
    TOKENS = "tokens"
    TO_IMAGE = "to_image"
    CLS_TOKEN = "cls_token"
    POS_EMBED = "pos_embed"
    CLS_POOL = "cls_pool"
    SQUEEZE_EXCITE = "squeeze_excite"
    FACTORIZED_REDUCE = "factorized_reduce"
    # activations
    RELU = "relu"
    GELU = "gelu"
    SILU = "silu"
    HARDSWISH = "hardswish"
    MISH = "mish"
    RELU6 = "relu6"
    # unary elementwise operations
    NEG = "neg"
    ABS = "abs"
    SQUARE = "square"
    CUBIC = "cubic"
    SQUARE_ROOT = "square_root"
    MCONST = "mconst"
    ACONST = "aconst"
    LOG = "log"
    EXP = "exp"
    SIN = "sin"
    COS = "cos"
    SINH = "sinh"
    COSH = "cosh"
    TANH = "tanh"
    ASINH = "asinh"
    ATANH = "atanh"
    SINC = "sinc"
    UMAX = "umax"
    UMIN = "umin"
    SIGMOID = "sigmoid"
    LOGEXP = "logexp"
    GAUSSIAN = "gaussian"
    ERF = "erf"
    CONST = "const"
    # binary operations (merge nodes of two inputs)
    ADD = "add"
    MULTI = "multi"
    SUB = "sub"
    DIV = "div"
    BMAX = "bmax"
    BMIN = "bmin"
    BSIGMOID = "bsigmoid"
    BGAUSSIAN_SQ = "bgaussian_sq"
    BGAUSSIAN_ABS = "bgaussian_abs"
    WAVG = "wavg"


MERGE_OPS = frozenset({IROp.SUM, IROp.CONCAT}) | frozenset(
    IROp(name) for name, op in OPS.items() if op.kind == "binary"
)


class Node(NamedTuple):
    """One operation: its inputs (indices of earlier nodes), attributes and output shape.

    ``attrs`` are the primitive's parameters with channels made absolute and
    ``groups=0`` resolved to the input channels. ``scope`` is the derivation
    path that produced the node (``NET/STAGE#2/CELL#0/OP#3``), ``text`` how the
    primitive reads in the term (``conv3x3``). A named tuple rather than a
    frozen dataclass: equally immutable and hashable, and five times cheaper to
    make, which matters for graphs of hundreds of nodes built per proposal.
    """

    op: IROp
    inputs: tuple[int, ...]
    shape: Shape
    attrs: tuple[tuple[str, Value], ...] = ()
    scope: str = ""
    text: str = ""

    def attr(self, name: str) -> Value:
        for key, value in self.attrs:
            if key == name:
                return value
        raise KeyError(f"node {self.op} has no attribute '{name}'")

    def int_attr(self, name: str) -> int:
        value = self.attr(name)
        assert isinstance(value, int) and not isinstance(value, bool)
        return value

    def float_attr(self, name: str) -> float:
        value = self.attr(name)
        assert isinstance(value, int | float) and not isinstance(value, bool)
        return float(value)


@dataclass(frozen=True, slots=True)
class Graph:
    """An architecture lowered to a DAG; ``term`` names it (not compared)."""

    nodes: tuple[Node, ...]
    term: str = field(default="", compare=False)

    @property
    def input_shape(self) -> Shape:
        return self.nodes[0].shape

    @property
    def output_shape(self) -> Shape:
        return self.nodes[-1].shape

    @property
    def output(self) -> int:
        return len(self.nodes) - 1

    def input_shapes(self, index: int) -> tuple[Shape, ...]:
        """The shapes of the tensors node ``index`` reads."""
        return tuple(self.nodes[i].shape for i in self.nodes[index].inputs)

    def ops(self) -> frozenset[IROp]:
        """Every operation the graph uses."""
        return frozenset(node.op for node in self.nodes)
