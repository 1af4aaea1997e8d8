#!/usr/bin/env bash
# Creates (once) a Python venv for one of the project's Python tools and prints its python's path on stdout.
# DIR holds requirements.txt (top-level pins) and requirements.lock (every package, sha256-pinned, linux x86_64,
# CPython 3.11). The venv lives in ${VIGIE_VENV_ROOT:-~/.cache/vigie}/NAME/venv-<python>-<hash of the pin files>,
# so a change of pins makes a new venv and an existing one is reused as is (idempotent). On linux x86_64 with
# CPython 3.11 every package is installed from requirements.lock with --require-hashes; elsewhere the version pins
# of requirements.txt. CHECK (Python code) must run in the new venv before it is marked complete.
# Usage: scripts/python-venv.sh NAME DIR CHECK [--python python3.11]
set -euo pipefail
[ $# -ge 3 ] || { sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
NAME=$1 DIR=$2 CHECK=$3
shift 3
PY=python3.11
[ "${1:-}" = "--python" ] && { PY=$2; shift 2; }
command -v "$PY" >/dev/null || PY=python3
command -v "$PY" >/dev/null || { echo "$NAME: python3 not found" >&2; exit 2; }
pyver=$("$PY" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
if [ "$(uname -m)" = x86_64 ] && [ "$pyver" = 3.11 ]; then
  REQ=("--require-hashes" "-r" "$DIR/requirements.lock")
else
  echo "$NAME: $(uname -m) / Python $pyver: installing the version pins without hashes" >&2
  REQ=("-r" "$DIR/requirements.txt")
fi
key=$(cat "$DIR/requirements.txt" "$DIR/requirements.lock" | sha256sum | cut -c1-12)
ROOT=${VIGIE_VENV_ROOT:-$HOME/.cache/vigie}/$NAME
VENV="$ROOT/venv-$pyver-$key"
if [ ! -f "$VENV/.complete" ]; then
  echo "$NAME: creating $VENV" >&2
  rm -rf "$VENV"
  mkdir -p "$ROOT"
  "$PY" -m venv "$VENV"
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check --no-input "${REQ[@]}" >&2
  "$VENV/bin/python" -c "$CHECK" >&2
  touch "$VENV/.complete"
fi
echo "$VENV/bin/python"
