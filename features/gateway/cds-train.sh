#!/usr/bin/env bash
# Builds the gateway's class-data sharing archive (JDK AppCDS, dynamic archive): one training run of the
# exported jar - framework, bundles, detector, TFLite, a decoded video when one is given - until the first
# detector frame, then a clean stop; the JVM writes the classes it loaded to ARCHIVE at exit. ./vigie and
# the bench start the gateway with -XX:SharedArchiveFile=ARCHIVE when it exists; a stale archive (jar rebuilt,
# other JDK) is refused by the JVM with a [cds] warning and the start goes on without it.
# Run by the build (features/gateway, package phase; -Dvigie.cds.skip=true skips it). A failed training run
# leaves no archive and does not fail the build: the gateway only starts slower.
# Usage: cds-train.sh JAVA JAR ARCHIVE [VIDEO[,VIDEO...]]   (the first existing video is used)
set -uo pipefail
[ $# -ge 3 ] || { echo "usage: $0 JAVA JAR ARCHIVE [VIDEO,...]" >&2; exit 2; }
JAVA=$1; JAR=$(cd "$(dirname "$2")" && pwd)/$(basename "$2"); OUT=$3; VIDEOS=${4:-}
WORK=$(dirname "$JAR")/cds-train
warn() { echo "[WARNING] cds-train: $*; no CDS archive (the gateway starts without it)" >&2; rm -f "$OUT.tmp"; }

video=""
IFS=',' read -ra candidates <<<"$VIDEOS"
for v in "${candidates[@]}"; do [ -f "$v" ] && { video=$(cd "$(dirname "$v")" && pwd)/$(basename "$v"); break; }; done

rm -rf "$WORK" "$OUT" "$OUT.tmp"
mkdir -p "$WORK/conf" "$WORK/data"
{
  echo "source.uri=\"${video:-$WORK/no-video.avi}\""
  echo 'source.loop="true"'
  echo 'source.realtime="false"'
  echo 'model.precision="INT8"'
  echo 'threads="1"'
  echo 'zones=["train:0,0;1,0;1,1;0,1"]'
} > "$WORK/conf/io.vigie.detector.config"

# the bundles unpacked beside the jar when bundle-dir.sh made them (./vigie and the bench start the same way)
mapfile -t bundle_opts < <(bash "$(dirname "$0")/bundle-dir.sh" --options "$JAR")
# the launcher's memory settings (JAVA_OPTS_DEFAULT in ./vigie): the same code paths get loaded
"$JAVA" "${bundle_opts[@]}" -Xmx128m -Xms24m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:MaxMetaspaceSize=96m \
  -XX:ArchiveClassesAtExit="$OUT.tmp" -Xlog:cds=error -Xlog:cds+dynamic=error \
  -Dvigie.conf="$WORK/conf" -Dvigie.data="$WORK/data" -Dfelix.cm.dir="$WORK/data/config" \
  -Dorg.osgi.framework.storage="$WORK/data/framework" -Dorg.osgi.service.http.port=0 \
  -Dorg.bytedeco.javacpp.maxPhysicalBytes=0 -jar "$JAR" > "$WORK/gateway.log" 2>&1 &
pid=$!

# a frame through the model when there is a video, else the model validated (its smoke inference)
ready='First frame #'; [ -n "$video" ] || ready='Active model is now'
for _ in $(seq 1 1800); do
  grep -q "$ready" "$WORK/gateway.log" && break
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
if ! grep -q "$ready" "$WORK/gateway.log"; then
  kill -KILL "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
  warn "the training run did not reach '$ready' (log $WORK/gateway.log)"
  exit 0
fi
sleep 2 # the other components finish starting
kill -TERM "$pid"
for _ in $(seq 1 600); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid"; warn "the gateway did not stop within 60 s"; exit 0; fi
wait "$pid" 2>/dev/null
[ -s "$OUT.tmp" ] || { warn "the JVM wrote no archive (log $WORK/gateway.log)"; exit 0; }
mv "$OUT.tmp" "$OUT"
rm -rf "$WORK/data/framework" # a copy of every bundle
echo "cds-train: $OUT ($(du -h "$OUT" | cut -f1)) from a training run on ${video:-no video}"
