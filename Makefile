# riskcap — the two commands that work on a fresh machine:
#   make demo   create .venv, install, run the demo end of day on the bundled real data
#   make test   install the dev extras and run the whole test suite (slow tests included)

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
DEVSTAMP := $(VENV)/.installed-dev-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
DEMO_DIR ?= demo
PYTEST_ARGS ?=

.PHONY: demo test test-fast lint format bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(DEVSTAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

demo: $(STAMP)
	$(BIN)/riskcap demo --dir $(DEMO_DIR)

test: $(DEVSTAMP)
	mkdir -p test-output
	$(BIN)/python -m pytest $(PYTEST_ARGS) --junitxml=test-output/junit.xml

test-fast: $(DEVSTAMP)
	$(BIN)/python -m pytest -m 'not slow' -x $(PYTEST_ARGS)

lint: $(DEVSTAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy src

format: $(DEVSTAMP)
	$(BIN)/ruff format src tests benchmarks
	$(BIN)/ruff check --fix src tests benchmarks

clean:
	rm -rf $(VENV) $(DEMO_DIR) test-output .pytest_cache .mypy_cache .ruff_cache
