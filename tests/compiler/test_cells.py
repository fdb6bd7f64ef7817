"""Cells with several inputs: multi-input topologies, per-node merges, `Cascade`, input
choice over a set of nodes, ties by named parameters (`shared CELL(kind)`) and rule
clauses, checked against brute force and the published DARTS / NAS-Bench-101 numbers."""

from __future__ import annotations

import collections
import itertools
import math
import random
from pathlib import Path

import pytest

from nasc.compiler import check, format_term, parse_term
from nasc.compiler.derive.derivation import Derivation, validate
from nasc.compiler.derive.mutation import crossover, mutate
from nasc.compiler.derive.sampling import sample, unrank
from nasc.compiler.graph import build
from nasc.compiler.graph.ir import IROp
from nasc.compiler.space import Space
from nasc.dsl.fmt import format_text
from tests.compiler.derivation_spaces import HEADER, space_from
from tests.conftest import ROOT

# ---- brute force over a two-input topology

# nodes 0, 1 inputs; 2, 3 inner; 4 output
TWO_EDGES = [(0, 2), (1, 2), (0, 3), (1, 3), (2, 3), (2, 4), (3, 4)]
TWO = (
    "topology Two(a, b, c, d, e, f, g) inputs 2 "
    + " ".join(f"({s},{t})" for s, t in TWO_EDGES).join(["edges ", ""])
    + "\n"
)
OPS = ("zero", "id", "relu")


def _two_space(tmp: Path, constraints: str) -> Space:
    return space_from(
        TWO
        + "NET ::= Sequential(conv(8), Cascade(CELL, CELL))\n"
        + "CELL ::= Two(OP, OP, OP, OP, OP, OP, OP)\nOP ::= zero | id | relu\n"
        + constraints,
        tmp,
    )


def _cell_count(keep: object) -> int:
    """Assignments of the 3 ops to the 7 edges that ``keep`` accepts (by definition)."""
    total = 0
    for ops in itertools.product(OPS, repeat=len(TWO_EDGES)):
        live = [e for e, op in zip(TWO_EDGES, ops, strict=True) if op != "zero"]
        if keep(live):  # type: ignore[operator]
            total += 1
    return total


def _reached_from_an_input(live: list[tuple[int, int]]) -> bool:
    seen = {0, 1}
    for s, t in sorted(live):
        if s in seen:
            seen.add(t)
    return 4 in seen


def _incoming(live: list[tuple[int, int]], node: int) -> int:
    return sum(t == node for _, t in live)


def test_inputs_of_a_two_input_topology_exempt_its_inputs(tmp_path: Path) -> None:
    space = _two_space(tmp_path, "constraint inputs(Two) == 2\n")
    per_cell = _cell_count(lambda live: all(_incoming(live, n) == 2 for n in (2, 3)))
    # node 2 keeps both of its 2 edges, node 3 two of 3 (3 ways), 2 ops each: 1*3 * 2^4;
    # the output's 2 edges are free: 3^2
    assert per_cell == 3 * 2**4 * 3**2
    assert space.count() == per_cell**2


def test_inputs_restricted_to_listed_nodes(tmp_path: Path) -> None:
    space = _two_space(tmp_path, "constraint inputs(Two, 3) == 1\n")
    per_cell = _cell_count(lambda live: _incoming(live, 3) == 1)
    assert space.count() == per_cell**2 == (3 * 2 * 3**4) ** 2


def test_connected_with_two_inputs_means_reached_from_one(tmp_path: Path) -> None:
    space = _two_space(tmp_path, "constraint connected\n")
    per_cell = _cell_count(_reached_from_an_input)
    # a cell may ignore one of its inputs: fewer than "reached from both"
    both = _cell_count(
        lambda live: (
            _reached_from_an_input(live)
            and _reached_from_an_input([e for e in live if e[0] != 1])
            and _reached_from_an_input([e for e in live if e[0] != 0])
        )
    )
    assert both < per_cell
    assert space.count() == per_cell**2


