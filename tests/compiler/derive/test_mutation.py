from __future__ import annotations

import itertools
import random
from pathlib import Path

import pytest

from nasc.compiler import count, load
from nasc.compiler.derive.derivation import is_valid, validate
from nasc.compiler.derive.mutation import crossover, mutate, self_crossover, shared_values
from nasc.compiler.derive.sampling import sample
from nasc.compiler.derive.terms import parse_term
from nasc.dsl import NascError
from tests.compiler.derivation_spaces import SMALL, space_from
from tests.conftest import EXAMPLES

TRIES = 10_000


def _parents(space: object, n: int, seed: int) -> list[object]:
    rng = random.Random(seed)
    pool = [sample(space, rng) for _ in range(min(n, 500))]  # type: ignore[arg-type]
    return [pool[i % len(pool)] for i in range(n)]


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_mutation_is_valid_and_always_differs(path: Path) -> None:
    space = load(str(path))
    rng = random.Random(0)
    if count(space) == 1:  # one architecture (mnist1d_cnn.nas): nothing to mutate to
        with pytest.raises(NascError):
            mutate(space, sample(space, rng), rng)
        return
    for parent in _parents(space, TRIES, 1):
        child = mutate(space, parent, rng)  # type: ignore[arg-type]
        assert child != parent
        assert is_valid(space, child)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_crossover_is_valid_and_always_differs(path: Path) -> None:
    space = load(str(path))
    rng = random.Random(0)
    n = TRIES // 2
    parents = _parents(space, n + 1, 2)
    for a, b in itertools.pairwise(parents):
        if a == b:
            continue
        x, y = crossover(space, a, b, rng)  # type: ignore[arg-type]
        assert x != a and y != b
        assert is_valid(space, x) and is_valid(space, y)
    for a in parents[: n // 2]:
        try:
            child = self_crossover(space, a, rng)  # type: ignore[arg-type]
        except NascError:
            continue  # a parent whose same-named subtrees are all equal
        assert child != a
        assert is_valid(space, child)


def test_shared_value_mutates_in_all_places(tmp_path: Path) -> None:
    space = load(str(Path(EXAMPLES[0]).parent / "nb201.nas"))
    rng = random.Random(4)
    for _ in range(200):
        parent = sample(space, rng)
        child = mutate(space, parent, rng)
        assert shared_values(space, child)["CELL"] != shared_values(space, parent)["CELL"]
        assert validate(space, child) == []


@pytest.mark.parametrize("name", ["shared", "nested_shared", "depth", "connected"])
def test_small_spaces_keep_constraints(name: str, tmp_path: Path) -> None:
    space = space_from(SMALL[name], tmp_path)
    rng = random.Random(9)
    for _ in range(500):
        a, b = sample(space, rng), sample(space, rng)
        try:
            child = mutate(space, a, rng)
        except NascError as exc:
            assert exc.diagnostics[0].code == "E720"
        else:
            assert child != a and validate(space, child) == []
        if a != b:
            try:
                x, y = crossover(space, a, b, rng)
            except NascError as exc:
                assert exc.diagnostics[0].code == "E720"
            else:
                assert validate(space, x) == [] and validate(space, y) == []


def test_no_valid_move_is_explained(tmp_path: Path) -> None:
    space = space_from(
        "NET ::= Sequential(relu, OP)\nOP ::= relu | zero\nconstraint connected\n", tmp_path
    )
    d = sample(space, random.Random(0))
    with pytest.raises(NascError) as info:
        mutate(space, d, random.Random(0))
    assert info.value.diagnostics[0].code == "E720"
    assert "no valid mutation" in info.value.diagnostics[0].message
    with pytest.raises(NascError, match="no valid crossover"):
        crossover(space, d, d, random.Random(0))


def test_crossover_points_are_uniform(tmp_path: Path) -> None:
    space = space_from(SMALL["cell"], tmp_path)
    a = parse_term(space, "Cell(relu, relu, relu, relu, relu, relu)")
    b = parse_term(space, "Cell(id, id, id, id, id, id)")
    rng = random.Random(5)
    places_a = [0] * 6
    places_b = [0] * 6
    draws = 6_000
    for _ in range(draws):
        x, y = crossover(space, a, b, rng)
        (i,) = [k for k in range(6) if x.children[k] != a.children[k]]
        (j,) = [k for k in range(6) if y.children[k] != b.children[k]]
        places_a[i] += 1
        places_b[j] += 1
    for n in places_a + places_b:  # each place 1/6 of the draws; 20% is over 6 sigma
        assert abs(n - draws / 6) < 0.2 * draws / 6
