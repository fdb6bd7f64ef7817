from __future__ import annotations

import random
from collections import Counter
from pathlib import Path

import pytest

from nasc.compiler import load
from nasc.compiler.derive.counting import count, counts_of
from nasc.compiler.derive.derivation import validate
from nasc.compiler.derive.sampling import rank_rule, sample, unrank
from nasc.compiler.derive.terms import format_term
from nasc.dsl import NascError
from tests.compiler.derivation_spaces import SMALL, space_from
from tests.conftest import EXAMPLES, ROOT


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
@pytest.mark.parametrize("sampler", ["uniform", "pcfg"])
def test_samples_are_valid_and_reproducible(path: Path, sampler: str) -> None:
    space = load(str(path))
    first = [sample(space, random.Random(7), sampler) for _ in range(3)]
    again = [sample(space, random.Random(7), sampler) for _ in range(3)]
    assert first == again
    rng = random.Random(1)
    for _ in range(200):
        d = sample(space, rng, sampler)
        assert validate(space, d) == []


PINNED = (
    "Sequential(conv(32, kernel=5), batchnorm, relu, Sequential(Residual(Sequential(relu, "
    "dconv3x3, batchnorm), id, Sequential(gelu, conv(kernel=3, dilation=2), batchnorm)), "
    "Residual(Sequential(silu, conv(kernel=3), groupnorm(groups=8)), id, Sequential(relu, "
    "conv(kernel=3), layernorm)), Sequential(conv(channels=*2, stride=2), batchnorm)), "
    "Sequential(Residual(Sequential(silu, conv(kernel=3, dilation=2), batchnorm), id, "
    "Sequential(silu, conv(kernel=5), layernorm)), Residual(Sequential(gelu, conv(kernel=3), "
    "batchnorm), id, Sequential(gelu, conv(kernel=3, dilation=2), layernorm)), "
    "Sequential(conv(channels=*2, stride=2), batchnorm)), Sequential(global_avg_pool, linear(10)))"
)


def test_seeded_samples_are_pinned() -> None:
    """random.Random(seed) and the space's fixed order give the same architecture anywhere."""
    space = load(str(ROOT / "examples" / "mnist1d.nas"))
    assert format_term(space, space.sample(seed=0)) == PINNED


def test_uniform_sampling_passes_chi_square(tmp_path: Path) -> None:
    """Every connected cell equally likely: chi-square far below its 5-sigma bound."""
    space = space_from(SMALL["cell"], tmp_path)
    n = count(space)
    draws = 40 * n
    rng = random.Random(3)
    seen = Counter(sample(space, rng) for _ in range(draws))
    assert len(seen) == n  # every architecture appears, and only valid ones
    assert all(validate(space, d) == [] for d in seen)
    expected = draws / n
    chi2 = sum((seen[d] - expected) ** 2 / expected for d in seen)
    dof = n - 1
    assert chi2 < dof + 5 * (2 * dof) ** 0.5


@pytest.mark.parametrize("name", sorted(SMALL))
def test_unrank_is_a_bijection(name: str, tmp_path: Path) -> None:
    space = space_from(SMALL[name], tmp_path)
    n = count(space)
    trees = [unrank(space, r) for r in range(n)]
    assert len(set(trees)) == n
    assert all(validate(space, d) == [] for d in trees)


def test_rank_inverts_unrank(tmp_path: Path) -> None:
    space = space_from(SMALL["connected"], tmp_path)
    engine = counts_of(space).engine()
    for r in range(count(space)):
        d = unrank(space, r)
        assert rank_rule(engine, space.start, 0, engine.full_budget, d) == (0, r)


def test_pcfg_follows_weights(tmp_path: Path) -> None:
    space = space_from("NET ::= Sequential(OP)\nOP ::= 3: relu | id\n", tmp_path)
    rng = random.Random(0)
    heads = Counter(format_term(space, sample(space, rng, "pcfg")) for _ in range(4000))
    assert 0.72 < heads["Sequential(relu)"] / 4000 < 0.78


def test_pcfg_samples_infinite_spaces_within_bounds(tmp_path: Path) -> None:
    space = space_from("NET ::= relu | Sequential(NET, NET)\n", tmp_path)
    rng = random.Random(0)
    for _ in range(100):
        assert validate(space, sample(space, rng, "pcfg")) == []
    with pytest.raises(NascError) as info:
        sample(space, rng, "uniform")
    assert info.value.diagnostics[0].code == "E710"


def test_depth_bound_holds_in_pcfg(tmp_path: Path) -> None:
    space = space_from(SMALL["depth"], tmp_path)
    rng = random.Random(0)
    for _ in range(300):
        assert validate(space, sample(space, rng, "pcfg")) == []


def test_unsatisfiable_space_says_why(tmp_path: Path) -> None:
    space = space_from(
        "NET ::= Sequential(relu, OP)\nOP ::= zero\nconstraint connected\n",
        tmp_path,
        errors_ok=True,
    )
    for sampler in ("uniform", "pcfg"):
        with pytest.raises(NascError) as info:
            sample(space, random.Random(0), sampler)
        assert info.value.diagnostics[0].code == "E711"
        assert "no architecture" in info.value.diagnostics[0].message


def test_unknown_sampler() -> None:
    space = load(str(EXAMPLES[0]))
    with pytest.raises(NascError, match="unknown sampler"):
        sample(space, random.Random(0), "greedy")
