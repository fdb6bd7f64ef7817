"""Large topologies counted over their zero-pattern automaton: checked against brute force
over every pattern, against the listing of patterns that small topologies use, and for
exact uniformity of sampling; NAS-Bench-101's cell counted in a blink."""

from __future__ import annotations

import collections
import math
import random
import time
from pathlib import Path

import pytest

from nasc.compiler import format_term, load
from nasc.compiler.derive.counting import ENUMERATED_BITS, Counts, count, counts_of
from nasc.compiler.derive.derivation import is_valid, is_zero, validate
from nasc.compiler.derive.mutation import mutate
from nasc.compiler.derive.sampling import rank_rule, sample, unrank
from nasc.compiler.derive.zero_patterns import pattern_automaton
from nasc.compiler.space import Space
from nasc.dsl import NascError
from tests.compiler.derivation_spaces import SMALL, space_from

SPACES = Path(__file__).parent / "spaces"
Edges = list[tuple[int, int]]


def random_dag(rng: random.Random, nodes: int, n_edges: int) -> Edges:
    """Edges i -> j (i < j, some parallel) with every node on a path from 0 to the last."""
    last = nodes - 1
    edges = [(rng.randrange(v), v) for v in range(1, nodes)]
    edges += [(v, rng.randrange(v + 1, nodes)) for v in range(1, last)]
    while len(edges) < n_edges:
        i, j = sorted(rng.sample(range(nodes), 2))
        edges.append((i, j))
    rng.shuffle(edges)
    return edges


def topology_text(edges: Edges, args: list[str], constraints: str) -> str:
    params = [f"a{i}" for i in range(len(edges))]
    return (
        f"topology T({', '.join(params)}) edges "
        + " ".join(f"({s},{t})" for s, t in edges)
        + f"\nNET ::= T({', '.join(args)})\n"
        + "OP ::= zero | relu | id\n"
        + constraints
    )


def allowed(
    edges: Edges, zeros: int, connected: bool, at_most: int | None, inputs: int | None
) -> bool:
    """The constraints' own definitions, on one pattern (bit i of ``zeros``: edge i is zero)."""
    live = [e for i, e in enumerate(edges) if not zeros >> i & 1]
    last = max(t for _, t in edges)
    if at_most is not None and len(live) > at_most:
        return False
    if inputs is not None and any(
        sum(t == node for _, t in live) != inputs for node in range(1, last)
    ):
        return False
    if connected:
        seen = {0}
        for node in range(1, last + 1):
            if any(s in seen for s, t in live if t == node):
                seen.add(node)
        return last in seen
    return True


CONSTRAINTS = [
    ("constraint connected\n", True, None, None),
    ("constraint connected\nconstraint edges(T) <= 5\n", True, 5, None),
    ("constraint edges(T) <= 4\n", False, 4, None),
    ("constraint inputs(T) == 1\n", False, None, 1),
    ("constraint connected\nconstraint inputs(T) == 2\n", True, None, 2),
]


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("constraints", CONSTRAINTS, ids=lambda c: c[0].strip().replace("\n", ";"))
def test_random_topologies_count_as_brute_force(
    seed: int, constraints: tuple[str, bool, int | None, int | None], tmp_path: Path
) -> None:
    """Edges of `OP ::= zero | relu | id` (zero one way, live two), some fixed to `relu`
    (never zero) or `zero` (always): past ENUMERATED_BITS edges that can be zero."""
    rng = random.Random(seed)
    edges = random_dag(rng, rng.randrange(4, 8), 13)
    kinds = ["OP"] * 11 + ["relu", "zero"]
    rng.shuffle(kinds)
    text, connected, at_most, inputs = constraints
    space = space_from(topology_text(edges, kinds, text), tmp_path, errors_ok=True)
    expected = 0
    for zeros in range(1 << len(edges)):
        if any(
            (kind == "relu" and zeros >> i & 1) or (kind == "zero" and not zeros >> i & 1)
            for i, kind in enumerate(kinds)
        ):
            continue
        if allowed(edges, zeros, connected, at_most, inputs):
            live_ops = sum(kind == "OP" and not zeros >> i & 1 for i, kind in enumerate(kinds))
            expected += 2**live_ops
    assert sum(k == "OP" for k in kinds) > ENUMERATED_BITS
    assert count(space) == expected


