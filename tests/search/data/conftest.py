from __future__ import annotations

from pathlib import Path

import pytest

from nasc.search.data.cache import CACHE_ENV


@pytest.fixture(autouse=True)
def _private_cache(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """Each test session generates into its own cache folder, never the user's."""
    folder = tmp_path_factory.getbasetemp() / "nasc-cache"
    monkeypatch.setenv(CACHE_ENV, str(folder))
    return folder
