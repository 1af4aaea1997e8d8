#!/usr/bin/env bash
# What one open dashboard live page costs the detector at the edge profile: the gateway in a 0.5-CPU / 512 MB
# cgroup (as scripts/edge-sim.sh), headless Chromium outside it, phases none / live page / live page / none back to
# back in one run (DashboardCostBench in features/it). Needs root, the gateway jar built, chromium + chromedriver.
# Usage: scripts/dashboard-cost.sh [SECONDS_PER_PHASE (45)]   -> table on stdout and features/it/target/dashboard-cost.md
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
[ "$(id -u)" = 0 ] || { echo "dashboard-cost: needs root (cgroup writes)" >&2; exit 2; }
SECONDS_PER_PHASE="${1:-45}"
[[ "$SECONDS_PER_PHASE" =~ ^[0-9]+$ ]] && (( SECONDS_PER_PHASE >= 10 )) || { echo "seconds must be >= 10" >&2; exit 2; }
[ -f "$ROOT/features/gateway/target/vigie-gateway.jar" ] || {
  echo "dashboard-cost: build the gateway first (mvn -B -o package -pl features/gateway -am -DskipTests)" >&2; exit 2; }
cd "$ROOT"
mvn -B -o -q verify -pl features/it -Dit.test=DashboardCostBench -Dtest=NONE -Dsurefire.failIfNoSpecifiedTests=false \
  -Dfailsafe.failIfNoSpecifiedTests=false -Dvigie.cost.seconds="$SECONDS_PER_PHASE" \
  -Dvigie.shared="${VIGIE_SHARED:-$ROOT/../shared}" < /dev/null
cat "$ROOT/features/it/target/dashboard-cost.md"