@pytest.mark.parametrize("seed", range(20))
def test_the_automaton_allows_exactly_the_constraints_patterns(seed: int, tmp_path: Path) -> None:
    rng = random.Random(100 + seed)
    edges = random_dag(rng, rng.randrange(3, 9), rng.randrange(6, 12))
    text, connected, at_most, inputs = CONSTRAINTS[seed % len(CONSTRAINTS)]
    space = space_from(topology_text(edges, ["OP"] * len(edges), text), tmp_path, errors_ok=True)
    every = (1 << len(edges)) - 1
    automaton = pattern_automaton(space, "T", len(edges), every, every)
    found = [automaton.path(z) is not None for z in range(1 << len(edges))]
    assert found == [allowed(edges, z, connected, at_most, inputs) for z in range(1 << len(edges))]
    assert automaton.count_patterns() == sum(found)


def _forced(space: Space) -> Space:
    """``space`` counted over automata even where it has few patterns (no listing)."""
    space.memo.get(Counts, lambda s: Counts(s, enumerated_bits=0))
    return space


@pytest.mark.parametrize("name", sorted(SMALL))
def test_automaton_counts_agree_with_listed_patterns(name: str, tmp_path: Path) -> None:
    listed = space_from(SMALL[name], tmp_path, name)
    walked = _forced(space_from(SMALL[name], tmp_path, name + "_walked"))
    total = count(walked)
    assert total == count(listed)
    seen = {unrank(walked, r) for r in range(total)}
    assert len(seen) == total
    assert all(not validate(walked, d) for d in seen)
    rng = random.Random(0)
    for d in list(seen)[:30]:
        try:
            child = mutate(walked, d, rng)
        except NascError as exc:  # a space with one choice left at every node
            assert exc.diagnostics[0].code == "E720"
            continue
        assert not validate(walked, child)
    if not walked.shared:
        engine = counts_of(walked).engine()
        for r in range(total):
            d = unrank(walked, r)
            assert rank_rule(engine, walked.start, 0, engine.full_budget, d) == (0, r)


SMALL_BIG = [(0, 1), (0, 2), (1, 2), (0, 3), (1, 3), (2, 3), (0, 4), (1, 4), (2, 4), (3, 4)]
SMALL_BIG += [(0, 4), (1, 4)]


@pytest.mark.parametrize(
    ("constraints", "expected"),
    [
        ("constraint edges(Dense) <= 4\nconstraint connected\n", 3_042),
        ("constraint inputs(Dense) == 1\n", 48 * 81),
    ],
)
def test_dense_cell_counts_by_hand_over_the_automaton(
    constraints: str, expected: int, tmp_path: Path
) -> None:
    """The 10-edge cells of test_edge_constraints, whose counts are worked out by hand there."""
    text = (
        "NET ::= Dense(OP, OP, OP, OP, OP, OP, OP, OP, OP, OP)\nOP ::= zero | conv3x3 | avg_pool\n"
    )
    space = _forced(space_from(text + constraints, tmp_path))
    assert count(space) == expected
    rng = random.Random(0)
    assert all(is_valid(space, sample(space, rng)) for _ in range(50))


def _small_big_space(tmp: Path) -> Space:
    edges = SMALL_BIG
    text = topology_text(
        edges, ["OP"] * len(edges), "constraint connected\nconstraint edges(T) <= 2\n"
    )
    return space_from(text.replace("OP ::= zero | relu | id", "OP ::= zero | relu"), tmp)


def test_uniform_sampling_over_the_automaton_is_uniform(tmp_path: Path) -> None:
    space = _small_big_space(tmp_path)
    total = count(space)
    # at most 2 live edges from 0 to 4: 0->4 (twice) alone or with any other edge, or
    # 0->1->4 (twice), 0->2->4, 0->3->4
    assert total == 2 + (2 * 11 - 1) + 2 + 1 + 1 == 27
    rng = random.Random(0)
    n = 400 * total
    seen = collections.Counter(sample(space, rng) for _ in range(n))
    assert len(seen) == total
    assert all(is_valid(space, d) for d in seen)
    expected = n / total
    chi2 = sum((c - expected) ** 2 / expected for c in seen.values())
    dof = total - 1
    assert chi2 < dof + 5 * (2 * dof) ** 0.5


def test_mutation_keeps_the_bound_on_a_large_topology(tmp_path: Path) -> None:
    text = topology_text(SMALL_BIG, ["OP"] * 12, "constraint connected\nconstraint edges(T) <= 2\n")
    space = space_from(text, tmp_path)
    rng = random.Random(1)
    for _ in range(30):
        d = sample(space, rng)
        child = mutate(space, d, rng)
        assert is_valid(space, child)
        assert sum(not is_zero(space, c) for c in child.children) <= 2


