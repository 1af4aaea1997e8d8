#!/usr/bin/env bash
# Cloud store-and-forward benchmark against a real mosquitto: builds tools/cloud-bench (and what it needs), copies
# the jar + lib/ to a temporary folder (a rebuild during a 10-minute run cannot disturb it) and runs it.
# Usage: tools/cloud-bench/run.sh [sustained|outage|all] [--outage-s 600] [--event-rate 10] [--metrics-period-s 10]
#        [--sustained-s 30] [--paced-rate 100] [--protocol mqtt-3.1.1|mqtt-5] [--json FILE] [--markdown FILE]
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
mvn -B -q install -pl tools/cloud-bench -am -DskipTests -o 2>/dev/null || mvn -B -q install -pl tools/cloud-bench -am -DskipTests
run="$(mktemp -d /tmp/cloud-bench-run.XXXXXX)"
cp tools/cloud-bench/target/io.vigie.tools.cloudbench-*.jar "$run/cloudbench.jar"
cp -r tools/cloud-bench/target/lib "$run/lib"
exec java -Xmx256m -jar "$run/cloudbench.jar" "$@"
