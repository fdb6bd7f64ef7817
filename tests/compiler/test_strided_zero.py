"""`zero(stride=2)`: DARTS' none on a reduction edge, and the warning for chains that
are zero without being `zero` under `constraint connected`."""

from __future__ import annotations

from pathlib import Path

from nasc.compiler import build, check, parse_term
from nasc.compiler.graph.ir import IROp
from tests.compiler.derivation_spaces import HEADER, brute_force_count, space_from

PAR = """
topology Par(a, b) edges (0,1) (0,1)
NET ::= Sequential(Par(OP, OP), global_avg_pool, linear(10))
OP  ::= max_pool(kernel=3, stride=2) | zero(stride=2) | avg_pool(kernel=3, stride=2)
"""


def test_strided_zero_counts_as_zero_under_connected(tmp_path: Path) -> None:
    space = space_from(PAR + "constraint connected\n", tmp_path)
    assert space.count() == 3 * 3 - 1  # both edges none would cut the cell
    assert brute_force_count(space) == 8


def test_strided_zero_has_the_strided_shape(tmp_path: Path) -> None:
    space = space_from(PAR, tmp_path)
    term = "Sequential(Par(zero(stride=2), zero(stride=2)), global_avg_pool, linear(10))"
    graph = build(space, parse_term(space, term))
    zero = next(node for node in graph.nodes if node.op is IROp.ZERO)
    assert zero.shape.dims == (3, 4, 4)  # the input [3, 8, 8] at stride 2
    term = (
        "Sequential(Par(zero(stride=2), max_pool(kernel=3, stride=2)), global_avg_pool, linear(10))"
    )
    graph = build(space, parse_term(space, term))
    assert [node.op for node in graph.nodes] == [
        IROp.INPUT,
        IROp.MAX_POOL,
        IROp.GLOBAL_AVG_POOL,
        IROp.LINEAR,
    ]


def test_a_chain_holding_zero_is_not_silently_taken_as_connected(tmp_path: Path) -> None:
    path = tmp_path / "chain.nas"
    path.write_text(
        HEADER
        + "topology Par(a, b) edges (0,1) (0,1)\n"
        + "NET ::= Par(OP, OP)\n"
        + "OP  ::= max_pool(kernel=3, stride=2) | Sequential(max_pool(kernel=1, stride=2), zero)\n"
        + "constraint connected\n"
    )
    codes = [d.code for d in check(str(path)).diagnostics]
    assert codes == ["W505"]