def test_uniform_sampling_is_uniform_on_a_tiny_multi_input_space(tmp_path: Path) -> None:
    space = space_from(
        "topology Two(a, b, c) inputs 2 edges (0,2) (1,2) (2,3)\n"
        "NET ::= Sequential(conv(8), Cascade(CELL), global_avg_pool)\n"
        "CELL ::= Two(OP, OP, relu)\nOP ::= zero | id | relu\n"
        "constraint inputs(Two) == 1\n",
        tmp_path,
    )
    n = space.count()
    assert n == 4  # node 2 keeps one of its two edges, id or relu on it
    everything = {unrank(space, r) for r in range(n)}
    assert len(everything) == n
    rng = random.Random(0)
    draws = 4000
    seen = collections.Counter(sample(space, rng) for _ in range(draws))
    assert set(seen) == everything
    # each of the 4 within 5 standard deviations of draws / 4
    sd = math.sqrt(draws * 0.25 * 0.75)
    assert all(abs(k - draws / n) < 5 * sd for k in seen.values())


# ---- Cascade wiring and per-node merges in the Graph


def test_cascade_feeds_cell_k_with_the_two_outputs_before_it(tmp_path: Path) -> None:
    space = space_from(
        "topology Pair(a, b) inputs 2 edges (0,2) (1,2) merge concat\n"
        "NET ::= Sequential(conv(4), Cascade(Pair(id, id), Pair(id, id), relu, Pair(id, id)))\n",
        tmp_path,
    )
    graph = build(space, space.sample(seed=0))
    # x: 4 channels; cell 1 reads (x, x): 8; cell 2 reads (x, cell 1): 12; relu keeps 12;
    # cell 4 reads (cell 2, relu): 24
    at = [i for i, n in enumerate(graph.nodes) if n.op is IROp.CONCAT]
    assert [graph.nodes[i].shape.features for i in at] == [8, 12, 24]
    assert graph.nodes[at[0]].inputs == (1, 1)
    assert graph.nodes[at[1]].inputs == (1, at[0])
    relu = next(i for i, n in enumerate(graph.nodes) if n.op is IROp.RELU)
    assert graph.nodes[relu].inputs == (at[1],)
    assert graph.nodes[at[2]].inputs == (at[1], relu)


def test_per_node_merge_overrides_the_default(tmp_path: Path) -> None:
    space = space_from(
        "topology T(a, b, c, d) edges (0,1) (0,1) (1,2) (1,2) merge concat merge 1 sum\n"
        "NET ::= T(relu, id, relu, id)\n",
        tmp_path,
    )
    graph = build(space, space.sample(seed=0))
    ops = [n.op for n in graph.nodes]
    assert ops.count(IROp.SUM) == 1 and ops.count(IROp.CONCAT) == 1
    assert graph.output_shape.features == 6


def test_per_node_merge_by_a_binary_operation_argument(tmp_path: Path) -> None:
    space = space_from(
        "topology M(op, a, b, c, d) edges (0,1) (0,1) (1,2) (1,2) merge 1 op merge 2 concat\n"
        "NET ::= M(BIN, relu, id, relu, id)\nBIN ::= multi | bmax\n",
        tmp_path,
    )
    assert space.count() == 2
    ops = {n.op for n in build(space, space.sample(seed=0)).nodes}
    assert IROp.CONCAT in ops and (IROp("multi") in ops or IROp("bmax") in ops)


# ---- ties: shared CELL(kind)


TIED = """
NET ::= Sequential(B(8, "a", 1), B(16, "a", 2), B(16, "b", 1), global_avg_pool)
B(c, kind, pre) ::= Sequential(PRE(c, pre), OP(c), OP(c))
PRE(c, 1) ::= conv(c, kernel=1)
PRE(c, 2) ::= Sequential(relu, conv(c, kernel=1))
OP(c) ::= relu | conv(c) | conv(c, kernel=1)
shared B(kind)
"""


def test_tied_instances_count_once_and_keep_their_own_values(tmp_path: Path) -> None:
    space = space_from(TIED, tmp_path)
    assert space.count() == 9 * 9  # kind "a" once, kind "b" once
    for seed in range(5):
        d = space.sample(seed=seed)
        term = format_term(space, d)
        a1, a2, _ = _blocks(term)
        # the two "a" blocks make the same choices with their own channels
        assert a1.replace("8", "C") == a2.replace("16", "C").replace(
            "Sequential(relu, conv(C, kernel=1))", "conv(C, kernel=1)"
        )
        assert parse_term(space, term) == d
        graph = build(space, d)
        assert graph.output_shape.features == 16


