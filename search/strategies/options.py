"""Reading a strategy's settings: known names only, values coerced to their type.

Settings come from Python (``{"population": 30}``) or from the command line
(``population=30``, a string), so each value is converted to the default's type.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from nasc.search.errors import search_error

T = TypeVar("T", int, float, str, bool)


class Options:
    """The settings given to one strategy, checked against the names it knows.

    >>> options = Options("evolution", {"population": "20"}, {"population": 30, "sample": 10})
    >>> options.get("population"), options.get("sample")
    (20, 10)
    """

    def __init__(
        self, strategy: str, given: Mapping[str, Any], defaults: Mapping[str, Any]
    ) -> None:
        unknown = sorted(set(given) - set(defaults))
        if unknown:
            known = ", ".join(sorted(defaults)) or "none"
            raise search_error(
                "E960",
                f"strategy '{strategy}' has no setting {', '.join(repr(u) for u in unknown)}",
                f"its settings: {known}",
            )
        self.strategy = strategy
        self.given = dict(given)
        self.defaults = dict(defaults)

    def get(self, name: str) -> Any:
        default = self.defaults[name]
        if name not in self.given:
            return default
        return _coerce(self.strategy, name, self.given[name], type(default))


def _coerce(strategy: str, name: str, value: Any, kind: type) -> Any:
    if isinstance(value, kind) and not (kind is int and isinstance(value, bool)):
        return value
    try:
        if kind is bool:
            text = str(value).strip().lower()
            if text not in {"true", "false", "1", "0", "yes", "no"}:
                raise ValueError(text)
            return text in {"true", "1", "yes"}
        return kind(value)
    except (TypeError, ValueError):
        raise search_error(
            "E961",
            f"strategy '{strategy}': setting '{name}' must be a {kind.__name__}, got {value!r}",
        ) from None


def positive(strategy: str, name: str, value: int) -> int:
    """``value`` when it is at least 1; E961 otherwise."""
    if value < 1:
        raise search_error(
            "E961", f"strategy '{strategy}': setting '{name}' must be >= 1, got {value}"
        )
    return value


__all__ = ["Options", "positive"]
