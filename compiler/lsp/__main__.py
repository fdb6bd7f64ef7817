"""`python -m nasc.compiler.lsp`: run the language server over standard input and output."""

from nasc.compiler.lsp import serve

serve()
