"""Fixed architectures of the examples, written as derivations, for Graph and backend tests."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from nasc.compiler import Space, check, load
from nasc.compiler.derive.derivation import Derivation as D
from tests.conftest import ROOT

# NB201 operations by alternative: id, zero, relu-conv3x3-bn, relu-conv1x1-bn, avg_pool
ID, ZERO, CONV3, CONV1, POOL = range(5)


@cache
def example(name: str) -> Space:
    return load(str(ROOT / "examples" / f"{name}.nas"))


def example_path(name: str) -> Path:
    return ROOT / "examples" / f"{name}.nas"


def nb201(ops: tuple[int, ...]) -> D:
    """The cell-based NB201 network whose one cell has these six operations."""
    cell = D("CELL", 0, tuple(D("OP", op) for op in ops))
    stage = D("STAGE", 0, (cell,) * 5)
    return D("NET", 0, (D("STEM", 0), stage, stage, stage, D("HEAD", 0)))


def hnb201_op(act: int = 0, conv: int = 0, norm: int = 0) -> D:
    """A hierarchical NB201 conv block: ACT, CONV, NORM by alternative."""
    return D("OP", 2, (D("ACT", act), D("CONV", conv), D("NORM", norm)))


def hnb201(op: D | None = None) -> D:
    """The smallest hNB201 macro skeleton with every cell the same."""
    op = op or hnb201_op()
    cell = D("CELL", 0, (op,) * 6)
    c = D("C", 0, (cell, cell))
    down = D("DOWN", 0, (cell,))
    d1 = D("D1", 0, (c, c, down))
    d0 = D("D0", 0, (c, c, cell))
    return D("ARCH", 0, (D("STEM", 0), D("D2", 0, (d1, d1, d0)), D("HEAD", 0)))


def mnist1d(block: int = 0, down: int = 2, head: int = 1) -> D:
    """MNIST-1D: two stages of one relu-conv3-batchnorm block and a downsampling."""
    conv_block = D("BLOCK", 0, (D("ACT", 0), D("CONV", 0), D("NORM", 0)))
    if block == 1:
        conv_block = D("BLOCK", 1, (D("ACT", 1), D("CONV", 2), D("NORM", 2)) * 2)
    stage = D("STAGE", 0, (conv_block, D("DOWN", down)))
    return D("NET", 0, (stage, stage, D("HEAD", head)))


def transformer(depth: int = 1, mixer: int = 0, ffn: int = 0) -> D:
    block = D("BLOCK", 0, (D("MIXER", mixer), D("FFN", ffn)))
    blocks = D("BLOCKS", 0, (block,))
    for _ in range(depth - 1):
        blocks = D("BLOCKS", 1, (block, blocks))
    return D("NET", 0, (blocks,))


UMAX, SIGMOID = 18, 20


def activation(binop: int | None = 0, unops: tuple[int, ...] = (SIGMOID, ID)) -> D:
    """ResNet-20 whose one activation is BINOP(u1(x), u2(x)), or u1(x) when binop is None."""
    if binop is None:
        l1 = D("L1", 1, (D("UNOP", unops[0]),))
    else:
        l1 = D("L1", 0, (D("BINOP", binop), D("UNOP", unops[0]), D("UNOP", unops[1])))
    act = D("ACT", 0, (D("L2", 1, (l1,)),))
    block = D("BLOCK", 0, (act, act))
    stage = D("STAGE", 0, (block,) * 3)
    dstage = D("DSTAGE", 0, (D("DOWN", 0, (act, act)), block, block))
    return D("NET", 0, (act, stage, dstage, dstage))


FIXED: dict[str, D] = {
    "hnb201": hnb201(),
    "nb201": nb201((CONV3, ID, CONV1, POOL, CONV3, ZERO)),
    "activation": activation(),
    "transformer": transformer(2),
    "mnist1d": mnist1d(),
}


ZERO_SPACE = """import std
input [4, 8, 8]
NET ::= Sequential(Concat(conv(4), P), batchnorm, Binary(multi, id, P))
P ::= zero | id
"""


def zero_space(tmp_path: Path) -> Space:
    """A space whose zero paths reach a concat and a binary merge (written to tmp_path)."""
    path = tmp_path / "zero.nas"
    path.write_text(ZERO_SPACE)
    result = check(str(path))
    assert result.space is not None, result.format()
    return result.space
