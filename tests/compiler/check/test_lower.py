from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest

from nasc.compiler import NT, Prim, Relative, Shape, Topo, check, load
from nasc.dsl import NascError

SPACES = Path(__file__).parent / "spaces"


def test_imports_aliases_params_and_docs() -> None:
    space = load(str(SPACES / "main.nas"))
    assert space.start == "NET"
    assert space.input is not None and space.input.shape == Shape("channels", 3, (16, 16))
    assert space.shared == frozenset({"BLOCK"})
    net = space.rule("NET").alternatives[0].template
    assert isinstance(net, Topo) and net.name == "Sequential"
    stem, block, wide, _, head = net.args
    assert isinstance(stem, Prim) and stem.param("channels") == 8 and stem.text == "conv(8)"
    assert block == NT("BLOCK")
    assert isinstance(wide, Prim) and wide.text == "wide" and wide.param("channels") == 32
    assert isinstance(head, Prim) and head.op == "linear" and head.param("channels") == 10
    block_rule = space.rule("BLOCK")
    first, second = block_rule.alternatives
    assert second.weight == 3.0 and first.weight == 1.0
    conv = first.template.args[1]  # type: ignore[union-attr]
    assert isinstance(conv, Prim) and conv.text == "conv3x3(channels=*2)"
    assert conv.param("channels") == Relative(Fraction(2)) and conv.param("kernel") == 3
    assert space.docs["BLOCK"] == "A pre-activation conv block."
    assert space.docs["classes"] == "Number of classes."
    assert space.docs["wide"] == "Wide 3x3 convolution."
    assert "standard library" not in space.docs["conv"] and "Convolution" in space.docs["conv"]


def test_set_overrides_a_param() -> None:
    space = load(str(SPACES / "main.nas"), {"classes": "100", "width": "16"})
    head = space.rule("NET").alternatives[0].template.args[-1]  # type: ignore[union-attr]
    assert isinstance(head, Prim) and head.param("channels") == 100


def test_set_unknown_param_is_a_diagnostic() -> None:
    result = check(str(SPACES / "main.nas"), {"clases": "3"})
    assert not result.ok
    [diag] = result.errors
    assert diag.code == "E205" and "did you mean 'classes'" in diag.message
    assert diag.span is None


def test_set_bad_value_is_reported_where_the_param_is_used() -> None:
    result = check(str(SPACES / "main.nas"), {"width": "0"})
    [diag] = result.errors
    assert diag.code == "E203" and "channels must be a positive integer" in diag.message
    assert diag.span is not None and (diag.span.line, diag.span.col) == (12, 25)


def test_equal_spaces_from_different_files_are_equal(tmp_path: Path) -> None:
    text = (SPACES / "main.nas").read_text()
    (tmp_path / "blocks.nas").write_text((SPACES / "blocks.nas").read_text())
    (tmp_path / "copy.nas").write_text("\n\n# moved down\n" + text)
    assert load(str(tmp_path / "copy.nas")) == load(str(SPACES / "main.nas"))
    assert hash(load(str(tmp_path / "copy.nas"))) == hash(load(str(SPACES / "main.nas")))


def test_load_raises_with_diagnostics(tmp_path: Path) -> None:
    bad = tmp_path / "bad.nas"
    bad.write_text("import std\ninput [3, 8, 8]\nA ::= Sequential(conv(4), nothing)\n")
    with pytest.raises(NascError) as info:
        load(str(bad))
    assert [d.code for d in info.value.diagnostics] == ["E200"]


def test_unreadable_file(tmp_path: Path) -> None:
    result = check(str(tmp_path / "absent.nas"))
    assert not result.ok and result.errors[0].code == "E101"
    assert "cannot read" in result.errors[0].message


def test_nul_character_is_not_text(tmp_path: Path) -> None:
    path = tmp_path / "nul.nas"
    path.write_bytes(b"import std\nA ::= relu\x00\n")
    result = check(str(path))
    assert [d.code for d in result.errors] == ["E101"]
    assert result.errors[0].span is not None and result.errors[0].span.line == 2


def test_layouts_and_rank_polymorphic_conv(tmp_path: Path) -> None:
    for dims, rank in (("[1, 40]", 1), ("[3, 8, 8]", 2), ("[2, 4, 8, 8]", 3)):
        path = tmp_path / f"r{rank}.nas"
        path.write_text(f"import std\ninput {dims}\nA ::= Sequential(conv(4, stride=2), relu)\n")
        space = load(str(path))
        assert space.input is not None and space.input.shape.rank == rank
    path = tmp_path / "seq.nas"
    path.write_text("import std\ninput sequence [10, 16]\nA ::= conv(4)\n")
    assert [d.code for d in check(str(path)).errors] == ["E400"]
