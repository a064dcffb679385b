#!/bin/sh
# Build llama-cpp-python from source for this machine and install it: CUDA where nvcc and
# an NVIDIA GPU are both present, else the CPU. Used by `make setup` and bench/gpu_session.sh.
#
#   scripts/build_llama.sh PYTHON WHEEL_DIR SOURCE [PIP_ARGS...]
#
# SOURCE: a pip requirement ('llama-cpp-python==0.3.36') or an unpacked sdist folder.
# PIP_ARGS go to both `pip wheel` and `pip install` (e.g. --no-index --no-build-isolation).
# The wheel stays in WHEEL_DIR with build.json (backend, CUDA architectures, flags, seconds):
# the offline bundle made on this machine carries that wheel (app/services/bundle.py), and a
# second run reinstalls it instead of compiling again. Prints one line saying what it chose;
# a failed CUDA build falls back to the CPU with one line saying so.
# Env: LLAMA_BACKEND=cpu forces the CPU; CUDA_ARCHS=90-real skips the GPU query;
# LLAMA_TARGET=DIR installs with `pip install --target DIR`; LLAMA_REBUILD=1 compiles again.
set -eu
PYTHON=$1 WHEEL_DIR=$2 SOURCE=$3
shift 3

# AMX off: GCC 12's _tile_loadconfig lets the compiler drop ggml's tile-config stores
# (ggml-cpu/amx/mmq.cpp), so every quantized matmul on an AMX Xeon dies of SIGSEGV/SIGILL
# (seen on this project's build hosts; upstream llama.cpp PR 26954). The AVX-512 paths stay.
COMMON="-DLLAVA_BUILD=OFF"
if [ "$(uname -m)" = x86_64 ]; then
    NO_AMX="-mno-amx-tile -mno-amx-int8 -mno-amx-bf16"
    COMMON="$COMMON -DCMAKE_C_FLAGS='$NO_AMX' -DCMAKE_CXX_FLAGS='$NO_AMX'"
fi

NVCC=$(command -v nvcc || true)
if [ -z "$NVCC" ] && [ -x /usr/local/cuda/bin/nvcc ]; then NVCC=/usr/local/cuda/bin/nvcc; fi
BACKEND=cpu
if [ "${LLAMA_BACKEND:-auto}" != cpu ] && [ -n "$NVCC" ] && nvidia-smi -L >/dev/null 2>&1; then
    BACKEND=cuda
fi
if [ -n "${LLAMA_TARGET:-}" ]; then
    PYTHONPATH="$LLAMA_TARGET${PYTHONPATH:+:$PYTHONPATH}"
    export PYTHONPATH
fi

install_wheel() {  # into the venv with its dependencies (numpy, diskcache, ...), or --target
    wheel=$(ls "$WHEEL_DIR"/llama_cpp_python-*.whl)
    if [ -n "${LLAMA_TARGET:-}" ]; then
        "$PYTHON" -m pip --disable-pip-version-check install --no-deps --upgrade "$@" \
            --target "$LLAMA_TARGET" "$wheel"
    else
        "$PYTHON" -m pip --disable-pip-version-check install --force-reinstall --no-deps "$@" \
            "$wheel" && "$PYTHON" -m pip --disable-pip-version-check install "$@" "$wheel"
    fi
}

build() {  # build() CMAKE_ARGS [PIP_ARGS...]: the wheel, then install it
    cmake_args=$1
    shift
    rm -rf "$WHEEL_DIR" && mkdir -p "$WHEEL_DIR"
    CMAKE_ARGS=$cmake_args "$PYTHON" -m pip --disable-pip-version-check wheel --no-deps \
        --no-binary llama-cpp-python --no-cache-dir -w "$WHEEL_DIR" "$@" "$SOURCE" \
        >>"$WHEEL_DIR.log" 2>&1 || return 1
    install_wheel "$@" >>"$WHEEL_DIR.log" 2>&1
}

record() {  # record BACKEND CMAKE_ARGS SECONDS
    printf '{"backend": "%s", "cuda_architectures": "%s", "nvcc": "%s", "seconds": %s, "cmake_args": "%s"}\n' \
        "$1" "${ARCHS:-}" "${NVCC_VERSION:-}" "$3" "$(printf %s "$2" | sed 's/"/\\"/g')" \
        >"$WHEEL_DIR/build.json"
}

VERSION=$(printf %s "$SOURCE" | sed -n 's/^llama-cpp-python==//p')
if [ -n "$VERSION" ] && [ -z "${LLAMA_REBUILD:-}" ] &&
    grep -qs "\"backend\": \"$BACKEND\"" "$WHEEL_DIR/build.json" &&
    ls "$WHEEL_DIR"/llama_cpp_python-"$VERSION"-*.whl >/dev/null 2>&1; then
    echo "llama-cpp-python: reinstalling the $BACKEND build of $VERSION from $WHEEL_DIR" >&2
    install_wheel "$@" >"$WHEEL_DIR.log" 2>&1
    exit 0
fi

mkdir -p "$(dirname "$WHEEL_DIR")"
: >"$WHEEL_DIR.log"
started=$(date +%s)
if [ "$BACKEND" = cuda ]; then
    # CUDA 13 builds only compute capability 7.5 and up, while llama.cpp's default list still
    # names older ones: build for exactly the GPUs here (compute_cap 9.0 -> 90-real).
    ARCHS=${CUDA_ARCHS:-$(nvidia-smi --query-gpu=compute_cap --format=csv,noheader |
        tr -d ' .' | sort -u | sed 's/$/-real/' | paste -sd';' -)}
    NVCC_VERSION=$("$NVCC" --version | sed -n 's/.*release \([0-9.]*\).*/\1/p')
    ARGS="-DGGML_CUDA=on -DCMAKE_CUDA_ARCHITECTURES=$ARCHS -DCMAKE_CUDA_COMPILER=$NVCC $COMMON"
    echo "llama-cpp-python: building with CUDA $NVCC_VERSION for $ARCHS (minutes; log: $WHEEL_DIR.log)" >&2
    if build "$ARGS" "$@" && "$PYTHON" -c \
        'import llama_cpp, sys; sys.exit(not llama_cpp.llama_supports_gpu_offload())' \
        >>"$WHEEL_DIR.log" 2>&1; then
        record cuda "$ARGS" $(($(date +%s) - started))
        echo "llama-cpp-python: CUDA build installed ($(($(date +%s) - started)) s)" >&2
        exit 0
    fi
    echo "llama-cpp-python: the CUDA build failed or cannot offload (see $WHEEL_DIR.log); building for the CPU instead" >&2
    ARCHS='' NVCC_VERSION=''
    started=$(date +%s)
else
    echo "llama-cpp-python: building for the CPU (no nvcc or no NVIDIA GPU; log: $WHEEL_DIR.log)" >&2
fi
if ! build "$COMMON" "$@"; then
    echo "llama-cpp-python: the CPU build failed too (see $WHEEL_DIR.log)" >&2
    exit 1
fi
record cpu "$COMMON" $(($(date +%s) - started))
echo "llama-cpp-python: CPU build installed ($(($(date +%s) - started)) s)" >&2
