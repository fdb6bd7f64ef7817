"""The diagnostics of dataset loading: what was read, which key, and what was expected.

- ``E930``: the dataset cannot be found or read (unknown name, missing file or folder).
- ``E931``: the data is malformed (a missing key, a wrong shape, dtype or label range).
- ``E932``: the data does not fit the space (its ``input`` or ``param classes``).
"""

from __future__ import annotations

from nasc.dsl import NascError
from nasc.dsl.diagnostics import error

UNREADABLE = "E930"
MALFORMED = "E931"
MISMATCH = "E932"


def dataset_error(code: str, message: str, *notes: str) -> NascError:
    """A NascError with one diagnostic that has no source position."""
    return NascError(error(code, message, None, *notes))
