"""Small spaces for derivation tests, and a brute-force enumerator to check counts against."""

from __future__ import annotations

import itertools
from pathlib import Path

from nasc.compiler import check
from nasc.compiler.derive.derivation import Derivation, validate
from nasc.compiler.space import Space, nonterminals_in

HEADER = "import std\ninput [3, 8, 8]\n"

CONNECTED = """
NET ::= Sequential(B) | Sequential(relu, B)
B   ::= Residual(OP, OP, OP) | Diamond(OP, zero, OP, OP)
OP  ::= id | zero | relu | Sequential(relu, OP2)
OP2 ::= zero | id
constraint connected
"""

SHARED = """
NET ::= Sequential(X, X, CELL) | Sequential(CELL, relu) | relu
X   ::= Residual(OP, OP, OP) | relu
CELL ::= Residual(OP, id, OP) | Sequential(OP, id)
OP  ::= id | zero | relu
shared OP
constraint connected
"""

NESTED_SHARED = """
NET ::= Sequential(X, Y) | Sequential(X, X) | Residual(Y, id, Y)
X   ::= Sequential(Y, Y) | relu | Residual(Y, Y, relu)
Y   ::= id | relu | zero
shared X
shared Y
constraint connected
"""

DEPTH = """
NET ::= Sequential(A)
A   ::= relu | Sequential(A, A) | Residual(A, id, A)
constraint depth(A) <= 3
"""

UNUSED_SHARED = """
NET ::= Sequential(S, S) | Sequential(relu, T)
S   ::= relu | id | zero
T   ::= id | relu
shared S
"""

CELL_SPACE = """
NET ::= Cell(OP, OP, OP, OP, OP, OP)
OP  ::= id | zero | relu
constraint connected
"""

VALUES = """
NET ::= Sequential(B(16, 1), B(W, 2), conv(kernel=(1 | 3)), OP)
B(width, stride) ::= Sequential(conv(width, kernel=K, stride=stride), relu)
                   | conv(width, kernel=1, stride=stride)
K   ::= 3 | 5
W   ::= 8 | 16
OP  ::= id | zero | relu
"""

SCOPED = """
NET ::= Sequential(STAGE(8), STAGE(16))
STAGE(c) ::= Sequential(BLOCK(c), BLOCK(c)) | BLOCK(c)
BLOCK(c) ::= conv(c, kernel=(3 | 5)) | Residual(conv(c, kernel=1), conv(c, kernel=1), relu)
shared BLOCK
"""

SMALL = {
    "values": VALUES,
    "scoped": SCOPED,
    "connected": CONNECTED,
    "shared": SHARED,
    "nested_shared": NESTED_SHARED,
    "depth": DEPTH,
    "unused_shared": UNUSED_SHARED,
    "cell": CELL_SPACE,
}


def space_from(text: str, tmp: Path, name: str = "space", errors_ok: bool = False) -> Space:
    path = tmp / f"{name}.nas"
    path.write_text(HEADER + text)
    result = check(str(path))
    assert result.space is not None, result.format()
    if not errors_ok:
        assert result.ok, result.format()
    return result.space


def all_trees(space: Space, nt: str, depth: int) -> list[Derivation]:
    """Every derivation tree of ``nt`` nesting at most ``depth`` nonterminals, ignoring every
    constraint (each place chosen on its own)."""
    if depth == 0:
        return []
    found = []
    rule = space.rule(nt)
    seen = set()
    for index, alt in enumerate(rule.alternatives):
        if alt.template in seen:
            continue
        seen.add(alt.template)
        names = [ref.name for ref in nonterminals_in(alt.template)]
        options = [all_trees(space, name, depth - 1) for name in names]
        for children in itertools.product(*options):
            found.append(Derivation(nt, index, tuple(children)))
    return found


def brute_force_count(space: Space, depth: int = 5) -> int:
    return sum(1 for d in set(all_trees(space, space.start, depth)) if not validate(space, d))
