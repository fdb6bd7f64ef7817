"""The Graph IR: shapes, merges, folding of id and removal of zero, errors, sharing."""

from __future__ import annotations

from pathlib import Path

import pytest

from nasc.compiler import check
from nasc.compiler.derive.derivation import Derivation as D
from nasc.compiler.graph import MERGE_OPS, Graph, IROp, build
from nasc.compiler.graph.cost import summarize
from nasc.compiler.graph.verify import verify
from nasc.compiler.ops import OPS
from nasc.dsl import NascError
from tests.compiler.graph_cases import (
    CONV1,
    CONV3,
    FIXED,
    ID,
    POOL,
    ZERO,
    example,
    hnb201,
    hnb201_op,
    mnist1d,
    nb201,
    transformer,
    zero_space,
)


def _built(name: str, derivation: D) -> Graph:
    graph = build(example(name), derivation)
    assert verify(graph) == []
    return graph


def test_ir_ops_cover_the_op_table() -> None:
    assert set(OPS) - {"id"} <= {op.value for op in IROp}
    assert {op.value for op in IROp} - set(OPS) == {"input", "sum", "concat", "plugin"}


@pytest.mark.parametrize("name", sorted(FIXED))
def test_fixed_architectures_build_with_the_head_shape(name: str) -> None:
    graph = _built(name, FIXED[name])
    assert graph.input_shape == example(name).input.shape  # type: ignore[union-attr]
    assert graph.output_shape.dims == (10,)
    assert IROp.ZERO not in graph.ops()  # no path is cut off in these


def test_nb201_resolution_and_channels_follow_the_resblocks() -> None:
    graph = _built("nb201", nb201((CONV3,) * 6))
    shapes = {node.shape.dims for node in graph.nodes if node.op is IROp.CONV}
    assert shapes == {(16, 32, 32), (32, 16, 16), (64, 8, 8)}
    blocks = [n for n in graph.nodes if n.op is IROp.NB201_BASIC]
    assert [n.attr("channels") for n in blocks] == [32, 64]


def test_id_edges_fold_and_zero_edges_vanish_with_their_dead_paths() -> None:
    # edges (0,1)=a (0,2)=b (1,2)=c (0,3)=d (1,3)=e (2,3)=f: only d reaches the output
    graph = _built("nb201", nb201((CONV3, ZERO, ZERO, CONV1, ZERO, ZERO)))
    convs = [n for n in graph.nodes if n.op is IROp.CONV]
    assert {n.attr("kernel") for n in convs} == {1, 3}  # the stem and conv1x1 only
    assert IROp.SUM not in graph.ops()
    # all-id cell: node 2 = x + x, node 3 = x + x + (x + x): merges but no op nodes
    ids = _built("nb201", nb201((ID,) * 6))
    cell_nodes = [n for n in ids.nodes if "CELL#0" in n.scope and "STAGE#0" in n.scope]
    assert [n.op for n in cell_nodes] == [IROp.SUM, IROp.SUM]


def test_one_path_architecture_is_smaller_than_all_conv() -> None:
    one_path = summarize(_built("nb201", nb201((ZERO, ZERO, ZERO, CONV3, ZERO, ZERO))))
    all_conv = summarize(_built("nb201", nb201((CONV3,) * 6)))
    assert one_path.total_params < all_conv.total_params
    assert one_path.total_macs < all_conv.total_macs


def test_shared_cell_has_the_same_structure_at_every_position() -> None:
    graph = _built("nb201", nb201((CONV3, ID, CONV1, POOL, CONV3, ZERO)))
    cells: dict[str, list[tuple[object, ...]]] = {}
    for node in graph.nodes:
        if "/CELL#" in node.scope:
            cell = node.scope.split("/OP#")[0]
            first = min(i for i, n in enumerate(graph.nodes) if n.scope.startswith(cell))
            relative = tuple(i - first for i in node.inputs)
            cells.setdefault(cell, []).append((node.op, node.attrs, relative, node.shape.features))
    assert len(cells) == 15
    by_stage: dict[str, set[tuple[tuple[object, ...], ...]]] = {}
    for cell, structure in cells.items():
        by_stage.setdefault(cell.split("/CELL#")[0], set()).add(tuple(structure))
    assert all(len(structures) == 1 for structures in by_stage.values())


