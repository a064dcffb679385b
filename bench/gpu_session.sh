#!/bin/sh
# Issue 17 on a GPU machine in one go: build, diagnose the load crash, smoke-test, test, bench.
#
#   bench/gpu_session.sh prepare     # here (with a package index): fills bench/.gpu/
#   bench/gpu_session.sh run         # on the GPU machine: results under $OUT (default ./gpu-out)
#
# One device call may run 600 s, so a session makes two (the build stays in bench/.gpu-work):
#   run(carry=["bench/.gpu"], command="PHASES='build abi diagnose smoke' bench/gpu_session.sh run")
#   run(carry=["bench/.gpu"], command="PHASES='bench tests' BENCH_BUDGET_S=200 bench/gpu_session.sh run")
#
# `prepare` fetches the llama-cpp-python sdist of the pin in pyproject.toml, strips what the
# build never reads (models, docs, tests, examples, the web UI, the server, .git: 76 -> ~8
# MB) and adds the pure-Python wheels llama-cpp-python needs beyond numpy/jinja2 (diskcache).
# The device tool carries the ignored folder with `carry: ["bench/.gpu"]`.
#
# `run` needs python3 (PYTHON=...) with numpy, jinja2, typing-extensions and scikit-build-core, cmake,
# gcc, nvcc and a GPU; no package index. Each step logs to $OUT/NN-step.log and one line to
# $OUT/summary.txt, and a failing step does not stop the next. Budget (H200, 16 cores): build
# ~4-5 min, diagnosis and smoke ~1 min, bench ~4 min (BENCH_BUDGET_S starts no case after
# it; BENCH_ARGS adds options, e.g. "--shape 8b"), then the test suite (TESTS_TIMEOUT_S).
# A run cut short keeps every finished step.
set -u
HERE=$(cd "$(dirname "$0")/.." && pwd)
GPU_DIR=$HERE/bench/.gpu
PY=${PYTHON:-python3}

prepare() {
    set -e
    pin=$(sed -n 's/.*"llama-cpp-python==\([0-9.]*\)".*/\1/p' "$HERE/pyproject.toml")
    pip=${PIP:-$HERE/.venv/bin/pip}
    rm -rf "$GPU_DIR" && mkdir -p "$GPU_DIR/wheels" "$GPU_DIR/src"
    "$pip" download --no-deps --no-binary :all: -d "$GPU_DIR/src" "llama-cpp-python==$pin" >/dev/null
    "$pip" download --no-deps --only-binary :all: -d "$GPU_DIR/wheels" diskcache >/dev/null
    tar xzf "$GPU_DIR/src/llama_cpp_python-$pin.tar.gz" -C "$GPU_DIR/src"
    rm "$GPU_DIR/src/llama_cpp_python-$pin.tar.gz"
    v="$GPU_DIR/src/llama_cpp_python-$pin/vendor/llama.cpp"
    rm -rf "$GPU_DIR/src/llama_cpp_python-$pin/.git" "$v/.git" "$v/models" "$v/docs" "$v/media" \
        "$v/benches" "$v/tests" "$v/examples" "$v/tools/ui" "$v/tools/server"
    tar czf "$GPU_DIR/llama_cpp_python-$pin-trimmed.tar.gz" -C "$GPU_DIR/src" "llama_cpp_python-$pin"
    rm -rf "$GPU_DIR/src"
    du -sh "$GPU_DIR"
    echo "carry bench/.gpu, then run: bench/gpu_session.sh run"
}

OUT=${OUT:-$HERE/gpu-out}
# Inside the checkout and git-ignored, so the device tool keeps it between calls.
WORK=${WORK:-$HERE/bench/.gpu-work}
PHASES=${PHASES:-build abi diagnose smoke bench tests}
want() { case " $PHASES " in *" $1 "*) return 0 ;; esac; return 1; }
step() {  # step NAME TIMEOUT_S COMMAND...: run, log, one summary line
    name=$1 limit=$2
    shift 2
    n=$((${n:-0} + 1))
    log=$(printf '%s/%02d-%s.log' "$OUT" "$n" "$name")
    t0=$(date +%s)
    timeout "$limit" "$@" >"$log" 2>&1
    rc=$?
    printf '%-16s rc=%-3s %4ss  %s\n' "$name" "$rc" $(($(date +%s) - t0)) "$(tail -n 1 "$log" | cut -c1-110)" |
        tee -a "$OUT/summary.txt"
    return $rc
}

