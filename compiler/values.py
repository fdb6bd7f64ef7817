"""Parameter values of primitives: numbers, strings, booleans, relative channels, and
lists of sizes (an anisotropic kernel ``[1, 3, 3]``: one size per spatial dimension)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction


@dataclass(frozen=True, slots=True)
class Relative:
    """A channel count relative to the input's: ``*2`` doubles, ``*1`` inherits."""

    factor: Fraction

    def of(self, channels: int) -> Fraction:
        return self.factor * channels

    def __str__(self) -> str:
        factor = self.factor
        if abs(factor) >= _HUGE:  # past Python's int-to-text limit, and float's range
            return f"*{_scientific(factor)}"
        if factor.denominator == 1:
            return f"*{factor.numerator}"
        return f"*{float(factor):g}"


_HUGE = Fraction(10) ** 300


def _scientific(factor: Fraction) -> str:
    """A huge factor as ``1.5e4000``, made without converting the whole number to text."""
    whole = abs(factor.numerator) // factor.denominator
    exponent = int(math.log10(whole))
    lead = whole // 10 ** max(exponent - 6, 0)
    while lead >= 10**7:  # log10 rounded up
        lead //= 10
        exponent += 1
    sign = "-" if factor < 0 else ""
    return f"{sign}{lead / 10**6:g}e{exponent}"


Value = bool | int | float | str | Relative | tuple[int, ...]


def format_value(value: Value) -> str:
    """The value as it is written in a `.nas` file (and in terms)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, tuple):
        return "[" + ", ".join(str(size) for size in value) + "]"
    return str(value)


def describe_type(value: Value) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, tuple):
        return "a list"
    return "a relative channel count"
