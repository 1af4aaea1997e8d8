#!/usr/bin/env bash
# ./vigie bench — raw interpreter vs full pipeline (real gateway jar), FP32/INT8, 1/2 threads, on the
# whole machine and under the edge simulation (scripts/edge-sim.sh: 0.5 CPU, 512 MB, needs root).
# Builds nothing: says which mvn command to run when a jar is missing. Writes
# target/bench/bench-<UTC timestamp>.json (schema vigie-bench/1, docs/BENCHMARKS.md) and prints the table.
#
# Model swaps (config INT8<->FP32 and a model-DP update: latency to the first frame, frame continuity) run at the end of
# each environment; --swap runs only them, --no-swap skips them. --peers adds Vigie vs the seed's Python stack
# (tools/peer-python, its venv made once from PyPI) per environment and precision; --peers-only runs just that.
# The edge run ends with the "edge profile" row (conf/edge-profile.properties, what ./vigie demo --edge runs; --edge-profile
# FILE / --no-edge-profile). The gateway runs with the build's CDS archive (features/gateway/target/vigie-gateway.jsa) if any.
# Usage: scripts/bench.sh [--quick] [--no-edge] [--swap] [--out FILE] [BenchRunner options, e.g. --threads 1 --precisions INT8
#        --window 20 --warmup 5 --runs 50 --edge-jvm "..." --edge-env "..." --source-max-fps 30 --video FILE
#        --swap-variants default,unpaced,standby]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)

usage() { sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; }

OUT=""; EDGE=1; ARGS=()
while [ $# -gt 0 ]; do
  case "$1" in
    -h|--help) usage; exit 0;;
    --out) [ $# -ge 2 ] || { echo "bench: --out needs a file" >&2; exit 2; }; OUT=$2; shift 2;;
    --no-edge) EDGE=0; shift;;
    *) ARGS+=("$1"); shift;; # validated by BenchRunner before anything runs
  esac
done

command -v java >/dev/null || { echo "bench: java (17+) not found on PATH" >&2; exit 2; }

missing=0
need() { # need FILE_GLOB "what" "mvn command"
  if ! compgen -G "$1" >/dev/null; then
    echo "bench: missing $2 ($1)" >&2
    echo "       build it with: (cd $ROOT && $3)" >&2
    missing=1
  fi
}
need "$ROOT/features/gateway/target/vigie-gateway.jar" "gateway jar" "mvn -B install -pl features/gateway -am"
need "$ROOT/bundles/model-int8/target/generated-resources/vigie-model/model/model.tflite" "INT8 model" \
  "mvn -B install -pl bundles/model-int8,bundles/model-fp32 -am"
need "$ROOT/bundles/model-fp32/target/generated-resources/vigie-model/model/model.tflite" "FP32 model" \
  "mvn -B install -pl bundles/model-int8,bundles/model-fp32 -am"
# the raw benchmark (tools/bench RawMain) runs on tools/eval's runtime libraries: api, inference, bytedeco natives
need "$ROOT/tools/eval/target/lib/io.vigie.inference-*.jar" "tools/eval runtime libraries" \
  "mvn -B install -pl bundles/api,bundles/lib-bytedeco,bundles/inference -am && mvn -B install -f tools/eval/pom.xml"
need "$ROOT/tools/bench/target/io.vigie.tools.bench-*.jar" "bench tool (tools/bench)" "mvn -B install -f tools/bench/pom.xml"
need "$ROOT/tools/bench/target/lib/gson-*.jar" "bench tool libraries" "mvn -B install -f tools/bench/pom.xml"
[ "$missing" = 0 ] || exit 2

if [ "$EDGE" = 1 ] && [ "$(id -u)" != 0 ]; then
  echo "bench: not root: skipping the edge simulation (cgroups need root); run as root for edge numbers" >&2
  EDGE=0
fi
[ "$EDGE" = 1 ] || ARGS+=(--no-edge)

[ -n "$OUT" ] || OUT="$ROOT/target/bench/bench-$(date -u +%Y%m%dT%H%M%SZ).json"
mkdir -p "$(dirname "$OUT")"
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')
echo "bench: $(nproc) CPU(s), $cpu, load $(cut -d' ' -f1-3 /proc/loadavg)" >&2

# The runner's own JVM is small and idle most of the time (it only polls HTTP and /proc).
exec java -Xmx128m -XX:+UseSerialGC -cp "$ROOT/tools/bench/target/*:$ROOT/tools/bench/target/lib/*" \
  io.vigie.tools.bench.BenchRunner --root "$ROOT" --out "$OUT" "${ARGS[@]}"