def test_pcfg_draws_patterns_by_their_weights(tmp_path: Path) -> None:
    """pcfg over the automaton: each allowed pattern as likely as the product of its edges'
    zero shares (here 3/4 zero, 1/4 live), checked on the marginals against brute force."""
    edges = random_dag(random.Random(7), 5, 12)
    text = topology_text(edges, ["OP"] * 12, "constraint connected\n")
    space = space_from(text.replace("OP ::= zero | relu | id", "OP ::= 3: zero | relu"), tmp_path)
    weights = {}
    for zeros in range(1 << 12):
        if allowed(edges, zeros, True, None, None):
            k = bin(zeros).count("1")
            weights[zeros] = 0.75**k * 0.25 ** (12 - k)
    norm = sum(weights.values())
    exact = [sum(w for z, w in weights.items() if z >> i & 1) / norm for i in range(12)]
    rng = random.Random(3)
    n = 4000
    zero_counts = [0] * 12
    for _ in range(n):
        d = sample(space, rng, "pcfg")
        assert is_valid(space, d)
        for i, child in enumerate(d.children):
            zero_counts[i] += is_zero(space, child)
    for i in range(12):
        assert (
            abs(zero_counts[i] / n - exact[i]) < 4 * (exact[i] * (1 - exact[i]) / n) ** 0.5 + 1e-9
        )


def _nb101_labelled(at_most: int | None) -> int:
    """NAS-Bench-101's labelled cells, counted on their own: 7 nodes, an edge set of the 21
    pairs i < j in which the input reaches the output (with at most ``at_most`` edges), 3
    operations on each of the 5 intermediate nodes. Every set of the 15 edges into nodes
    1-5 is tried; of the 6 edges into the output, those taking at least one from a reached
    node are counted by binomials."""
    pairs = [(i, j) for j in range(1, 6) for i in range(j)]
    total = 0
    for matrix in range(1 << len(pairs)):
        reached = {0}
        for k, (i, j) in enumerate(pairs):  # ordered by target
            if matrix >> k & 1 and i in reached:
                reached.add(j)
        r, inner = len(reached), bin(matrix).count("1")
        for a in range(1, r + 1):
            for b in range(6 - r + 1):
                if at_most is None or inner + a + b <= at_most:
                    total += math.comb(r, a) * math.comb(6 - r, b)
    return total * 3**5


def test_nb101_cell_counts_its_labelled_cells() -> None:
    """All 2^21 * 3^5 = 509,607,936 labelled cells but those whose input is cut off; and
    with NAS-Bench-101's at most 9 edges."""
    assert count(load(str(SPACES / "nb101.nas"))) == _nb101_labelled(None) == 473_253_435
    assert count(load(str(SPACES / "nb101_le9.nas"))) == _nb101_labelled(9) == 139_359_042


def test_nb101_cell_is_counted_fast() -> None:
    """26 edges: listing 2^21 patterns took minutes; the automaton takes milliseconds."""
    for name, expected in (("nb101", 473_253_435), ("nb101_le9", 139_359_042)):
        space = load(str(SPACES / f"{name}.nas"))
        start = time.perf_counter()
        assert count(space) == expected
        assert time.perf_counter() - start < 10
        rng = random.Random(0)
        for _ in range(50):
            assert is_valid(space, sample(space, rng))
            assert is_valid(space, sample(space, rng, "pcfg"))
        term = format_term(space, sample(space, rng))
        assert term.startswith("NB101(")


def test_a_topology_too_wide_to_count_is_an_error(tmp_path: Path) -> None:
    edges = [(i, j) for j in range(1, 20) for i in range(j)]
    space = space_from(
        topology_text(edges, ["OP"] * len(edges), "constraint connected\n"), tmp_path
    )
    with pytest.raises(NascError) as info:
        count(space)
    assert info.value.diagnostics[0].code == "E715"


def test_parallel_branches_stay_narrow(tmp_path: Path) -> None:
    """17 two-edge paths side by side: 4^17 - 3^17 patterns keep one path whole."""
    edges = [(0, i) for i in range(1, 18)] + [(i, 18) for i in range(1, 18)]
    text = topology_text(edges, ["OP"] * len(edges), "constraint connected\n")
    space = space_from(text.replace("OP ::= zero | relu | id", "OP ::= zero | relu"), tmp_path)
    assert count(space) == 4**17 - 3**17
    rng = random.Random(0)
    assert all(is_valid(space, sample(space, rng)) for _ in range(20))
