"""`python -m nasc.compiler.lsp`: run the language server over standard input and output."""

from nasc.compiler.lsp import serve

if __name__ == "__main__":  # a checker child process imports this module too
    serve()
