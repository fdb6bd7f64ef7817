"""Anisotropic kernels: `kernel=[1, 3, 3]` and per-dimension strides and dilations for
convolutions, pools and transposed convolutions, from the grammar to the Graph."""

from __future__ import annotations

import random
from pathlib import Path

from nasc.compiler import build, check, format_term, parse_term, summarize
from nasc.compiler.derive.sampling import sample
from nasc.compiler.lsp.hover import describe
from nasc.dsl.fmt import format_text

R21D = """import std
input [3, 8, 16, 16]
"A (2+1)-D kernel: spatial, then temporal."
K ::= [1, 3, 3] | [3, 1, 1]
param down = [1, 2, 2]
NET ::= Sequential(conv(8, kernel=K, stride=down), conv(8, kernel=(3 | [1, 5, 5])),
                   max_pool(kernel=[1, 2, 2], stride=[1, 2, 2]), global_avg_pool, linear(10))
"""


def _space(tmp: Path, text: str):  # type: ignore[no-untyped-def]
    path = tmp / "space.nas"
    path.write_text(text)
    result = check(str(path))
    assert result.ok and result.space is not None, result.format()
    return result.space


def _codes(tmp: Path, text: str) -> list[str]:
    path = tmp / "bad.nas"
    path.write_text(text)
    return [d.code for d in check(str(path)).diagnostics]


def test_a_2plus1d_net_has_per_dimension_shapes_and_costs(tmp_path: Path) -> None:
    space = _space(tmp_path, R21D)
    term = (
        "Sequential(conv(8, kernel=[3, 1, 1], stride=[1, 2, 2]), conv(8, kernel=[1, 5, 5]), "
        "max_pool(kernel=[1, 2, 2], stride=[1, 2, 2]), global_avg_pool, linear(10))"
    )
    graph = build(space, parse_term(space, term))
    conv_a, conv_b, pool = (node.shape.dims for node in graph.nodes[1:4])
    assert conv_a == (8, 8, 8, 8)  # time kept (stride 1, padding 1), space halved
    assert conv_b == (8, 8, 8, 8) and pool == (8, 8, 4, 4)
    params = summarize(graph).params
    assert params[1] == 3 * 1 * 1 * 3 * 8 and params[2] == 1 * 5 * 5 * 8 * 8
    assert summarize(graph).macs[1] == 3 * 3 * 8 * (8 * 8 * 8)


def test_lists_are_values_that_choose_count_and_read_back(tmp_path: Path) -> None:
    space = _space(tmp_path, R21D)
    assert space.count() == 4
    seen = set()
    for seed in range(20):
        derivation = sample(space, random.Random(seed))
        term = format_term(space, derivation)
        assert parse_term(space, term) == derivation
        seen.add(term)
    assert len(seen) == 4 and any("kernel=[1, 3, 3], stride=[1, 2, 2]" in t for t in seen)


def test_a_list_must_fit_the_rank_and_hold_positive_integers(tmp_path: Path) -> None:
    image = "import std\ninput [3, 16, 16]\nNET ::= "
    assert _codes(tmp_path, image + "conv(8, kernel=[1, 3, 3])\n") == ["E400"]
    assert _codes(tmp_path, image + "avg_pool(kernel=[3, 3], stride=[2])\n") == ["E400"]
    assert _codes(tmp_path, image + "conv(kernel=[0, 3])\n") == ["E203"]
    assert _codes(tmp_path, image + "conv(kernel=[1, 2, 3, 4])\n") == ["E203"]
    assert _codes(tmp_path, image + "conv(kernel=[1.5, 3])\n") == ["E203"]
    assert _codes(tmp_path, image + "linear(channels=[2, 3])\n") == ["E203"]
    assert _codes(tmp_path, image + "conv_transpose(kernel=[2, 3], stride=[2, 2])\n") == ["E400"]
    message = check(str(tmp_path / "bad.nas")).format()
    assert "kernel >= stride with an even difference" in message


def test_the_formatter_keeps_a_list_on_one_line(tmp_path: Path) -> None:
    scrambled = "import std\ninput [3, 8, 8, 8]\nNET ::= conv(kernel=[ 1,3 ,3],stride = [1,2,2])\n"
    formatted = format_text(scrambled)
    assert "conv(kernel=[1, 3, 3], stride=[1, 2, 2])" in formatted
    assert format_text(formatted) == formatted
    assert format_text(R21D) == R21D


def test_hover_shows_lists_as_written(tmp_path: Path) -> None:
    space = _space(tmp_path, R21D)
    k = describe(space, "K")
    assert k is not None and "K ::= [1, 3, 3] | [3, 1, 1]" in k and "(2+1)-D" in k
    down = describe(space, "down")
    assert down is not None and "param down = [1, 2, 2]" in down
