#!/usr/bin/env bash
# Installs the system packages Vigie's build, demo and tests need on Debian (idempotent).
# Java 17, Maven and npm are expected (the build runs `npm pack` to fetch the model).
set -euo pipefail
# libpulse0: the x86_64 FFmpeg natives of bytedeco link libpulse.so.0 (arm64 needs libva2 libva-drm2 libdrm2 libxcb1 libxcb-shm0 too)
PKGS=(opencv-doc mosquitto mosquitto-clients libpulse0 openssl)
missing=()
for p in "${PKGS[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  echo "Installing Debian packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
for tool in java mvn npm; do
  command -v "$tool" >/dev/null || { echo "missing $tool: install Java 17 (openjdk-17-jdk-headless), maven and npm" >&2; exit 1; }
done