def _blocks(term: str) -> list[str]:
    """The three B(...) blocks of a TIED term (each a Sequential of 3 parts)."""
    inner = term[len("Sequential(") : term.rindex(", global_avg_pool")]
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(inner):
        depth += ch == "("
        depth -= ch == ")"
        if ch == "," and depth == 0:
            parts.append(inner[start:i].strip())
            start = i + 1
    parts.append(inner[start:].strip())
    return parts


def test_mutation_and_crossover_keep_ties_and_input_choice(tmp_path: Path) -> None:
    space = darts_small(tmp_path)
    rng = random.Random(3)
    parent = space.sample(seed=1)
    other = space.sample(seed=2)
    for _ in range(6):
        child = mutate(space, parent, rng)
        assert child != parent and not validate(space, child)
        _assert_darts_cells(space, child)
        a, b = crossover(space, parent, other, rng)
        for d in (a, b):
            assert not validate(space, d)
            _assert_darts_cells(space, d)
        parent = child


def _assert_darts_cells(space: Space, d: Derivation) -> None:
    """Every normal cell takes the same choices, every reduction cell too, and each
    intermediate node sums exactly two live edges."""
    cells = d.children  # the 8 cell places of the Cascade, in order
    normal = [cells[i] for i in (0, 1, 3, 4, 6, 7)]
    assert all(c == normal[0] for c in normal) and cells[2] == cells[5]
    graph = build(space, d)
    sums = [n for n in graph.nodes if n.op is IROp.SUM]
    assert len(sums) == 8 * 4 and all(len(n.inputs) == 2 for n in sums)


# ---- the examples


def darts_small(tmp: Path) -> Space:
    """examples/darts.nas on [3, 8, 8] inputs (fast to build and run)."""
    text = (ROOT / "examples" / "darts.nas").read_text()
    path = tmp / "darts.nas"
    path.write_text(text.replace("input [3, 32, 32]", "input [3, 8, 8]"))
    result = check(str(path))
    assert result.ok, result.format()
    assert result.space is not None
    return result.space


def test_darts_counts_as_the_paper() -> None:
    result = check(str(ROOT / "examples" / "darts.nas"))
    assert result.ok, result.format()
    space = result.space
    assert space is not None
    per_kind = math.comb(2, 2) * math.comb(3, 2) * math.comb(4, 2) * math.comb(5, 2) * 7**8
    assert per_kind == 1_037_664_180
    assert space.count() == per_kind**2 == 1_076_746_950_455_072_400


def test_darts_graph_has_the_cells_of_the_paper() -> None:
    space = check(str(ROOT / "examples" / "darts.nas")).space
    assert space is not None
    for seed in range(3):
        graph = build(space, space.sample(seed=seed))
        concats = [n for n in graph.nodes if n.op is IROp.CONCAT]
        # each cell's output concatenates its 4 intermediate nodes: 4C channels
        assert [n.shape.features for n in concats] == [64, 64, 128, 128, 128, 256, 256, 256]
        assert [n.shape.dims[1] for n in concats] == [32, 32, 16, 16, 16, 8, 8, 8]
        assert all(len(n.inputs) == 4 for n in concats)
        sums = [n for n in graph.nodes if n.op is IROp.SUM]
        assert len(sums) == 32  # 4 intermediate nodes per cell, each summing 2 edges
        assert graph.output_shape.dims == (10,)
        # the cells after the reduction cells read c_{k-2} through FactorizedReduce
        reduce_pre = [
            n for n in graph.nodes if n.op is IROp("factorized_reduce") and "PRE0" in n.scope
        ]
        assert {n.scope.split("/")[1] for n in reduce_pre} == {
            "CELL(32, 1, 2)#0",
            "CELL(64, 1, 2)#0",
        }


NB101_PAIRS = [(i, j) for j in range(7) for i in range(j)]  # the 21 DAG edges


def _nb101_matrices() -> int:
    """Upper-triangular 7x7 adjacency matrices with at most 9 edges and a path from
    vertex 0 to vertex 6 (NAS-Bench-101's rule), by brute force."""
    found = 0
    for k in range(10):
        for chosen in itertools.combinations(range(21), k):
            out = [0] * 7
            for e in chosen:
                i, j = NB101_PAIRS[e]
                out[i] |= 1 << j
            reach = 1
            for v in range(7):
                if reach >> v & 1:
                    reach |= out[v]
            found += reach >> 6 & 1
    return found


