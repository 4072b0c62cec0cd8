# riskcap — the two commands that work on a fresh machine:
#   make demo   create .venv, install, run the demo end of day on the bundled real data
#   make test   install the dev extras and run the whole test suite (slow tests included)
#   make serve  the risk service and dashboard on the demo (after make demo)

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
DEVSTAMP := $(VENV)/.installed-dev-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
DEMO_DIR ?= demo
# Debian's chromium drives the dashboard's browser tests (Playwright, executable_path)
CHROMIUM := /usr/bin/chromium
SUDO     := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
PYTEST_ARGS ?=

.PHONY: demo test test-fast lint format bench clean serve

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

serve: $(STAMP)
	$(BIN)/riskcap serve -c $(DEMO_DIR)/riskcap.toml

$(CHROMIUM):
	@if command -v apt-get >/dev/null; then \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q chromium >/dev/null \
	  || { $(SUDO) apt-get update -q >/dev/null \
	       && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q chromium >/dev/null; }; \
	else echo "no apt-get: install chromium at $(CHROMIUM) for the dashboard tests"; fi

test: $(DEVSTAMP) $(CHROMIUM)
	mkdir -p test-output
	$(BIN)/python -m pytest $(PYTEST_ARGS) --junitxml=test-output/junit.xml

test-fast: $(DEVSTAMP) $(CHROMIUM)
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
