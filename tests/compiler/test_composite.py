"""Composite operations: `op name(params) = term`, a named, parametrised sub-network that
is one unit in terms and derivations and expands when the graph is built."""

from __future__ import annotations

import random
from pathlib import Path

from nasc.compiler import build, check, format_term, parse_term, summarize
from nasc.compiler.derive.sampling import sample
from nasc.compiler.graph.verify import verify
from nasc.compiler.lsp.hover import describe, describe_key
from nasc.dsl.fmt import format_text

SPACE = """import std
input [16, 8, 8]

"Squeeze-and-excitation (Hu et al.): a gate per channel from `ratio` of the channels."
op se(ratio=*0.25) = Binary(multi, id, Sequential(global_avg_pool, linear(channels=ratio),
                                                   relu, linear(16), sigmoid))
op conv_bn(width, k=3) = Sequential(conv(width, kernel=k), batchnorm, relu)
op se_half = se(*0.5)
W ::= *0.5 | *0.125

NET   ::= Sequential(conv_bn(16), BLOCK, BLOCK, global_avg_pool, linear(10))
BLOCK ::= se | se_half | Sequential(conv_bn(16, k=(1 | 5)), se(ratio=W))
"""


def _space(tmp: Path, text: str = SPACE):  # type: ignore[no-untyped-def]
    path = tmp / "space.nas"
    path.write_text(text)
    result = check(str(path))
    assert result.ok and result.space is not None, result.format()
    return result.space


def test_a_composite_is_one_unit_of_terms_and_derivations(tmp_path: Path) -> None:
    space = _space(tmp_path)
    assert space.count() == 6 * 6  # BLOCK: se, se_half, 2 kernels x 2 ratios
    terms = set()
    for seed in range(40):
        derivation = sample(space, random.Random(seed))
        term = format_term(space, derivation)
        assert parse_term(space, term) == derivation
        terms.add(term)
    assert len(terms) > 10
    assert any("se(ratio=*0.125)" in t for t in terms) and any("se_half" in t for t in terms)
    plain = parse_term(space, "Sequential(conv_bn(16), se, se, global_avg_pool, linear(10))")
    assert plain.children[0].children == () and plain.children[1].children == ()


def test_its_body_expands_in_a_scope_of_its_own(tmp_path: Path) -> None:
    space = _space(tmp_path)
    term = "Sequential(conv_bn(16), se, se_half, global_avg_pool, linear(10))"
    graph = build(space, parse_term(space, term))
    assert verify(graph) == []
    scopes = [node.scope for node in graph.nodes]
    assert scopes[1:4] == ["NET/conv_bn(16)#0"] * 3
    # a composite made of a composite nests its scope
    assert {"NET/BLOCK#0/se#0", "NET/BLOCK#1/se_half#0/se(*0.5)#0"} <= set(scopes)
    # Hu et al.'s block of C = 16, reduction r: 2 C^2 / r weights, C / r + C biases
    params = summarize(graph).params
    se = [p for p, node in zip(params, graph.nodes, strict=True) if node.scope.endswith("/se#0")]
    half = [p for p, n in zip(params, graph.nodes, strict=True) if "/se_half#0" in n.scope]
    assert sum(se) == 2 * 16 * 4 + 4 + 16 and sum(half) == 2 * 16 * 8 + 8 + 16


def test_inline_and_composite_write_the_same_network(tmp_path: Path) -> None:
    space = _space(tmp_path)
    inline = _space(
        tmp_path,
        "import std\ninput [16, 8, 8]\nNET ::= Sequential(conv(16, kernel=5), batchnorm, relu)\n",
    )
    term = (
        "Sequential(conv_bn(16), Sequential(conv_bn(16, k=5), se(ratio=*0.5)), "
        "se, global_avg_pool, linear(10))"
    )
    ours = build(space, parse_term(space, term))
    theirs = build(inline, parse_term(inline, "Sequential(conv(16, kernel=5), batchnorm, relu)"))
    body = [(n.op, n.shape, n.attrs) for n in ours.nodes[4:7]]
    assert body == [(n.op, n.shape, n.attrs) for n in theirs.nodes[1:]]


def test_uses_are_checked_like_a_primitives(tmp_path: Path) -> None:
    def codes(line: str) -> list[str]:
        path = tmp_path / "bad.nas"
        path.write_text(SPACE + line + "\n")
        return [d.code for d in check(str(path)).diagnostics if d.code.startswith("E")]

    assert codes("X ::= conv_bn") == ["E202"]  # width has no default
    assert codes("X ::= conv_bn(16, size=3)") == ["E201"]
    assert codes("X ::= conv_bn(16, 3, 1)") == ["E202"]
    assert codes("X ::= se(ratio=-1)") == ["E203"]  # the body's linear refuses it
    assert codes("op bad = Sequential(se, BLOCK)") == ["E207"]
    assert codes("X ::= Sequential(conv_bn(16), se(*0.5), linear(3))\nstart X") == ["E400"]


def test_hover_formatter_and_docs(tmp_path: Path) -> None:
    space = _space(tmp_path)
    shown = describe(space, "se")
    assert shown is not None
    assert "op se(ratio=*0.25) = Binary(multi, id, Sequential(global_avg_pool" in shown
    assert "Hu et al." in shown and "composite" in shown
    assert describe_key(space, "conv_bn", "width") is not None
    assert format_text(format_text(SPACE)) == format_text(SPACE)
    assert "op conv_bn(width, k=3) = Sequential(" in format_text(SPACE)
