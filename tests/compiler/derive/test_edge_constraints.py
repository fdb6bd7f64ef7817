"""`constraint edges(T) <= k` and `constraint inputs(T) == k`: counted exactly over zero
patterns, sampled uniformly, kept by mutation, and checked against brute force."""

from __future__ import annotations

import collections
import itertools
import random
from pathlib import Path

from nasc.compiler import format_term, parse_term
from nasc.compiler.derive.derivation import is_valid, validate
from nasc.compiler.derive.mutation import mutate
from nasc.compiler.derive.sampling import sample
from tests.compiler.derivation_spaces import HEADER, space_from

DENSE_EDGES = [(0, 1), (0, 2), (1, 2), (0, 3), (1, 3), (2, 3), (0, 4), (1, 4), (2, 4), (3, 4)]
OPS = ("zero", "conv3x3", "avg_pool")


def _space(tmp: Path, constraints: str):  # type: ignore[no-untyped-def]
    return space_from(
        "NET ::= Dense(OP, OP, OP, OP, OP, OP, OP, OP, OP, OP)\nOP ::= zero | conv3x3 | avg_pool\n"
        + constraints,
        tmp,
    )


def _reaches(live: list[tuple[int, int]]) -> bool:
    seen = {0}
    for source, target in live:  # edges are listed in topological order of their sources
        if source in seen:
            seen.add(target)
    return 4 in seen


def _brute_force(keep: object) -> int:
    total = 0
    for ops in itertools.product(OPS, repeat=10):
        live = sorted(e for e, op in zip(DENSE_EDGES, ops, strict=True) if op != "zero")
        if keep(live):  # type: ignore[operator]
            total += 1
    return total


def test_at_most_k_non_zero_edges(tmp_path: Path) -> None:
    space = _space(tmp_path, "constraint edges(Dense) <= 4\nconstraint connected\n")
    expected = _brute_force(lambda live: len(live) <= 4 and _reaches(live))
    assert space.count() == expected == 3_042


def test_exactly_k_inputs_per_node(tmp_path: Path) -> None:
    space = _space(tmp_path, "constraint inputs(Dense) == 1\n")

    def one_input_each(live: list[tuple[int, int]]) -> bool:
        return all(sum(t == node for _, t in live) == 1 for node in (1, 2, 3))

    # nodes 1, 2, 3 pick 1 of 1, 2, 3 predecessors with one of 2 ops: 2 * 4 * 6 = 48;
    # the output's 4 edges are free: 3^4 = 81
    assert space.count() == _brute_force(one_input_each) == 48 * 81


def test_sampling_is_uniform_and_mutation_keeps_the_limit(tmp_path: Path) -> None:
    space = _space(tmp_path, "constraint edges(Dense) <= 2\nconstraint connected\n")
    total = space.count()
    assert total == _brute_force(lambda live: len(live) <= 2 and _reaches(live))
    rng = random.Random(0)
    seen = collections.Counter(format_term(space, sample(space, rng)) for _ in range(40 * total))
    assert len(seen) == total
    assert max(seen.values()) < 3 * min(seen.values())
    for term in list(seen)[:20]:
        d = parse_term(space, term)
        for _ in range(20):
            child = mutate(space, d, rng)
            assert is_valid(space, child)
            assert sum(op != "zero" for op in format_term(space, child)[6:-1].split(", ")) <= 2


def test_a_term_over_the_limit_is_refused(tmp_path: Path) -> None:
    space = _space(tmp_path, "constraint edges(Dense) <= 2\n")
    over = "Dense(" + ", ".join(["conv3x3"] * 3 + ["zero"] * 7) + ")"
    d = parse_term(
        _space(tmp_path / "free" if (tmp_path / "free").mkdir() is None else tmp_path, ""), over
    )
    assert validate(space, d)
    assert "edges(Dense)" in validate(space, d)[0][1]


def test_constraint_targets_must_be_topologies(tmp_path: Path) -> None:
    path = tmp_path / "bad.nas"
    path.write_text(HEADER + "NET ::= relu\nconstraint edges(NET) <= 3\n")
    from nasc.compiler import check

    assert [d.code for d in check(str(path)).diagnostics] == ["E205"]