def test_nb101_matrix_count_by_brute_force() -> None:
    assert _nb101_matrices() == 573_494


def nb101_derivation(
    space: Space, matrix: set[tuple[int, int]], ops: list[int], channels: int = 128
) -> Derivation:
    """The NAS-Bench-101 cell with these DAG edges (vertex pairs) and vertex operations
    (0 conv3x3, 1 conv1x1, 2 max_pool), in every cell of the network."""
    adj = lambda present: Derivation("ADJ", 1 if present else 0)  # noqa: E731
    proj = Derivation(f"PROJ({channels})", 0)
    inputs = [adj((0, v) in matrix) for v in range(1, 6)]
    vertices = [Derivation("VERTEX", op) for op in ops]
    between = [adj((u, v) in matrix) for v in range(2, 6) for u in range(1, v)]
    to_out = [adj((v, 6) in matrix) for v in range(1, 6)] + [adj((0, 6) in matrix)]
    cell = Derivation(
        f"CELL({channels})", 0, (proj,) * 6 + tuple(inputs + vertices + between + to_out)
    )
    return Derivation("NET", 0, (cell,) * 9)


def test_nb101_cells_build_as_the_dag_says() -> None:
    space = check(str(ROOT / "examples" / "nb101.nas")).space
    assert space is not None
    # input -> 1 -> 2 -> output, input -> 3 -> output: vertices 4, 5 dead
    matrix = {(0, 1), (1, 2), (2, 6), (0, 3), (3, 6), (4, 5), (5, 6)}
    d = nb101_derivation(space, matrix, [0, 1, 2, 0, 0])
    assert not validate(space, d)
    graph = build(space, d)
    assert graph.output_shape.dims == (10,)
    convs = [n for n in graph.nodes if n.op is IROp.CONV]
    pools = [n for n in graph.nodes if n.op is IROp.MAX_POOL and n.attr("kernel") == 3]
    # per cell: 2 live input projections, conv3x3 and conv1x1 on vertices 1, 2, the
    # pool on vertex 3; dead vertices 4, 5 are pruned (`prune unreachable`)
    assert len(convs) == 1 + 9 * 4 and len(pools) == 9
    too_many = matrix | {(0, 2), (1, 3), (2, 3)}  # 10 edges
    assert validate(space, nb101_derivation(space, too_many, [0] * 5))
    cut = {(0, 1), (2, 6)}  # no path from the input to the output
    assert validate(space, nb101_derivation(space, cut, [0] * 5))


def test_nb101_counts_labelled_derivations() -> None:
    space = check(str(ROOT / "examples" / "nb101.nas")).space
    assert space is not None
    assert space.count() == 3**5 * 573_494 == 139_359_042


def test_nb101_modelling_counts_as_brute_force_on_a_smaller_cell(tmp_path: Path) -> None:
    """The NB101 modelling (vertices split by their op edge, projections of the input)
    with 3 intermediate vertices and at most 4 DAG edges: nasc's count is the brute
    force's number of adjacency matrices times 3^3 labellings."""
    space = space_from(
        "topology NB(p1, p2, p3, po, i1, i2, i3, v1, v2, v3, a12, a13, a23, o1, o2, o3, oi) "
        "edges (0,1) (0,2) (0,3) (0,4) (1,5) (2,7) (3,9) (5,6) (7,8) (9,10) (6,7) (6,9) "
        "(8,9) (6,11) (8,11) (10,11) (4,11) merge sum merge 11 concat\n"
        "NET ::= Sequential(CELL(8), CELL(8), global_avg_pool)\n"
        "CELL(c) ::= NB(PROJ(c), PROJ(c), PROJ(c), PROJ(c), ADJ, ADJ, ADJ, V, V, V, "
        "ADJ, ADJ, ADJ, ADJ, ADJ, ADJ, ADJ)\n"
        "PROJ(c) ::= Sequential(conv(c, kernel=1), batchnorm, relu)\n"
        "ADJ ::= zero | id\nV ::= conv3x3 | conv1x1 | max_pool\n"
        "shared CELL()\nconstraint connected\nconstraint edges(NB) <= 11\nprune unreachable\n",
        tmp_path,
    )
    pairs = [(i, j) for j in range(5) for i in range(j)]
    matrices = 0
    for mask in range(1 << len(pairs)):
        chosen = [p for b, p in enumerate(pairs) if mask >> b & 1]
        if len(chosen) > 4:
            continue
        reach = {0}
        for i, j in sorted(chosen, key=lambda p: p[1]):
            if i in reach:
                reach.add(j)
        matrices += 4 in reach
    assert space.count() == 3**3 * matrices


