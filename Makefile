# Two commands do all the set-up on a fresh machine (Python 3.11, Node 20):
#   make demo   the end-to-end demo on the embedded defaults
#   make test   the whole test suite (what CI runs), then its core at the lowest supported versions

VENV    := .venv
BIN     := $(CURDIR)/$(VENV)/bin
PYTHON  := $(BIN)/python
export PATH := $(BIN):$(PATH)

# The wheel is rebuilt whenever a source file changes.
SOURCES := $(shell git ls-files mlops_jupyter labextension style jupyter-config 2>/dev/null)
INSTALLED := $(VENV)/.installed

# A second environment with the lowest versions pyproject.toml supports (requirements-lowest.txt:
# JupyterLab 4.4, MLflow 3.4, pandas 2.1.1, numpy 1.26, scikit-learn 1.4, ...), for the suite's core.
LOWEST        := .venv-lowest
LOWEST_BIN    := $(CURDIR)/$(LOWEST)/bin
# Tracking, registry, pipelines, the data layer and the extras' messages. Left to the main suite (minutes of
# kernel starts, our own code rather than the libraries'): kernel choice, the papermill corpus,
# the Dask cluster, and the journal's crash and outage tests. The deselected test captures a
# warning that only newer MLflow and scikit-learn emit.
LOWEST_TESTS  := tests/tracking tests/registry tests/pipelines tests/data tests/test_extras.py
LOWEST_SKIP   := not browser and not slow
LOWEST_IGNORE := $(addprefix --ignore tests/, tracking/test_journal.py pipelines/test_kernel_choice.py \
                   pipelines/test_corpus.py pipelines/test_dask.py)
LOWEST_DESELECT := tests/tracking/test_kernel_tracking.py::test_warnings_from_autologging_go_to_the_run_and_the_users_own_still_show

.PHONY: demo test test-lowest install dev system-deps check-extension lint clean

demo: $(INSTALLED)
	$(BIN)/mlops demo

# Three pytest-xdist workers, a test file each at a time: most tests wait on kernels, servers
# and browsers, so three keep 2 cores busy (the suite takes about half its serial time).
XDIST := -n 3 --dist loadfile

test: $(INSTALLED) system-deps check-extension lint
	$(PYTHON) -m pytest $(XDIST)
	$(MAKE) --no-print-directory test-lowest

test-lowest: $(LOWEST)/.installed
	$(LOWEST_BIN)/jupyter server extension list 2>&1 | grep -E "mlops_jupyter.*OK"
	$(LOWEST_BIN)/jupyter labextension list 2>&1 | grep -E "mlops-jupyter.*enabled.*OK"
	PATH="$(LOWEST_BIN):$$PATH" $(LOWEST_BIN)/python -m pytest $(XDIST) -m "$(LOWEST_SKIP)" \
	  $(LOWEST_IGNORE) --deselect $(LOWEST_DESELECT) --durations=10 $(LOWEST_TESTS)

$(VENV)/bin/python:
	python3 -m venv $(VENV)
	$(PYTHON) -m pip install --quiet --upgrade pip

# `pip install .` builds the wheel: the TypeScript sidebar (npm), the server-extension
# config and the package. requirements-lock.txt pins every transitive dependency.
$(INSTALLED): $(VENV)/bin/python pyproject.toml requirements-lock.txt package.json package-lock.json $(SOURCES)
	$(PYTHON) -m pip install --quiet -c requirements-lock.txt ".[test]"
	touch $@

install: $(INSTALLED)

# Exact lowest pins, then this package on top without its dependencies (editable: the tests
# run the checkout's code in both environments). uv installs the 200 pins in seconds.
UV := VIRTUAL_ENV=$(CURDIR)/$(LOWEST) $(LOWEST_BIN)/uv pip
$(LOWEST)/.installed: requirements-lowest.txt pyproject.toml
	rm -rf $(LOWEST)
	python3 -m venv $(LOWEST)
	$(LOWEST_BIN)/python -m pip install --quiet uv==0.13.9
	$(UV) install --quiet -r requirements-lowest.txt
	$(UV) install --quiet --no-deps -e .
	$(UV) check
	touch $@

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

lint: lint-ts typecheck
	$(BIN)/ruff check mlops_jupyter tests benchmarks conftest.py
	$(BIN)/ruff format --check --quiet mlops_jupyter tests benchmarks conftest.py
	$(BIN)/lint-imports --no-cache

# mypy on mlops_jupyter/ ([tool.mypy] in pyproject.toml).
.PHONY: typecheck
typecheck:
	$(BIN)/mypy

# The sidebar's TypeScript: the API types generated from openapi.yaml up to date, prettier,
# eslint, then its unit tests (jest). A fresh clone gets its node_modules first.
.PHONY: lint-ts
lint-ts: node_modules/.package-lock.json
	npm run --silent lint:check
	npm test --silent

node_modules/.package-lock.json: package.json package-lock.json
	npm ci

clean:
	rm -rf $(VENV) $(LOWEST) node_modules lib mlops_jupyter/labextension demo-output
