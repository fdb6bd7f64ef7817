"""The examples in the code's docstrings run as written (every module of the four code
folders that has one; examples marked ``+SKIP`` need a model or a file at hand)."""

from __future__ import annotations

import doctest
import importlib
import importlib.util

import pytest

from tests.conftest import ROOT

CODE_FOLDERS = ("dsl", "compiler", "backends", "search")
# the framework a backend's examples need
NEEDS = {"_torch": "torch", "_onnx": "onnx", "_tensorflow": "keras"}


def _modules_with_examples() -> list[str]:
    names = []
    for folder in CODE_FOLDERS:
        for path in sorted((ROOT / folder).rglob("*.py")):
            if ">>>" not in path.read_text(encoding="utf-8"):
                continue
            parts = path.relative_to(ROOT / folder).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            names.append(".".join(("nasc", folder, *parts)))
    return names


MODULES = _modules_with_examples()


def test_the_examples_are_found() -> None:
    assert "nasc.compiler.derive.counting" in MODULES and "nasc.dsl.fmt" in MODULES


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    for part, framework in NEEDS.items():
        if f".{part}" in name and importlib.util.find_spec(framework) is None:
            pytest.skip(f"{name} needs {framework}")
    monkeypatch.chdir(ROOT)  # examples name files such as examples/nb201.nas
    module = importlib.import_module(name)
    flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    result = doctest.testmod(module, optionflags=flags, report=True, verbose=False)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed in {name}"
