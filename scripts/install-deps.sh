#!/usr/bin/env bash
# Installs the system packages Vigie's build, demo and tests need on Debian (idempotent). The one place that
# runs apt-get: ./vigie test runs it (the user asked for the set-up); ./vigie demo asks before running it.
# Java 17, Maven and npm are expected (the build runs `npm pack` to fetch the model).
# Usage: scripts/install-deps.sh [--check] [PKG...] | --mlflow
#   PKG...   only these (of the list below); none: all of them, then checks java, mvn and npm, then --mlflow
#   --check  install nothing: print the missing packages on one line and exit 1 when there are any
#   --mlflow only the MLflow server's venv (PyPI, hash-pinned; tools/mlflow-server/setup.sh, once)
set -euo pipefail
# opencv-doc: vtest.avi (demo, calibration, tests); mosquitto: the cloud tests' broker;
# libpulse0: the x86_64 FFmpeg natives of bytedeco link libpulse.so.0
# (arm64 needs libva2 libva-drm2 libdrm2 libxcb1 libxcb-shm0 too)
# chromium + chromium-driver: the dashboard's browser tests (features/it io.vigie.it.dashboard, Selenium)
# docker.io + docker-compose (v1) + debootstrap: docker/ (base image from the Debian mirror, gateway containers; the
# daemon is started by docker/daemon.sh)
PKGS=(opencv-doc mosquitto mosquitto-clients libpulse0 openssl chromium chromium-driver docker.io docker-compose debootstrap)

check=0
if [ "${1:-}" = "--check" ]; then check=1; shift; fi
case "${1:-}" in -h|--help) sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; exit 0;; esac
mlflow_venv() { bash "$(dirname "$0")/../tools/mlflow-server/setup.sh" >/dev/null; }
if [ "${1:-}" = "--mlflow" ]; then mlflow_venv; exit 0; fi
wanted=("$@")
[ ${#wanted[@]} -gt 0 ] || wanted=("${PKGS[@]}")
for p in "${wanted[@]}"; do
  [[ " ${PKGS[*]} " == *" $p "* ]] || { echo "install-deps: $p is not one of: ${PKGS[*]}" >&2; exit 2; }
done

missing=()
for p in "${wanted[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ "$check" = 1 ]; then
  [ ${#missing[@]} -eq 0 ] && exit 0
  echo "${missing[*]}"
  exit 1
fi
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=()
  [ "$(id -u)" = 0 ] || SUDO=(sudo)
  echo "Installing Debian packages: ${missing[*]}"
  "${SUDO[@]}" apt-get update -qq
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
[ $# -eq 0 ] || exit 0
for tool in java mvn npm; do
  command -v "$tool" >/dev/null || {
    echo "missing $tool: install Java 17 (openjdk-17-jdk-headless), maven and npm" >&2; exit 1; }
done
# the MLflow server the MLflow tests start (tools/mlflow/MlflowServerIT) and ./vigie mlflow-server runs
mlflow_venv || { echo "install-deps: the MLflow venv could not be made (python3.11 and PyPI needed)" >&2; exit 1; }
