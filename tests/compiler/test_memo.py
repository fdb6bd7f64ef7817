"""Per-space tables are made once per space and kept under their type."""

from __future__ import annotations

from nasc.compiler import load
from nasc.compiler.derive.counting import Counts, counts_of
from nasc.compiler.derive.terms import format_term
from nasc.compiler.memo import SpaceMemo
from tests.conftest import ROOT

NB201 = str(ROOT / "examples" / "nb201.nas")


class _Sizes:
    made = 0

    def __init__(self, space: object) -> None:
        type(self).made += 1
        self.space = space


def test_a_table_is_made_once_and_comes_back_by_type() -> None:
    memo = SpaceMemo("space")
    first = memo.get(_Sizes)
    assert memo.get(_Sizes) is first and first.space == "space" and _Sizes.made == 1
    assert _Sizes in memo and Counts not in memo
    assert memo.get(list, lambda space: [space]) == ["space"]


def test_each_space_has_its_own_tables() -> None:
    space, again = load(NB201), load(NB201, {"classes": "100"})
    assert counts_of(space) is counts_of(space)
    assert isinstance(counts_of(space), Counts) and counts_of(space).space is space
    assert counts_of(again) is not counts_of(space)
    term = format_term(space, space.sample(seed=0))
    assert term == format_term(space, space.sample(seed=0))
    assert Counts in space.memo
