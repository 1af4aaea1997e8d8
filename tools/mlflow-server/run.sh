#!/usr/bin/env bash
# Runs an MLflow tracking + model registry server in the foreground (Ctrl-C stops it): sqlite backend and artifacts
# in DIR, the artifact proxy on (--serve-artifacts: clients upload and download over HTTP), loopback only.
# The venv comes from tools/mlflow-server/setup.sh (made once). A new DIR starts from an already-migrated empty
# database (made once per venv next to it), which saves the schema migrations at every start.
# Usage: tools/mlflow-server/run.sh [--port N (default 5000; 0: a free one)] [--dir DIR (default ~/.vigie-mlflow)]
#                                   [--host 127.0.0.1]
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
PORT=5000 DIR="$HOME/.vigie-mlflow" HOST=127.0.0.1
while [ $# -gt 0 ]; do
  case "$1" in
    --port) PORT=${2:?--port N}; shift 2 ;;
    --dir) DIR=${2:?--dir DIR}; shift 2 ;;
    --host) HOST=${2:?--host ADDR}; shift 2 ;;
    -h|--help) sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "mlflow-server: unknown option $1 (--help)" >&2; exit 2 ;;
  esac
done
[[ "$PORT" =~ ^[0-9]+$ ]] && [ "$PORT" -le 65535 ] || { echo "mlflow-server: --port must be 0..65535" >&2; exit 2; }
PY=$("$HERE/setup.sh")
if [ "$PORT" = 0 ]; then
  PORT=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
fi
mkdir -p "$DIR/artifacts"
DIR=$(cd "$DIR" && pwd)
if [ ! -f "$DIR/mlflow.db" ]; then
  TEMPLATE="$(dirname "$(dirname "$PY")")/empty-mlflow.db"
  if [ ! -f "$TEMPLATE" ]; then
    "$PY" -m mlflow db upgrade "sqlite:///$TEMPLATE.tmp" >/dev/null 2>&1
    mv "$TEMPLATE.tmp" "$TEMPLATE"
  fi
  cp "$TEMPLATE" "$DIR/mlflow.db"
fi
echo "mlflow-server: http://$HOST:$PORT (data: $DIR)" >&2
# The job runner (+ a huey consumer with 10 workers) serves GenAI evaluation jobs Vigie never submits: off, it
# costs two Python processes' start-up on every server start.
export MLFLOW_SERVER_ENABLE_JOB_EXECUTION=${MLFLOW_SERVER_ENABLE_JOB_EXECUTION:-false}
exec "$PY" -m mlflow server --backend-store-uri "sqlite:///$DIR/mlflow.db" --artifacts-destination "$DIR/artifacts" \
  --serve-artifacts --host "$HOST" --port "$PORT" --workers 1
