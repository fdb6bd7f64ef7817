"""The examples written with value choices, parametrised rules and the new operations:
counted as their comments compute by hand, sampled, built with the shapes they promise."""

from __future__ import annotations

import random

import pytest

from nasc.compiler import build, count, format_term, parse_term, summarize
from nasc.compiler.derive.derivation import is_valid
from nasc.compiler.derive.mutation import mutate
from nasc.compiler.derive.sampling import sample
from tests.compiler.graph_cases import example

# (example, hand count from the example's own comment, output dims)
CASES = [
    ("vit", 2 * (6**2 + 6**3 + 6**4), (10,)),
    ("mbconv", (2 * 2 * 3 * 2) ** 4, (10,)),
    ("unet", 6 * (6 * 6 * 2 * 6) * 2 * 6, (2, 32, 32)),
]


@pytest.mark.parametrize(("name", "expected", "dims"), CASES, ids=[c[0] for c in CASES])
def test_example_counts_samples_and_builds(name: str, expected: int, dims: tuple[int, ...]) -> None:
    space = example(name)
    assert count(space) == expected
    rng = random.Random(0)
    for _ in range(5):
        d = sample(space, rng)
        term = format_term(space, d)
        assert parse_term(space, term) == d
        graph = build(space, d)
        assert graph.output_shape.dims == dims
        assert summarize(graph).total_params > 0
        child = mutate(space, d, rng)
        assert child != d and is_valid(space, child)


def test_mbconv_ties_kernel_and_expansion_within_a_stage() -> None:
    space = example("mbconv")
    rng = random.Random(3)
    for _ in range(20):
        graph = build(space, sample(space, rng))
        depthwise: dict[int, set[object]] = {}
        for node in graph.nodes:
            if node.op == "conv" and node.attr("groups") == node.shape.features:
                depthwise.setdefault(node.shape.extent[0] * 1000, set()).add(node.attr("kernel"))
        # one stage per resolution here, except the last two (both 4 x 4)
        assert all(len(kernels) == 1 for size, kernels in depthwise.items() if size != 4000)


def test_vit_patch_size_is_one_choice() -> None:
    space = example("vit")
    for d in (sample(space, random.Random(s)) for s in range(10)):
        graph = build(space, d)
        patch = graph.nodes[1]
        assert patch.attr("kernel") == patch.attr("stride")
        assert graph.nodes[2].shape.extent[0] in (64, 16)  # (32 / P)^2 tokens
