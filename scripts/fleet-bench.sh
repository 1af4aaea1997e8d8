#!/usr/bin/env bash
# The fleet benchmark (docs/FLEET.md): N real gateways (./vigie fleet-sim's processes) + Mosquitto, a good model rolled
# out in waves, then a bad one (halt), CPU/RSS per gateway and the broker's $SYS counters. Not in the test suite.
#   scripts/fleet-bench.sh [N=50] [FPS=0.5] [PARALLEL=5]
# Needs the gateway jar (features/gateway/target) and the model bundles built (mvn -B package -DskipTests).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
N="${1:-50}" FPS="${2:-0.5}" PAR="${3:-5}"
cd "$ROOT"
exec "${MVN:-mvn}" -B -o -q verify -pl tools/testkit,tools/audit,tools/fleet,features/it -Dit.test=FleetBench -Dtest=NONE \
  -Dsurefire.failIfNoSpecifiedTests=false -Dfailsafe.failIfNoSpecifiedTests=false -Dfleet.gateways="$N" -Dfleet.fps="$FPS" \
  -Dfleet.parallel="$PAR" -Dvigie.shared="${VIGIE_SHARED:-$ROOT/../shared}" < /dev/null
