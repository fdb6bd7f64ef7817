from __future__ import annotations

import itertools
import json
import random
from pathlib import Path

import pytest

from nasc.compiler import load
from nasc.compiler.derive.derivation import Derivation, from_json, to_json, validate
from nasc.compiler.derive.sampling import sample
from nasc.compiler.derive.term_scan import Scanner
from nasc.compiler.derive.terms import _matcher, format_term, parse_term, read_term
from nasc.compiler.space import Space
from nasc.dsl import NascError, format_all
from tests.compiler.derivation_spaces import SMALL, all_trees, space_from
from tests.conftest import EXAMPLES, ROOT

ROUND_TRIPS = 10_000


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_term_round_trip(path: Path) -> None:
    space = load(str(path))
    rng = random.Random(11)
    for _ in range(ROUND_TRIPS):
        d = sample(space, rng)
        assert parse_term(space, format_term(space, d)) == d


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_json_round_trip(path: Path) -> None:
    space = load(str(path))
    rng = random.Random(5)
    for _ in range(200):
        d = sample(space, rng)
        assert from_json(space, json.loads(json.dumps(to_json(d)))) == d


def test_equal_exactly_when_terms_equal() -> None:
    space = load(str(ROOT / "examples" / "mnist1d.nas"))
    rng = random.Random(2)
    ds = [sample(space, rng) for _ in range(300)]
    for a, b in itertools.pairwise(ds):
        assert (a == b) == (format_term(space, a) == format_term(space, b))
        if a == b:
            assert hash(a) == hash(b)


def test_primitives_match_by_meaning() -> None:
    space = load(str(ROOT / "examples" / "mnist1d.nas"))
    d = sample(space, random.Random(0))
    term = format_term(space, d)
    respelled = term.replace("conv(32, kernel=5)", "conv(channels=32, kernel=5)").replace(
        "linear(10)", "linear(channels=10)"
    )
    assert respelled != term
    assert parse_term(space, respelled) == d
    assert parse_term(space, respelled.replace(", ", " ,  ")) == d


def _error(space_text: str, term: str, tmp_path: Path) -> tuple[str, int, str]:
    space = space_from(space_text, tmp_path)
    with pytest.raises(NascError) as info:
        parse_term(space, term)
    diag = info.value.diagnostics[0]
    assert diag.span is not None and diag.span.path == "<term>"
    text = format_all(info.value.diagnostics, {"<term>": term})
    return diag.code, diag.span.col, text


def test_bad_syntax_names_the_column(tmp_path: Path) -> None:
    code, col, text = _error(SMALL["connected"], "Sequential(Residual(id, id id))", tmp_path)
    assert code == "E700"
    assert col == 28
    assert "expected ')'" in text and "^" in text


def test_term_outside_the_grammar(tmp_path: Path) -> None:
    code, col, text = _error(SMALL["connected"], "Sequential(Residual(id, relu, tanh))", tmp_path)
    assert code == "E700"
    assert col == 31
    assert "'tanh' is not a derivation of 'OP'" in text
    assert "OP' derives" in text


def test_unknown_primitive_is_suggested(tmp_path: Path) -> None:
    _code, _, text = _error(SMALL["connected"], "Sequential(Residual(id, relu, rleu))", tmp_path)
    assert "did you mean 'relu'" in text


def test_disconnected_term_breaks_the_constraint(tmp_path: Path) -> None:
    code, col, text = _error(SMALL["connected"], "Sequential(Residual(zero, zero, id))", tmp_path)
    assert code == "E702"
    assert col == 12
    assert "connected" in text


def test_shared_places_must_agree(tmp_path: Path) -> None:
    code, _, text = _error(SMALL["shared"], "Sequential(Residual(id, id, relu), relu)", tmp_path)
    assert code == "E702"
    assert "shared 'OP'" in text


def test_bad_json_is_reported() -> None:
    space = load(str(ROOT / "examples" / "mnist1d.nas"))
    with pytest.raises(NascError, match="not a nonterminal"):
        from_json(space, {"nt": "NOPE", "alt": 0, "children": []})
    with pytest.raises(NascError, match="takes"):
        from_json(space, to_json(Derivation("NET", 0, ())))


# ---- the one-pass reader of canonical terms agrees with the positioned reader

PREFIXES = """
NET ::= Sequential(A, B)
A   ::= sin | sinh | Sequential(A, sin) | Sequential(A, sinh) | Residual(A, B, cos)
B   ::= sin | sinh | cos | cosh | Sequential(sinc, B)
constraint depth(A) <= 3
"""

SAME_MEANING = """
op relu2 = relu
NET ::= Sequential(OP, OP2)
OP  ::= relu | id
OP2 ::= relu2 | zero
"""


def _positioned(space: Space, term: str) -> Derivation | None:
    """What the positioned reader makes of a term: its derivation when it is valid."""
    d = _matcher(space).nt(space.start, read_term(term))
    return d if d is not None and not validate(space, d) else None


@pytest.mark.parametrize("name", [*SMALL, "prefixes"])
def test_scanner_agrees_with_positioned_reader(name: str, tmp_path: Path) -> None:
    space = space_from(PREFIXES if name == "prefixes" else SMALL[name], tmp_path)
    scanner = Scanner(space)
    assert scanner.usable
    trees = set(all_trees(space, space.start, 4 if name == "prefixes" else 5))
    assert trees
    for d in trees:  # every tree, valid or not: what one reader accepts, the other does
        term = format_term(space, d)
        expected = _positioned(space, term)
        assert scanner.parse(term, space.start) == expected, term
        if expected is not None:
            assert parse_term(space, term) == expected


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_scanner_reads_every_canonical_term(path: Path) -> None:
    space = load(str(path))
    scanner = Scanner(space)
    rng = random.Random(3)
    if space.ties:  # tied places are read by the positioned reader (parse_term)
        for _ in range(5):
            d = sample(space, rng)
            assert scanner.parse(format_term(space, d), space.start) is None
            assert parse_term(space, format_term(space, d)) == d
        return
    for i in range(200):
        d = sample(space, rng)
        term = format_term(space, d)
        assert scanner.parse(term, space.start) == d
        if i < 20:  # the positioned reader takes its time over hundreds of nodes
            assert _positioned(space, term) == d


def test_prefix_names_are_told_apart(tmp_path: Path) -> None:
    space = space_from(PREFIXES, tmp_path)
    d = parse_term(space, "Sequential(Sequential(sinh, sin), Sequential(sinc, cosh))")
    assert format_term(space, d) == "Sequential(Sequential(sinh, sin), Sequential(sinc, cosh))"
    with pytest.raises(NascError) as info:
        parse_term(space, "Sequential(sinhh, sin)")
    assert info.value.diagnostics[0].code == "E700"


def test_two_texts_of_one_primitive_read_by_meaning(tmp_path: Path) -> None:
    space = space_from(SAME_MEANING, tmp_path)
    assert not Scanner(space).usable  # comparing texts is not comparing primitives here
    rng = random.Random(1)
    for _ in range(20):
        d = sample(space, rng)
        assert parse_term(space, format_term(space, d)) == d
