"""The nasc language server (`nasc lsp`, or `python -m nasc.compiler.lsp`).

Over standard input and output it gives an editor every compiler diagnostic as
the person types, hover documentation (with each nonterminal's exact count of
architectures), completion that survives syntax errors, go to definition and find
references across imports (the standard library included), the outline, and
formatting by `nasc fmt`'s canonical layout.
"""

from nasc.compiler.lsp.server import NascServer, create_server, serve

__all__ = ["NascServer", "create_server", "serve"]
