"""Imports that import-linter cannot see: a module imported by its name as a string.

Only the backend registry imports nasc modules that way (the backends, lazily);
anywhere else such an import would hide a dependency from the layer contracts.
"""

from __future__ import annotations

import re

from tests.conftest import ROOT

CODE_FOLDERS = ("dsl", "compiler", "backends", "search")
REGISTRY = ROOT / "compiler" / "backend_registry.py"
STRING_IMPORT = re.compile(r"""(import_module|__import__)\(\s*f?["']nasc(\.|["'])""")


def test_only_the_registry_imports_nasc_modules_by_name() -> None:
    found = []
    for folder in CODE_FOLDERS:
        for path in sorted((ROOT / folder).rglob("*.py")):
            if path == REGISTRY:
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if STRING_IMPORT.search(line):
                    found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not found, "import these modules with an import statement:\n" + "\n".join(found)


def test_the_check_sees_a_string_import() -> None:
    assert STRING_IMPORT.search('module = importlib.import_module("nasc.backends._torch")')
    assert STRING_IMPORT.search("__import__('nasc')")
    assert not STRING_IMPORT.search('importlib.import_module("json")')
    assert REGISTRY.exists()
