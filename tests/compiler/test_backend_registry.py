"""Backends are found by name, imported on demand, and extended through entry points."""

from __future__ import annotations

import importlib.util
import sys
import types
from typing import Any

import pytest

from nasc.compiler import backend_registry
from nasc.compiler.backend_registry import available_backends, load_backend
from nasc.dsl import NascError


class _EntryPoint:
    def __init__(self, name: str, value: Any) -> None:
        self.name, self.value, self._object = name, f"plugin:{name}", value

    def load(self) -> Any:
        if isinstance(self._object, Exception):
            raise self._object
        return self._object


def test_torch_is_listed_without_being_imported() -> None:
    assert "torch" in available_backends()


@pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="needs torch")
def test_torch_backend_loads_by_name() -> None:
    backend = load_backend("torch")
    assert backend.NAME == "torch" and backend.SUFFIXES[0] == ".pt2"


def test_unknown_backend_lists_the_available_ones() -> None:
    with pytest.raises(NascError) as caught:
        load_backend("tpu")
    diagnostic = caught.value.diagnostics[0]
    assert diagnostic.code == "E604" and "torch" in diagnostic.notes[0]


def test_third_party_backend_comes_from_its_entry_point(monkeypatch: pytest.MonkeyPatch) -> None:
    plugin = types.SimpleNamespace(NAME="mini", SUFFIXES=(".mini",))
    broken = _EntryPoint("broken", ImportError("no module named mini_framework"))
    monkeypatch.setattr(
        backend_registry,
        "_plugins",
        lambda: {"mini": _EntryPoint("mini", plugin), "broken": broken},
    )
    assert {"mini", "broken", "torch"} <= set(available_backends())
    assert load_backend("mini") is plugin
    with pytest.raises(NascError, match="failed to load: no module named mini_framework"):
        load_backend("broken")


def test_missing_framework_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "nasc.backends._torch", None)  # import now fails
    with pytest.raises(NascError) as caught:
        load_backend("torch")
    assert caught.value.diagnostics[0].code == "E603"
    assert "pip install 'nasc[torch]'" in caught.value.diagnostics[0].notes[0]
