"""`constraint params <= N` and `constraint macs <= N`: honoured by rejection in sampling,
mutation and crossover, refused in terms, reported with an acceptance rate by `nasc count`."""

from __future__ import annotations

import collections
import itertools
import random
from pathlib import Path

import pytest
from click.testing import CliRunner

from nasc.compiler import build, format_term, parse_term, summarize
from nasc.compiler.cli import main
from nasc.compiler.derive.mutation import crossover, mutate
from nasc.compiler.derive.sampling import sample
from nasc.dsl import NascError
from tests.compiler.derivation_spaces import HEADER, space_from

# params of Sequential(conv(a), conv(b), global_avg_pool, linear(10)) on [3, 8, 8]:
# 27a + 9ab + 10b + 10. Over 20,000 exactly for (a, b) = (64, 64) and (64, 32):
# 1,728 + 36,864 + 650 and 1,728 + 18,432 + 330; (32, 64) has 19,946.
TWO_CONVS = """
NET ::= Sequential(conv(C), conv(C), global_avg_pool, linear(10))
C   ::= 8 | 16 | 32 | 64
constraint params <= 20000
"""


def _params(space, d) -> int:  # type: ignore[no-untyped-def]
    return summarize(build(space, d)).total_params


def test_sampling_keeps_the_budget_and_stays_uniform(tmp_path: Path) -> None:
    space = space_from(TWO_CONVS, tmp_path)
    assert space.count() == 16  # the count is of the space without its budget
    rng = random.Random(0)
    seen = collections.Counter(format_term(space, sample(space, rng)) for _ in range(2800))
    assert len(seen) == 14
    assert all(140 <= n <= 260 for n in seen.values())  # 200 expected each
    assert all(_params(space, parse_term(space, t)) <= 20_000 for t in seen)
    pcfg = [sample(space, rng, "pcfg") for _ in range(100)]
    assert all(_params(space, d) <= 20_000 for d in pcfg)


def test_mutation_and_crossover_keep_the_budget(tmp_path: Path) -> None:
    space = space_from(TWO_CONVS, tmp_path)
    rng = random.Random(1)
    parents = [sample(space, rng) for _ in range(30)]
    for parent in parents:
        child = mutate(space, parent, rng)
        assert child != parent and _params(space, child) <= 20_000
    for a, b in itertools.pairwise(parents):
        if a == b:
            continue
        try:
            children = crossover(space, a, b, rng)
        except NascError:
            continue
        assert all(_params(space, c) <= 20_000 for c in children)


def test_a_term_over_the_budget_is_refused(tmp_path: Path) -> None:
    space = space_from(TWO_CONVS, tmp_path)
    with pytest.raises(NascError) as caught:
        parse_term(space, "Sequential(conv(64), conv(64), global_avg_pool, linear(10))")
    assert caught.value.diagnostics[0].code == "E702"
    assert "39,242 params" in caught.value.diagnostics[0].message


def test_count_states_how_each_constraint_is_honoured(tmp_path: Path) -> None:
    path = tmp_path / "budget.nas"
    path.write_text(HEADER + TWO_CONVS + "constraint macs <= 1e9\n")
    result = CliRunner().invoke(main, ["count", str(path)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "16"
    assert "by rejection: params <= 20000, macs <= 1e+09" in result.output
    accepted = int(lines[3].split()[1].split("/")[0])
    assert 160 <= accepted <= 190  # 14/16 = 87.5% of 200 draws


def test_an_impossible_budget_says_so(tmp_path: Path) -> None:
    space = space_from(TWO_CONVS.replace("20000", "100"), tmp_path, errors_ok=True)
    with pytest.raises(NascError) as caught:
        sample(space, random.Random(0))
    assert caught.value.diagnostics[0].code == "E711"
