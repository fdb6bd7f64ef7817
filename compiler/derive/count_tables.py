"""Count tables: the number of derivations per shared-use mask, multiplied and added.

A table maps a bit mask of the shared nonterminals a derivation uses to how many
derivations use exactly those. Independent parts multiply (their masks unite), and
alternatives add. Every count stays within the count size limit (E713).

>>> product([{0: 2, 1: 3}, {0: 5}])
{0: 10, 1: 15}
"""

from __future__ import annotations

from nasc.compiler.limits import max_count_bits, too_many

Table = dict[int, int]


def _bounded(n: int) -> int:
    """``n``, once it is known to be within the count size limit (else NascError E713)."""
    if n.bit_length() > _COUNT_BITS:
        raise too_many(n.bit_length())
    return n


_COUNT_BITS = max_count_bits()


def product(tables: list[Table]) -> Table:
    """Counts of independent parts multiplied; shared-use masks unite. A count past the
    size limit stops counting (E713): doubly exponential spaces end in bounded time."""
    result: Table = {0: 1}
    for table in tables:
        if len(result) == 1 and len(table) == 1:
            (m1, c1), (m2, c2) = next(iter(result.items())), next(iter(table.items()))
            result = {m1 | m2: _bounded(c1 * c2)}
            continue
        new: Table = {}
        for m1, c1 in result.items():
            for m2, c2 in table.items():
                new[m1 | m2] = _bounded(new.get(m1 | m2, 0) + c1 * c2)
        result = new
        if not result:
            break
    return result


def add(into: Table, table: Table) -> None:
    for mask, n in table.items():
        into[mask] = _bounded(into.get(mask, 0) + n)
