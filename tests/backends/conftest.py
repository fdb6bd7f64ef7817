"""The `backend` fixture: every built-in backend whose library is installed."""

from __future__ import annotations

import importlib.util

import pytest

from nasc.compiler.backend_registry import BUILTIN, Backend, load_backend

NEEDS = {"torch": "torch", "onnx": "onnx", "tensorflow": "keras"}


@pytest.fixture(params=sorted(BUILTIN))
def backend(request: pytest.FixtureRequest) -> Backend:
    name: str = request.param
    if importlib.util.find_spec(NEEDS[name]) is None:
        pytest.skip(f"the {name} backend needs {NEEDS[name]}: pip install 'nasc[{name}]'")
    return load_backend(name)
