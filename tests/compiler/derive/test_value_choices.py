"""Value choices (``K ::= 3 | 5``, ``kernel=(3 | 5)``) and parametrised rules
(``B(width, stride) ::= ...``): checked, counted, sampled, mutated, printed and built."""

from __future__ import annotations

import collections
import itertools
import random
from pathlib import Path

from nasc.compiler import build, check, format_term, from_json, parse_term, to_json
from nasc.compiler.derive.derivation import is_valid
from nasc.compiler.derive.mutation import mutate
from nasc.compiler.derive.sampling import sample
from nasc.dsl.fmt import format_text
from tests.compiler.derivation_spaces import (
    HEADER,
    SCOPED,
    VALUES,
    all_trees,
    brute_force_count,
    space_from,
)
from tests.conftest import ROOT

KERNELS = """
NET ::= Sequential(conv(16, kernel=K), conv(16, kernel=K), conv(32, kernel=K, stride=2))
K   ::= 3 | 5 | 7
"""


def _codes(text: str, tmp: Path) -> list[str]:
    path = tmp / "bad.nas"
    path.write_text(HEADER + text)
    return sorted(d.code for d in check(str(path)).diagnostics)


def test_each_use_of_a_value_choice_is_its_own_choice(tmp_path: Path) -> None:
    space = space_from(KERNELS, tmp_path)
    assert space.count() == 3**3  # three kernels at each of three places
    assert brute_force_count(space) == 27


def test_value_choices_and_parametrised_rules_count_exactly(tmp_path: Path) -> None:
    space = space_from(VALUES, tmp_path)
    # B(16, 1): 2 kernels + relu = 3; B(W, 2): 2 widths x 3 = 6; the 1x1/3x3 choice: 2;
    # OP: 3. 3 * 6 * 2 * 3 = 108.
    assert space.count() == 108
    assert brute_force_count(space) == 108


def test_parameters_flow_into_primitive_arguments(tmp_path: Path) -> None:
    space = space_from(VALUES, tmp_path)
    term = (
        "Sequential(Sequential(conv(16, kernel=5, stride=1), relu),"
        " Sequential(conv(8, kernel=3, stride=2), relu), conv(kernel=3), relu)"
    )
    d = parse_term(space, term)
    assert format_term(space, d) == term
    graph = build(space, d)
    convs = [n for n in graph.nodes if n.op == "conv"]
    attrs = [(n.attr("channels"), n.attr("kernel"), n.attr("stride")) for n in convs]
    assert attrs == [(16, 5, 1), (8, 3, 2), (8, 3, 1)]
    assert graph.output_shape.dims == (8, 4, 4)


def test_uniform_sampling_covers_value_choices_evenly(tmp_path: Path) -> None:
    space = space_from(KERNELS, tmp_path)
    rng = random.Random(0)
    seen = collections.Counter(format_term(space, sample(space, rng)) for _ in range(5400))
    assert len(seen) == 27
    assert all(140 <= n <= 260 for n in seen.values())  # 200 expected each


def test_pcfg_follows_value_weights(tmp_path: Path) -> None:
    space = space_from("NET ::= conv(16, kernel=K)\nK ::= 3: 3 | 5\n", tmp_path)
    rng = random.Random(0)
    terms = [format_term(space, sample(space, rng, "pcfg")) for _ in range(4000)]
    share = terms.count("conv(16, kernel=3)") / len(terms)
    assert 0.72 < share < 0.78  # weight 3 against 1


def test_terms_and_json_round_trip_every_architecture(tmp_path: Path) -> None:
    space = space_from(VALUES, tmp_path)
    trees = [d for d in set(all_trees(space, space.start, 6)) if is_valid(space, d)]
    assert len(trees) == 108
    texts = {format_term(space, d) for d in trees}
    assert len(texts) == 108  # every value choice shows in the term
    for d in trees:
        assert parse_term(space, format_term(space, d)) == d
        assert from_json(space, to_json(d)) == d


def test_a_value_choice_is_a_mutation_point(tmp_path: Path) -> None:
    space = space_from("NET ::= Sequential(conv(16, kernel=K), relu)\nK ::= 3 | 5 | 7\n", tmp_path)
    rng = random.Random(1)
    parent = parse_term(space, "Sequential(conv(16, kernel=5), relu)")
    children = {format_term(space, mutate(space, parent, rng)) for _ in range(200)}
    assert children == {
        "Sequential(conv(16, kernel=3), relu)",
        "Sequential(conv(16, kernel=7), relu)",
    }


def test_shared_parametrised_rule_ties_uses_with_the_same_values(tmp_path: Path) -> None:
    space = space_from(SCOPED, tmp_path)
    # BLOCK(c): 2 kernels + the residual = 3 per width, shared within the width;
    # STAGE(c): two alternatives over the same shared BLOCK(c). So (2 * 3) per stage.
    assert space.count() == 36
    assert brute_force_count(space) == 36
    for d in (sample(space, random.Random(seed)) for seed in range(50)):
        term = format_term(space, d)
        first = term.split("Sequential(", 2)[-1]
        assert is_valid(space, d), term
        assert first  # parses and validates: shared values agree within each stage
    different = parse_term(
        space,
        "Sequential(Sequential(conv(8, kernel=3), conv(8, kernel=3)), conv(16, kernel=5))",
    )
    assert is_valid(space, different)


