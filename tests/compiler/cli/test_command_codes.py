"""Each diagnostic code a command (not `nasc check`) emits, provoked once."""

from __future__ import annotations

import dataclasses
import random
from pathlib import Path

import pytest
from click.testing import CliRunner

from nasc.compiler import load
from nasc.compiler.cli import main
from nasc.compiler.derive.derivation import from_json, to_json
from nasc.compiler.derive.sampling import sample
from nasc.compiler.graph import build
from nasc.dsl import NascError
from tests.conftest import ROOT

NB201 = str(ROOT / "examples" / "nb201.nas")


def code_of(exc: pytest.ExceptionInfo[NascError]) -> str:
    return exc.value.diagnostics[0].code


def test_e600_graph_of_a_space_without_input() -> None:
    space = load(NB201)
    derivation = sample(space, random.Random(0))
    with pytest.raises(NascError) as caught:
        build(dataclasses.replace(space, input=None), derivation)
    assert code_of(caught) == "E600"


def test_e605_arch_file_unreadable(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["show", NB201, "--arch", f"@{tmp_path / 'missing.txt'}"], catch_exceptions=False
    )
    assert result.exit_code == 1
    assert "error[E605]" in result.output + result.stderr


def test_e703_bad_json_derivation() -> None:
    space = load(NB201)
    good = to_json(sample(space, random.Random(1)))
    assert from_json(space, good) is not None
    with pytest.raises(NascError) as caught:
        from_json(space, {"nt": "NET", "alt": 7, "children": []})
    assert code_of(caught) == "E703"
    with pytest.raises(NascError) as caught:
        from_json(space, ["not", "an", "object"])
    assert code_of(caught) == "E703" and "expected an object" in str(caught.value)


def test_e712_unknown_sampler() -> None:
    with pytest.raises(NascError) as caught:
        sample(load(NB201), random.Random(0), sampler="gibbs")
    assert code_of(caught) == "E712" and "uniform" in caught.value.diagnostics[0].notes[0]


def test_e721_pcfg_cannot_draw_a_self_containing_shared_value(tmp_path: Path) -> None:
    path = tmp_path / "nest.nas"
    path.write_text(
        "import std\ninput [3, 8, 8]\n"
        "NET ::= Sequential(conv(4), NEST)\n"
        "NEST ::= relu | Sequential(gelu, NEST)\n"
        "shared NEST\nconstraint depth(NEST) <= 3\n"
    )
    with pytest.raises(NascError) as caught:
        sample(load(str(path)), random.Random(0), sampler="pcfg")
    assert code_of(caught) == "E721"
