"""The one `nasc` namespace is assembled from the code folders by pyproject.toml."""

from __future__ import annotations

import tomllib

from tests.conftest import ROOT

CODE_FOLDERS = ("dsl", "compiler", "backends", "search")


def _setuptools() -> dict[str, object]:
    with open(ROOT / "pyproject.toml", "rb") as handle:
        return tomllib.load(handle)["tool"]["setuptools"]  # type: ignore[no-any-return]


def _subpackages(folder: str) -> set[str]:
    found = set()
    for init in (ROOT / folder).rglob("__init__.py"):
        relative = init.parent.relative_to(ROOT / folder).parts
        if "node_modules" in relative:
            continue
        found.add(".".join(("nasc", folder, *relative)))
    return found


def test_every_code_folder_and_subpackage_is_packaged() -> None:
    config = _setuptools()
    packages = set(config["packages"])  # type: ignore[call-overload]
    package_dir = config["package-dir"]
    for folder in CODE_FOLDERS:
        assert (ROOT / folder / "__init__.py").exists(), f"{folder}/ is not a package"
        assert package_dir[f"nasc.{folder}"] == folder  # type: ignore[index]
        missing = _subpackages(folder) - packages
        assert not missing, f"add {sorted(missing)} to [tool.setuptools] packages"


def test_language_files_are_package_data() -> None:
    data = _setuptools()["package-data"]["nasc.dsl"]  # type: ignore[index]
    assert "*.tx" in data and "*.nas" in data
    assert (ROOT / "dsl" / "nas.tx").exists() and (ROOT / "dsl" / "std.nas").exists()


def test_no_top_level_nasc_init() -> None:
    assert not (ROOT / "nasc" / "__init__.py").exists()
