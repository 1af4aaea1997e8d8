#!/usr/bin/env bash
# Makes sure a Docker daemon answers: installs Debian's docker.io, docker-compose (v1) and debootstrap when missing
# (scripts/install-deps.sh, the one place that runs apt-get) and starts dockerd when none runs: through systemd when
# it is PID 1, else `dockerd` in the background (root), logging to $VIGIE_DOCKERD_LOG (/var/log/vigie-dockerd.log).
# Prints the docker CLI to use (Debian's /usr/bin/docker, which matches its daemon, when present). Exit 1 with the
# reason when no daemon can run (not root and none running, dockerd dies: its log tail is printed).
# Usage: docker/daemon.sh [--no-install]
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
LOG="${VIGIE_DOCKERD_LOG:-/var/log/vigie-dockerd.log}"
die() { echo "docker/daemon.sh: $*" >&2; exit 1; }
if [ "${1:-}" != "--no-install" ]; then
  missing="$(bash "$HERE/../scripts/install-deps.sh" --check docker.io docker-compose debootstrap)" \
    || bash "$HERE/../scripts/install-deps.sh" docker.io docker-compose debootstrap >&2 \
    || die "could not install $missing (scripts/install-deps.sh)"
fi
DOCKER=docker
[ -x /usr/bin/docker ] && DOCKER=/usr/bin/docker
command -v "$DOCKER" >/dev/null || die "no docker CLI (apt-get install docker.io)"
if ! "$DOCKER" info >/dev/null 2>&1; then
  [ "$(id -u)" = 0 ] || die "no Docker daemon answers and only root can start one (sudo $0)"
  if [ "$(ps -o comm= -p 1 2>/dev/null)" = systemd ]; then
    systemctl start docker >&2 || die "systemctl start docker failed (journalctl -u docker)"
  else
    command -v dockerd >/dev/null || die "dockerd not found (apt-get install docker.io)"
    echo "docker/daemon.sh: starting dockerd in the background (log $LOG)" >&2
    # setsid: the daemon outlives the shell (and the test JVM) that started it, like a service would
    setsid dockerd >>"$LOG" 2>&1 < /dev/null &
  fi
  for _ in $(seq 1 120); do "$DOCKER" info >/dev/null 2>&1 && break; sleep 0.5; done
  "$DOCKER" info >/dev/null 2>&1 || { tail -n 20 "$LOG" >&2 2>/dev/null; die "dockerd did not answer within 60 s"; }
fi
echo "$DOCKER"