def test_hnb201_down_block_halves_resolution_and_doubles_channels() -> None:
    graph = _built("hnb201", hnb201(hnb201_op(act=2, conv=2, norm=2)))
    blocks = [n for n in graph.nodes if n.op is IROp.NB201_BASIC]
    assert [n.shape.dims for n in blocks] == [(32, 16, 16), (64, 8, 8)]
    depthwise = [n for n in graph.nodes if n.op is IROp.CONV and n.text == "dconv3x3"]
    assert depthwise and all(n.attr("groups") == n.shape.features for n in depthwise)


def test_signals_and_sequences_keep_their_layout() -> None:
    signal = _built("mnist1d", mnist1d())
    assert [n.shape.dims for n in signal.nodes if n.op is IROp.CONV] == [
        (32, 40),
        (32, 40),
        (64, 20),
        (64, 20),
        (128, 10),
    ]
    sequence = _built("transformer", transformer(depth=3, mixer=1))
    attention = [n for n in sequence.nodes if n.op is IROp.ATTENTION]
    assert len(attention) == 3 and all(n.shape.dims == (64, 128) for n in attention)
    assert {n.op for n in sequence.nodes} >= {IROp.LAYERNORM, IROp.MLP, IROp.SUM}


def test_binary_merge_nodes_take_the_merge_argument_in_edge_order() -> None:
    graph = _built("activation", FIXED["activation"])
    adds = [n for n in graph.nodes if n.op is IROp.ADD]
    assert adds and all(len(n.inputs) == 2 for n in adds)
    first = adds[0]
    assert graph.nodes[first.inputs[0]].op is IROp.SIGMOID  # x1 = a(x), x2 = b(x) = id
    assert all(n.op not in MERGE_OPS or len(n.inputs) >= 2 for n in graph.nodes)


def test_cost_of_a_tiny_network_by_hand() -> None:
    graph = _built("mnist1d", mnist1d(down=0, head=0))
    summary = summarize(graph)
    stem = 5 * 1 * 32  # conv(32, kernel=5), no bias, on [1, 40]
    block = 3 * 32 * 32 + 2 * 32  # conv3 + batchnorm
    head = 32 * 10 + 10  # linear(classes) after global_avg_pool
    assert summary.total_params == stem + 2 * 32 + 2 * block + head
    conv_macs = stem * 40 + 3 * 32 * 32 * 40 + 3 * 32 * 32 * 20  # max_pool halves the length
    assert summary.total_macs == conv_macs + 32 * 10


def test_a_derivation_that_does_not_fit_the_space_is_a_diagnostic() -> None:
    with pytest.raises(NascError) as caught:
        build(example("nb201"), D("NET", 0, (D("STEM", 0),)))
    assert caught.value.diagnostics[0].code == "E601"
    with pytest.raises(NascError, match="OP alternative 9"):
        build(example("nb201"), nb201((9, 0, 0, 0, 0, 0)))


def test_shape_mismatch_names_the_node_and_the_architecture(tmp_path: Path) -> None:
    path = tmp_path / "bad.nas"
    path.write_text(
        "import std\ninput [3, 8, 8]\nNET ::= Residual(A, id, id)\nA ::= conv(channels=*2) | id\n"
    )
    result = check(str(path))
    assert result.space is not None and not result.ok  # the static check saw it
    assert build(result.space, D("NET", 0, (D("A", 1),))).output_shape.dims == (3, 8, 8)
    with pytest.raises(NascError) as caught:
        build(result.space, D("NET", 0, (D("A", 0),)))
    message = caught.value.diagnostics[0].message
    assert "paths meeting at node 2 of 'Residual'" in message and "[6, 8, 8]" in message
    assert "Residual(conv(channels=*2), id, id)" in caught.value.diagnostics[0].notes[0]