# ---- diagnostics


@pytest.mark.parametrize(
    ("text", "code", "words"),
    [
        (
            "topology Two(a, b, c) inputs 2 edges (0,2) (1,2) (2,3)\n"
            "NET ::= Sequential(conv(8), Two(id, id, relu))\n",
            "E309",
            "an element of Sequential",
        ),
        (
            "topology Two(a, b, c) inputs 2 edges (0,2) (1,2) (2,3)\n"
            "NET ::= Residual(Two(id, id, relu), id, id)\n",
            "E309",
            "an edge of topology 'Residual'",
        ),
        (
            "topology Two(a, b, c) inputs 2 edges (0,2) (1,2) (2,3)\nNET ::= Two(id, id, relu)\n",
            "E309",
            "the start symbol",
        ),
        (
            "topology Two(a, b, c) inputs 2 edges (0,2) (1,2) (2,3)\n"
            "NET ::= Cascade(X)\nX ::= Two(id, id, relu) | relu\n",
            "E309",
            "mixes terms with 2 and 1 inputs",
        ),
        ("topology T(a) inputs 3 edges (0,1)\nNET ::= T(relu)\n", "E305", "3 inputs"),
        (
            "topology T(a, b) inputs 2 edges (0,1) (0,2)\nNET ::= T(relu, relu)\n",
            "E305",
            "goes into input node 1",
        ),
        (
            "topology T(a, b) edges (0,1) (1,2) merge 3 concat\nNET ::= T(relu, relu)\n",
            "E305",
            "names node 3",
        ),
        (
            "topology T(a, b) edges (0,1) (1,2) merge 2 cat\nNET ::= T(relu, relu)\n",
            "E306",
            "merge 'cat'",
        ),
        (
            "topology T(a, b) inputs 2 edges (0,2) (1,2)\n"
            "NET ::= Cascade(T(relu, relu))\nconstraint inputs(T, 1) == 1\n",
            "E305",
            "names node 1, which is an input",
        ),
        (
            "NET ::= Sequential(B(8, 1), B(8, 2))\nB(c, k) ::= conv(c)\nshared B(kind)\n",
            "E201",
            "has no parameter 'kind'",
        ),
        (
            "NET ::= Sequential(B(8, 1), B(16, 1))\n"
            "B(c, k) ::= Sequential(conv(c), O(c))\nO(8) ::= relu | id\nO(16) ::= relu\n"
            "shared B(k)\n",
            "E308",
            "differ in their choices",
        ),
        (
            "NET ::= Sequential(P(1), P(3))\nP(1) ::= relu\nP(2) ::= id\n",
            "E210",
            "no clause of 'P' matches P(3)",
        ),
    ],
)
def test_misuse_is_diagnosed(tmp_path: Path, text: str, code: str, words: str) -> None:
    path = tmp_path / "bad.nas"
    path.write_text(HEADER + text)
    result = check(str(path))
    found = [d for d in result.diagnostics if d.code == code]
    assert found, result.format()
    assert any(words in d.message for d in found), result.format()


def test_new_syntax_formats_and_parses_back() -> None:
    text = (
        "import std\ninput [3, 8, 8]\n"
        "topology T(a, b, c) inputs 2 edges (0,2) (1,2) (2,3) merge sum merge 3 concat\n"
        "NET ::= Cascade(B(8, 1))\nB(c, 1) ::= T(conv(c), relu, relu)\n"
        "shared B(c)\nconstraint inputs(T, 2) == 2\n"
    )
    assert format_text(text) == format_text(format_text(text))
    assert "inputs(T, 2) == 2" in format_text(text)
    assert "merge 3 concat" in format_text(text)


def test_pcfg_draws_keep_input_choice_and_ties(tmp_path: Path) -> None:
    space = darts_small(tmp_path)
    rng = random.Random(5)
    for _ in range(3):
        d = sample(space, rng, "pcfg")
        assert not validate(space, d)
        _assert_darts_cells(space, d)
