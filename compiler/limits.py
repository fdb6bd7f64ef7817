"""The limits every command shares: nesting depth, count sizes, and how they are reported.

The compiler's passes follow the grammar's structure, so a term nested 2,000
deep, a chain of 25,000 rules or ``count --depth 200`` recurse that deep. Every
command therefore runs in a thread with a large stack and a recursion limit of
`NESTING_LIMIT` (`run_deep`); going past it is one clear error (E714), the same
in every command, never a traceback or a crash of the interpreter.

Exact counts are Python integers of any size, but a doubly exponential space
(``constraint depth(B) <= 100`` on a binary recursion) has counts with more digits
than memory holds: counting stops past `max_count_digits` digits (E713).
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable
from typing import TypeVar

from nasc.dsl import NascError
from nasc.dsl.diagnostics import error

T = TypeVar("T")

NESTING_LIMIT = 60_000
"""Python frames a command may nest (the grammar's depth times a few frames per level)."""
STACK_BYTES = 1 << 30
"""The stack of the thread that runs a command (reserved, used only as deep as it goes)."""
MAX_COUNT_DIGITS = 300_000
"""Decimal digits a count may reach before counting stops (NASC_MAX_COUNT_DIGITS changes it)."""


MEMORY_BUDGET = 16 * 2**30
"""Bytes of float32 parameters a compiled model may hold (NASC_MEMORY_BUDGET changes it)."""


def memory_budget() -> int:
    value = os.environ.get("NASC_MEMORY_BUDGET", "")
    return int(value) if value.isdigit() else MEMORY_BUDGET


def over_budget(params: int) -> str | None:
    """Why a model of ``params`` parameters is too large to build, or None when it fits."""
    need = params * 4
    if need <= memory_budget():
        return None
    return (
        f"the model has {params:,} parameters ({need / 2**30:,.1f} GiB of float32), over the "
        f"memory budget of {memory_budget() / 2**30:,.1f} GiB"
    )


def max_count_digits() -> int:
    value = os.environ.get("NASC_MAX_COUNT_DIGITS", "")
    return int(value) if value.isdigit() else MAX_COUNT_DIGITS


def max_count_bits() -> int:
    """The bit length that `max_count_digits` digits reach."""
    return int(max_count_digits() * 3.3219280948873626) + 1


def decimal_digits(n: int) -> int:
    """How many decimal digits ``abs(n)`` has (1 for 0), without converting it to text."""
    n = abs(n)
    if n < 10:
        return 1
    guess = int((n.bit_length() - 1) * 0.30102999566398120) + 1
    if n >= 10**guess:
        return guess + 1
    if n < 10 ** (guess - 1):
        return guess - 1
    return guess


def decimal(n: int) -> str:
    """All the decimal digits of ``n``, however many (Python refuses over 4,300 by default)."""
    limit = sys.get_int_max_str_digits()
    sys.set_int_max_str_digits(0)
    try:
        return str(n)
    finally:
        sys.set_int_max_str_digits(limit)


def too_many(bits: int) -> NascError:
    """E713: a count passed the size limit (``bits`` is the size it reached)."""
    digits = int(bits * 0.30102999566398120)
    return NascError(
        error(
            "E713",
            f"the space has more than 10^{digits:,} architectures: too many to count exactly "
            f"(nasc counts up to {max_count_digits():,} digits)",
            None,
            "bound the recursion more tightly (a smaller `constraint depth`), or sample "
            "with --sampler pcfg; NASC_MAX_COUNT_DIGITS raises the limit",
        )
    )


def too_deep() -> NascError:
    """E714: the input nests more deeply than any pass can follow."""
    return NascError(
        error(
            "E714",
            f"the input nests too deeply to process (over {NESTING_LIMIT:,} levels of recursion)",
            None,
            "split deeply nested terms into rules, shorten chains of rules, or lower "
            "`constraint depth` bounds and --depth",
        )
    )


def run_deep(work: Callable[[], T]) -> T:
    """``work()`` in a thread with a large stack and `NESTING_LIMIT`; a RecursionError in it
    becomes NascError E714. Exceptions (SystemExit too) reach the caller unchanged."""
    outcome: list[T] = []
    failure: list[BaseException] = []

    def body() -> None:
        try:
            outcome.append(work())
        except RecursionError:
            failure.append(too_deep())
        except BaseException as exc:  # handed to the calling thread as it is
            failure.append(exc)

    previous_limit = sys.getrecursionlimit()
    previous_stack = threading.stack_size()
    thread = threading.Thread(target=body, name="nasc-command", daemon=True)
    sys.setrecursionlimit(max(previous_limit, NESTING_LIMIT))
    try:
        try:
            threading.stack_size(STACK_BYTES)  # applies to threads started from now on
            thread.start()
        except (ValueError, RuntimeError):  # a platform without large stacks: run here
            return work()
        finally:
            threading.stack_size(previous_stack)
        thread.join()
    finally:
        sys.setrecursionlimit(previous_limit)
    if failure:
        raise failure[0]
    return outcome[0]


__all__ = [
    "MAX_COUNT_DIGITS",
    "MEMORY_BUDGET",
    "NESTING_LIMIT",
    "decimal",
    "decimal_digits",
    "max_count_bits",
    "max_count_digits",
    "memory_budget",
    "over_budget",
    "run_deep",
    "too_deep",
    "too_many",
]
