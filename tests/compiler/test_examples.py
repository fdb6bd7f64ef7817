from __future__ import annotations

from pathlib import Path

import pytest

from nasc.compiler import check
from tests.conftest import EXAMPLES


def test_there_are_examples() -> None:
    names = {path.name for path in EXAMPLES}
    assert {"hnb201.nas", "nb201.nas", "activation.nas", "transformer.nas", "mnist1d.nas"} <= names
    assert {"hmnist1d.nas", "mnist1d_cnn.nas"} <= names


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_checks_clean(path: Path) -> None:
    result = check(str(path))
    assert result.diagnostics == [], result.format()
    assert result.ok
