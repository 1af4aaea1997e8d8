#!/usr/bin/env bash
# Creates (once) the MLflow server's venv (mlflow 3.17.2, every package hash-pinned on linux x86_64 CPython 3.11)
# under ~/.cache/vigie/mlflow-server/ and prints its python's path on stdout (scripts/python-venv.sh).
# Usage: tools/mlflow-server/setup.sh [--python python3.11]
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
exec "$HERE/../../scripts/python-venv.sh" mlflow-server "$HERE" \
  'import mlflow, mlflow.server, sqlalchemy, flask; assert mlflow.__version__ == "3.17.2", mlflow.__version__' "$@"