def test_zero_paths_into_concat_and_binary_merges_become_zero_nodes(tmp_path: Path) -> None:
    space = zero_space(tmp_path)
    graph = build(space, D("NET", 0, (D("P", 0), D("P", 0))))
    assert verify(graph) == []
    ops = [n.op for n in graph.nodes]
    assert ops.count(IROp.ZERO) == 2 and IROp.CONCAT in ops and IROp.MULTI in ops
    assert graph.output_shape.dims == (8, 8, 8)
    with_id = build(space, D("NET", 0, (D("P", 1), D("P", 1))))
    assert IROp.ZERO not in with_id.ops() and verify(with_id) == []


def test_a_network_cut_by_zero_edges_outputs_zeros(tmp_path: Path) -> None:
    path = tmp_path / "cut.nas"
    path.write_text(
        "import std\ninput [2, 4]\nNET ::= Sequential(Residual(conv(2), zero, zero), conv(3))\n"
    )
    result = check(str(path))
    assert result.space is not None
    graph = build(result.space, D("NET", 0))
    assert [n.op for n in graph.nodes] == [IROp.INPUT, IROp.ZERO, IROp.CONV]  # conv(2) is dead
    assert graph.output_shape.dims == (3, 4) and verify(graph) == []


ZERO_FED = """import std
input [2, 8, 8]
NET  ::= Sequential(conv(4), CELL, global_avg_pool)
CELL ::= Cell(zero, id, Sequential(relu, conv3x3, batchnorm), id, Sequential(relu, conv3x3, batchnorm), id)
"""


def _zero_fed(tmp_path: Path, statement: str) -> Graph:
    """Cell edges (0,1)=zero (0,2)=id (1,2)=conv (0,3)=id (1,3)=conv (2,3)=id: node 1
    carries zeros, so both convs are fed only by a zero edge."""
    path = tmp_path / "zero_fed.nas"
    path.write_text(ZERO_FED + statement)
    result = check(str(path))
    assert result.space is not None and result.ok, result.format()
    cell = D("CELL", 0)
    return build(result.space, D("NET", 0, (cell,)))


def test_ops_fed_only_by_zero_edges_are_built_by_default_as_nas_bench_201_does(
    tmp_path: Path,
) -> None:
    graph = _zero_fed(tmp_path, "")
    assert IROp.ZERO in graph.ops()
    convs = [n for n in graph.nodes if n.op is IROp.CONV and n.text == "conv3x3"]
    relus = [n for n in graph.nodes if n.op is IROp.RELU]
    assert len(convs) == 2 and len(relus) == 2
    assert all(graph.nodes[n.inputs[0]].op is IROp.ZERO for n in relus)
    # stem conv 2*4*9, two zero-fed convs 4*4*9 each with batch norm 2*4
    assert summarize(graph).total_params == 72 + 2 * (144 + 8)


def test_prune_unreachable_drops_ops_fed_only_by_zero_edges(tmp_path: Path) -> None:
    graph = _zero_fed(tmp_path, "prune unreachable\n")
    assert IROp.ZERO not in graph.ops()
    assert [n.op for n in graph.nodes if n.op is IROp.CONV] == [IROp.CONV]  # the stem only
    assert summarize(graph).total_params == 72
    assert verify(graph) == []


def test_prune_unreachable_is_a_property_of_the_space(tmp_path: Path) -> None:
    assert example("hnb201").prune_unreachable
    assert not example("nb201").prune_unreachable
    path = tmp_path / "zero_fed.nas"
    path.write_text(ZERO_FED + "prune unreachable\nprune unreachable\n")
    assert check(str(path)).ok  # saying it twice is harmless
