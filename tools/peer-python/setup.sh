#!/usr/bin/env bash
# Creates (once) the peer's Python venv and prints its python's path on stdout.
# The venv lives in ${VIGIE_PEER_VENV_ROOT:-~/.cache/vigie/peer-python}/venv-<hash of the lock files>, so a change of
# pins makes a new venv and an existing one is reused as is (idempotent). On linux x86_64 with CPython 3.11 every
# package is installed from requirements.lock with --require-hashes; elsewhere the version pins of requirements.txt.
# Usage: tools/peer-python/setup.sh [--python python3.11]
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
PY=python3.11
[ "${1:-}" = "--python" ] && { PY=$2; shift 2; }
command -v "$PY" >/dev/null || PY=python3
command -v "$PY" >/dev/null || { echo "peer-python: python3 not found" >&2; exit 2; }
pyver=$("$PY" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
if [ "$(uname -m)" = x86_64 ] && [ "$pyver" = 3.11 ]; then
  REQ=("--require-hashes" "-r" "$HERE/requirements.lock")
else
  echo "peer-python: $(uname -m) / Python $pyver: installing the version pins without hashes" >&2
  REQ=("-r" "$HERE/requirements.txt")
fi
key=$(cat "$HERE/requirements.txt" "$HERE/requirements.lock" | sha256sum | cut -c1-12)
ROOT=${VIGIE_PEER_VENV_ROOT:-$HOME/.cache/vigie/peer-python}
VENV="$ROOT/venv-$pyver-$key"
if [ ! -f "$VENV/.complete" ]; then
  echo "peer-python: creating $VENV" >&2
  rm -rf "$VENV"
  mkdir -p "$ROOT"
  "$PY" -m venv "$VENV"
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check --no-input "${REQ[@]}" >&2
  "$VENV/bin/python" -c 'import cv2, numpy, fastapi, uvicorn; from ai_edge_litert.interpreter import Interpreter' >&2
  touch "$VENV/.complete"
fi
echo "$VENV/bin/python"