run() {
    mkdir -p "$OUT" "$WORK"
    touch "$OUT/summary.txt"
    cd "$HERE" || exit 1
    export LLAMA_TARGET="$WORK/py"
    export PYTHONPATH="$WORK/py:$HERE"
    step machine 60 sh -c "nvidia-smi; nvcc --version; gcc --version | head -1; $PY --version;
        cmake --version | head -1; lscpu | grep -E 'Model name|Flags' | grep -o -E 'Model name.*|amx[a-z0-9_]*' | sort -u;
        $PY -c 'import numpy, jinja2; print(\"numpy\", numpy.__version__, \"jinja2\", jinja2.__version__)';
        $PY -c 'import scikit_build_core; print(\"scikit-build-core\", scikit_build_core.__version__)'"

    # 1. Build once (CUDA for this GPU; scripts/build_llama.sh falls back to the CPU by itself).
    #    Left out of PHASES (or REUSE_BUILD=1), the build of an earlier call is used.
    if ! want build || { [ -n "${REUSE_BUILD:-}" ] && [ -d "$WORK/py/llama_cpp" ]; }; then
        step build 10 sh -c "echo reused $WORK/py: \$(cat $WORK/wheel/build.json)"
    else
        tar xzf "$GPU_DIR"/llama_cpp_python-*-trimmed.tar.gz -C "$WORK"
        src=$(ls -d "$WORK"/llama_cpp_python-*/ | head -n 1)
        # diskcache first: `import llama_cpp` (the build's offload check) needs it.
        "$PY" -m pip install --no-deps --no-index --target "$WORK/py" "$GPU_DIR"/wheels/*.whl >/dev/null 2>&1
        step build 900 sh scripts/build_llama.sh "$PY" "$WORK/wheel" "$src" --no-index --no-build-isolation
    fi
    cp "$WORK/wheel/build.json" "$OUT/build.json" 2>/dev/null

    # 2. Do the bindings and the library agree (structs, enums, arities)?
    # (llama_opt_params differs in 0.3.33-0.3.36: training API, never called; see RESULTS.md)
    want abi && step abi-check 120 "$PY" bench/llama_abi.py --skip llama_opt_params

    # 3. The load crash, cornered: C API alone vs Python; all layers vs none; AMX/repack off.
    step tiny-models 120 sh -c "$PY bench/qwen3_q4k.py tiny $WORK/models && $PY bench/qwen3_q4k.py tiny-moe $WORK/models"
    tiny=$(ls "$WORK"/models/Qwen3-tiny-shaped-*.gguf)
    lib="$WORK/py/llama_cpp/lib"
    if want diagnose; then
        step c-compile 120 gcc -O1 -g -rdynamic -o "$WORK/llama_load" bench/llama_load.c \
            -I"$WORK/py/include" -L"$lib" -lllama -Wl,-rpath,"$lib"
        # llama_load MODEL n_gpu_layers n_ctx flash_attn mmap extra_bufts
        step c-load-gpu 120 "$WORK/llama_load" "$tiny" -1 512 1 1 1
        step c-load-cpu 120 "$WORK/llama_load" "$tiny" 0 512 1 1 1
        step c-load-no-fa 120 "$WORK/llama_load" "$tiny" -1 512 0 1 1
        step c-load-no-mmap 120 "$WORK/llama_load" "$tiny" -1 512 1 0 1
        step c-load-no-xbuf 120 "$WORK/llama_load" "$tiny" -1 512 1 1 0
        for layers in -1 0; do
            step "py-load-ngl$layers" 120 "$PY" -X faulthandler -c "import llama_cpp; \
llm = llama_cpp.Llama(model_path='$tiny', n_gpu_layers=$layers, flash_attn=True, verbose=True); \
print('generated:', llm.create_completion('The report says', max_tokens=8)['choices'][0]['text']); \
print('py-load ok: n_gpu_layers=$layers')"
        done
        if grep -q "rc=13[0-9]" "$OUT/summary.txt" && command -v gdb >/dev/null; then
            step gdb-bt 300 gdb -batch -ex run -ex "info sharedlibrary" -ex bt --args "$PY" -c \
                "import llama_cpp; llm = llama_cpp.Llama(model_path='$tiny', n_gpu_layers=-1, verbose=True); \
print(llm.create_completion('The report says', max_tokens=8)['choices'][0]['text'])"
        fi
    fi

    # 4. Our engine on the GPU, all layers offloaded, a real answer streamed.
    want smoke && step engine-smoke 300 "$PY" bench/gpu_smoke.py "$tiny" "$WORK/models"

    # 5. The figures: 8B and 30B-A3B shapes at 32K and 128K, engine vs raw, the alternatives.
    want bench && step bench "${BENCH_TIMEOUT_S:-600}" "$PY" bench/runtime.py --gpu --models-dir "$WORK/models" \
        --out "$OUT/runtime-gpu.json" --budget-s "${BENCH_BUDGET_S:-240}" ${BENCH_ARGS:-}

    # 6. The whole test suite once, last (needs the project's dependencies on this machine).
    if want tests; then
        if "$PY" -c "import pytest, fpdf, pydantic_settings, sqlalchemy, textual, qdrant_edge" 2>/dev/null; then
            step tests "${TESTS_TIMEOUT_S:-600}" "$PY" -m pytest -q -p no:cacheprovider
        else
            step tests 60 "$PY" -c "import pytest, fpdf, pydantic_settings, sqlalchemy, textual, qdrant_edge"
        fi
    fi
    echo "results: $OUT (summary.txt, runtime-gpu.json, build.json, NN-step.log)"
}

case "${1:-}" in
    prepare) prepare ;;
    run) run ;;
    *) echo "usage: bench/gpu_session.sh prepare|run" >&2; exit 2 ;;
esac
