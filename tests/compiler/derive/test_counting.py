from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from nasc.compiler import load
from nasc.compiler.derive.counting import count, count_by_depth, count_table, log10
from nasc.compiler.space import NT, Alternative, Rule, Topo
from nasc.dsl import NascError
from tests.compiler.derivation_spaces import SMALL, brute_force_count, space_from
from tests.conftest import ROOT

EXAMPLES = ROOT / "examples"


def test_nb201_counts_connected_cells() -> None:
    space = load(str(EXAMPLES / "nb201.nas"))
    assert count(space) == 15_284
    assert count(dataclasses.replace(space, connected=False)) == 15_625


def test_activation_space() -> None:
    assert count(load(str(EXAMPLES / "activation.nas"))) == 393_762_525


def test_hnb201_exact_integer() -> None:
    n = count(load(str(EXAMPLES / "hnb201.nas")))
    assert len(str(n)) == 376
    assert str(n).startswith("69970233233449")
    assert round(log10(n), 2) == 375.84


def test_hnb201_macro_skeletons() -> None:
    space = load(str(EXAMPLES / "hnb201.nas"))
    leaf = Rule("CELL", (Alternative(NT("OP")),))
    op = Rule("OP", (space.rule("OP").alternatives[0],))
    rules = tuple(leaf if r.name == "CELL" else op if r.name == "OP" else r for r in space.rules)
    assert count(dataclasses.replace(space, rules=rules)) == 75_549_915


def test_hnb201_as_the_reference_code_counts_it() -> None:
    """The reference grammar lists the conv block twice: each OP then counts 57, not 30."""
    space = load(str(EXAMPLES / "hnb201.nas"))
    op = space.rule("OP")
    block = op.alternatives[2].template
    assert isinstance(block, Topo)
    twin = Topo(block.name, (NT("ACT2"), *block.args[1:]))
    alts = (*op.alternatives[:3], Alternative(twin), *op.alternatives[3:])
    rules = tuple(Rule("OP", alts) if r.name == "OP" else r for r in space.rules)
    inflated = dataclasses.replace(
        space, rules=(*rules, Rule("ACT2", space.rule("ACT").alternatives))
    )
    n = count(inflated)
    assert round(log10(n), 2) == 446.09  # ~1.24e446
    assert str(n).startswith("1237")


def test_per_rule_table() -> None:
    table = count_table(load(str(EXAMPLES / "hnb201.nas")))
    assert table["OP"] == 30
    assert table["CELL"] == 728_919_959
    assert table["STEM"] == 1


@pytest.mark.parametrize("name", sorted(SMALL))
def test_count_equals_brute_force(name: str, tmp_path: Path) -> None:
    space = space_from(SMALL[name], tmp_path)
    expected = brute_force_count(space)
    assert expected > 0
    assert count(space) == expected


def test_duplicate_alternatives_count_once(tmp_path: Path) -> None:
    space = space_from(
        "NET ::= Sequential(OP, OP)\nOP ::= id | relu | id\n", tmp_path, errors_ok=True
    )
    assert count(space) == 4


def test_unsatisfiable_constraints_count_zero(tmp_path: Path) -> None:
    space = space_from(
        "NET ::= Sequential(relu, OP)\nOP ::= zero\nconstraint connected\n",
        tmp_path,
        errors_ok=True,
    )
    assert count(space) == 0


def test_infinite_space_is_reported_and_counted_per_depth(tmp_path: Path) -> None:
    space = space_from("NET ::= relu | Sequential(NET, NET)\n", tmp_path)
    with pytest.raises(NascError) as info:
        count(space)
    assert info.value.diagnostics[0].code == "E710"
    assert "infinite" in info.value.diagnostics[0].message
    # derivations of height <= d: c(d) = 1 + c(d-1)^2
    assert [count_by_depth(space, d) for d in range(5)] == [0, 1, 2, 5, 26]


def test_counting_hnb201_is_cached_per_space() -> None:
    space = load(str(EXAMPLES / "hnb201.nas"))
    assert count(space) == count(space)
    assert space.count() == count(space)
