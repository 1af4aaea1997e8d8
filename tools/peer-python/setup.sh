#!/usr/bin/env bash
# Creates (once) the peer's Python venv and prints its python's path on stdout (scripts/python-venv.sh:
# ~/.cache/vigie/peer-python/venv-<python>-<hash of the lock files>, hash-pinned on linux x86_64 CPython 3.11).
# Usage: tools/peer-python/setup.sh [--python python3.11]
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
exec "$HERE/../../scripts/python-venv.sh" peer-python "$HERE" \
  'import cv2, numpy, fastapi, uvicorn; from ai_edge_litert.interpreter import Interpreter' "$@"
