# Two commands do all the set-up on a fresh machine (Python 3.11, Node 20):
#   make demo   the end-to-end demo on the embedded defaults
#   make test   the whole test suite (what CI runs)

VENV    := .venv
BIN     := $(CURDIR)/$(VENV)/bin
PYTHON  := $(BIN)/python
export PATH := $(BIN):$(PATH)

# The wheel is rebuilt whenever a source file changes.
SOURCES := $(shell git ls-files mlops_jupyter labextension style jupyter-config 2>/dev/null)
INSTALLED := $(VENV)/.installed

.PHONY: demo test install dev system-deps check-extension lint clean

demo: $(INSTALLED)
	$(BIN)/mlops demo

test: $(INSTALLED) system-deps check-extension lint
	$(PYTHON) -m pytest

$(VENV)/bin/python:
	python3 -m venv $(VENV)
	$(PYTHON) -m pip install --quiet --upgrade pip

# `pip install .` builds the wheel: the TypeScript sidebar (npm), the server-extension
# config and the package. requirements-lock.txt pins every transitive dependency.
$(INSTALLED): $(VENV)/bin/python pyproject.toml requirements-lock.txt package.json package-lock.json $(SOURCES)
	$(PYTHON) -m pip install --quiet -c requirements-lock.txt ".[test]"
	touch $@

install: $(INSTALLED)

# Editable install for day-to-day work on the code (the frontend rebuilds with `npm run build`).
dev: $(VENV)/bin/python
	$(PYTHON) -m pip install --quiet -c requirements-lock.txt -e ".[test]"
	$(BIN)/jupyter server extension enable --sys-prefix mlops_jupyter
	$(BIN)/jupyter labextension develop --overwrite .

system-deps:
	scripts/system-deps.sh

check-extension:
	$(BIN)/jupyter server extension list 2>&1 | grep -E "mlops_jupyter.*OK"
	$(BIN)/jupyter labextension list 2>&1 | grep -E "mlops-jupyter.*enabled.*OK"

lint: lint-ts
	$(BIN)/ruff check mlops_jupyter tests benchmarks conftest.py
	$(BIN)/ruff format --check --quiet mlops_jupyter tests benchmarks conftest.py

# The sidebar's TypeScript: the API types generated from openapi.yaml up to date, prettier,
# eslint, then its unit tests (jest). A fresh clone gets its node_modules first.
.PHONY: lint-ts
lint-ts: node_modules/.package-lock.json
	npm run --silent lint:check
	npm test --silent

node_modules/.package-lock.json: package.json package-lock.json
	npm ci

clean:
	rm -rf $(VENV) node_modules lib mlops_jupyter/labextension demo-output