def test_shared_scope_is_enforced(tmp_path: Path) -> None:
    space = space_from(SCOPED, tmp_path)
    import pytest

    from nasc.dsl import NascError

    with pytest.raises(NascError) as caught:
        parse_term(
            space,
            "Sequential(Sequential(conv(8, kernel=3), conv(8, kernel=5)), conv(16, kernel=5))",
        )
    assert caught.value.diagnostics[0].code in ("E700", "E702")


def test_mistakes_in_value_choices_are_diagnosed(tmp_path: Path) -> None:
    assert _codes("NET ::= Sequential(K)\nK ::= 3 | 5\n", tmp_path) == ["E203"]
    assert _codes("NET ::= conv(kernel=(0 | 3))\n", tmp_path) == ["E203"]
    assert _codes("NET ::= conv(kernel=K)\nK ::= 3 | 3\n", tmp_path) == ["E301"]
    assert _codes("NET ::= conv(kernel=(3 | 3))\n", tmp_path) == ["E301"]
    assert _codes("NET ::= conv(kernel=K)\nK ::= 3 | relu\n", tmp_path) == ["E203"]
    assert _codes("NET ::= conv(kernel=KK)\nK ::= 3 | 5\n", tmp_path) == ["E203", "W500"]
    assert _codes("NET ::= conv(kernel=K)\nK ::= 3 | 5\nshared K\n", tmp_path) == ["E205"]
    assert _codes("op c = conv(kernel=(3 | 5))\nNET ::= c\n", tmp_path) == ["E203"]


def test_mistakes_in_parametrised_rules_are_diagnosed(tmp_path: Path) -> None:
    body = "B(w, s) ::= conv(w, stride=s)\n"
    assert _codes("NET ::= B(16)\n" + body, tmp_path) == ["E202"]
    assert _codes("NET ::= B(16, 1, 2)\n" + body, tmp_path) == ["E202"]
    assert _codes("NET ::= B(16, t=1)\n" + body, tmp_path) == ["E201"]
    assert _codes("NET ::= B\n" + body, tmp_path) == ["E202"]
    assert _codes("NET ::= B(16, 0)\n" + body, tmp_path) == ["E203"]
    assert _codes("NET ::= relu\nC(w) ::= conv(w) | sigmoidd\n", tmp_path) == ["E200", "W500"]
    assert _codes("NET ::= B(16, 1)\nB(w, s) ::= w\n", tmp_path) == ["E203"]


def test_keyword_arguments_name_the_same_instance(tmp_path: Path) -> None:
    text = "NET ::= Sequential(B(16, 2), B(s=2, w=16))\nB(w, s) ::= conv(w, stride=s) | relu\nshared B\n"
    space = space_from(text, tmp_path)
    assert space.count() == 2  # one shared instance B(16, 2)


def test_recursive_parametrised_rule(tmp_path: Path) -> None:
    text = "NET ::= T(8)\nT(c) ::= conv(c) | Sequential(conv(c), T(c))\nconstraint depth(T) <= 3\n"
    space = space_from(text, tmp_path)
    assert space.count() == 3
    assert brute_force_count(space) == 3


def test_fmt_lays_out_the_new_forms(tmp_path: Path) -> None:
    text = "import std\nK::=3|  5\nB( w,s ) ::= conv(w, kernel=( 3|K ), stride=s)\nNET::=B(16,1)\n"
    formatted = format_text(text)
    assert formatted == (
        "import std\n"
        "K       ::= 3 | 5\n"
        "B(w, s) ::= conv(w, kernel=(3 | K), stride=s)\n"
        "NET     ::= B(16, 1)\n"
    )
    assert format_text(formatted) == formatted


def test_every_combination_is_an_alternative(tmp_path: Path) -> None:
    space = space_from("NET ::= conv(C, kernel=K)\nK ::= 3 | 5\nC ::= 8 | 16 | 32\n", tmp_path)
    terms = {format_term(space, sample(space, random.Random(s))) for s in range(300)}
    expected = {f"conv({c}, kernel={k})" for c, k in itertools.product((8, 16, 32), (3, 5))}
    assert terms == expected


def test_the_readme_example_counts_as_stated(tmp_path: Path) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("### Value choices and parametrised rules\n\n```\n")
    body = readme[start:].split("```\n", 2)[1]
    space = space_from("param classes = 10\n" + body, tmp_path)
    # MB: 3 kernels x 2 expansions = 6; STAGE: 6 * 6 + 6 = 42; the second stage has
    # two widths: 42 * (2 * 42) = 3,528.
    assert space.count() == 3_528
    assert (
        format_text(HEADER + "param classes = 10\n\n" + body)
        == HEADER + "param classes = 10\n\n" + body
    )


def test_one_call_naming_a_choice_twice_takes_one_value(tmp_path: Path) -> None:
    space = space_from(
        "NET ::= Sequential(conv(8, kernel=P, stride=P), B(P, P))\nP ::= 1 | 2 | 4\n"
        "B(k, s) ::= conv(8, kernel=k, stride=s)\n",
        tmp_path,
    )
    assert space.count() == 3 * 3  # P once per call, independently in each call
    for d in (sample(space, random.Random(s)) for s in range(30)):
        convs = [n for n in build(space, d).nodes if n.op == "conv"]
        assert all(n.attr("kernel") == n.attr("stride") for n in convs)
