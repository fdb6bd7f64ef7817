from __future__ import annotations

import itertools
import json
import random
from pathlib import Path

import pytest

from nasc.compiler import load
from nasc.compiler.derivation import Derivation, from_json, to_json
from nasc.compiler.sampling import sample
from nasc.compiler.terms import format_term, parse_term
from nasc.dsl import NascError, format_all
from tests.compiler.derivation_spaces import SMALL, space_from
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
