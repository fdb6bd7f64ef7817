# `make demo` and `make test` set everything up from nothing (Python 3.11, pip, git, node).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip install -q -c constraints.txt
EXTRAS := dev

.PHONY: demo test lint typecheck imports unit wheel-check clean

$(BIN)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PIP) -e '.[$(EXTRAS)]'
	touch $@

demo: $(BIN)/.installed
	$(BIN)/nasc check examples/*.nas

test: lint typecheck imports unit wheel-check

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# mypy and import-linter see the `nasc` namespace through a tree of links to the code folders.
.typecheck/nasc:
	mkdir -p .typecheck/nasc
	for d in dsl compiler backends search; do ln -sfn ../../$$d .typecheck/nasc/$$d; done

typecheck: $(BIN)/.installed .typecheck/nasc
	MYPYPATH=.typecheck $(BIN)/mypy -p nasc.dsl -p nasc.compiler -p nasc.backends -p nasc.search

imports: $(BIN)/.installed .typecheck/nasc
	PYTHONPATH=.typecheck $(BIN)/lint-imports

unit: $(BIN)/.installed
	$(BIN)/pytest

# The built wheel, installed alone in a fresh environment, must check an example:
# a file missing from the package data fails here.
wheel-check: $(BIN)/.installed
	rm -rf build dist .wheel-venv
	$(BIN)/python -m build --wheel --outdir dist . >/dev/null
	$(PYTHON) -m venv .wheel-venv
	.wheel-venv/bin/python -m pip install -q -c constraints.txt dist/nasc-*.whl
	cd /tmp && $(CURDIR)/.wheel-venv/bin/nasc check $(CURDIR)/examples/hnb201.nas

clean:
	rm -rf $(VENV) .wheel-venv .typecheck build dist .pytest_cache .mypy_cache .ruff_cache
