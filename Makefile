# `make demo` and `make test` set everything up from nothing (Python 3.11, pip, git, node).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip install -q -c constraints.txt
EXTRAS := dev,torch,onnx,tensorflow,search,bo,bo-test,ray

.PHONY: demo test lint typecheck imports unit wheel-check editors-test vim clean

$(BIN)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PIP) -e '.[$(EXTRAS)]'
	touch $@

demo: $(BIN)/.installed
	$(BIN)/nasc check examples/*.nas
	$(BIN)/nasc count examples/hnb201.nas
	$(BIN)/nasc sample examples/nb201.nas -n 3 --seed 0
	mkdir -p build/demo
	$(BIN)/nasc compile examples/hnb201.nas --sample --seed 0 -o build/demo/hnb201.pt2
	$(BIN)/python -c "import torch; model = torch.export.load('build/demo/hnb201.pt2').module(); \
		logits = model(torch.randn(8, 3, 32, 32)); print('ran a batch of 8:', tuple(logits.shape))"
	rm -rf build/demo/search
	$(BIN)/nasc search examples/hmnist1d.nas --dataset mnist1d --strategy evolution --budget 8 \
		--epochs 1 --device cpu --out build/demo/search
	$(BIN)/nasc report build/demo/search --top 3
	$(BIN)/nasc export build/demo/search --backend onnx -o build/demo/best.onnx

test: lint typecheck imports unit wheel-check editors-test

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

# Editor support: the VS Code extension's grammar tests and its .vsix packaging,
# and the Vim syntax highlighting every example headlessly.
VSCODE := editors/vscode

$(VSCODE)/node_modules/.installed: $(VSCODE)/package.json $(VSCODE)/package-lock.json
	cd $(VSCODE) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

editors-test: vim
	@if command -v npm >/dev/null 2>&1; then \
	  $(MAKE) --no-print-directory $(VSCODE)/node_modules/.installed && \
	  (cd $(VSCODE) && npm test && npm run --silent package); \
	else echo "VS Code extension tests: SKIPPED (node and npm are not installed)"; fi
	sh editors/vim/test/run.sh

# Vim with syntax support, installed when absent and this is root on a Debian-like system.
vim:
	@if ! command -v vim >/dev/null 2>&1 && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends vim >/dev/null) \
	  || echo "could not install vim: its test will be skipped"; fi

clean:
	rm -rf $(VENV) .wheel-venv .typecheck build dist .pytest_cache .mypy_cache .ruff_cache
	rm -rf $(VSCODE)/node_modules $(VSCODE)/*.vsix
