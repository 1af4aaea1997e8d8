#!/usr/bin/env bash
# arm64 (Raspberry Pi 64-bit) correctness under emulation: runs the linux-arm64 gateway jar under qemu-user on this
# x86_64 machine and the x86_64 jar natively, both on vtest.avi with XNNPACK and FFmpeg SIMD off (bit-exact), once
# per model (INT8, FP32), and compares their detections frame by frame: counts and labels exact, scores and boxes
# within tolerances (the JSON has the largest differences seen). Also checks that people were found and an intrusion
# event fired on arm64. Prints one JSON result (and its path); exit 0 = same results, 1 = mismatch or a run failed,
# 2 = usage / setup error.
# Timing under emulation is marked "emulated, not a measurement": qemu-user is 10-50x slower than a Pi.
#
# qemu-aarch64-static and an arm64 sysroot (OpenJDK 17 + the libraries FFmpeg links) are made once in the cache
# (default ~/.cache/vigie/arm64) from the Debian packages pinned in scripts/arm64-debs.lock (version + sha256),
# through a private APT configuration: nothing is installed on this machine (no dpkg --add-architecture).
# --update-lock re-resolves the packages (Debian replaces versions on point/security releases) and rewrites the lock.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LOCK="$ROOT/scripts/arm64-debs.lock"
CACHE="${VIGIE_ARM64_CACHE:-$HOME/.cache/vigie/arm64}"
OUT="$ROOT/target/arm64-check/arm64-check.json"
X86_JAR="$ROOT/features/gateway/target/vigie-gateway.jar"
ARM_JAR="$ROOT/features/gateway/target/vigie-gateway-linux-arm64.jar"
VTEST_SHA256="45cddc9490be69345cbdab64ca583be65987e864ca408038e648db99e10516cf"
# what the arm64 gateway needs from the OS (the linux-arm64 FFmpeg links libva/libdrm/libxcb/libpulse: a Pi too)
PACKAGES="openjdk-17-jre-headless libstdc++6 libgcc-s1 libva-drm2 libva2 libdrm2 libxcb1 libxcb-shm0 libpulse0"
SUITES="bookworm bookworm-updates"
FRAMES_INT8=6
FRAMES_FP32=2
# Counts and labels must be equal, and each arm64 detection must have its own x86 one within these (normalised box
# coordinates: 0.03 of 576 px = 17 px; scores). Not 0: TFLite's INT8 kernels round differently on arm64 even without
# XNNPACK and with bit-identical input frames, and NMS then keeps a neighbouring anchor now and then (measured:
# docs/RELEASE.md "Architectures"); the JSON gives the largest differences seen. --tolerance 0 --score-tolerance 0
# is the strict check.
BOX_TOLERANCE=0.03
SCORE_TOLERANCE=0.1
# per run, emulated start (JVM, framework, natives extraction the first time, model checks) included
RUN_TIMEOUT_S=900
SETUP_ONLY=0
UPDATE_LOCK=0

usage() {
  sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'
  cat <<EOF

Usage: scripts/arm64-check.sh [--frames-int8 N] [--frames-fp32 N] [--tolerance T] [--score-tolerance S]
                              [--out FILE] [--cache DIR]
                              [--timeout S] [--setup-only] [--update-lock]
  --frames-int8/--frames-fp32  arm64 frames compared per model (default $FRAMES_INT8 / $FRAMES_FP32)
  --tolerance                  largest box coordinate difference, normalised (default $BOX_TOLERANCE)
  --score-tolerance            largest score difference (default $SCORE_TOLERANCE; 0: exact)
  --out                        result JSON (default target/arm64-check/arm64-check.json)
  --cache                      qemu + sysroot cache (default ~/.cache/vigie/arm64, or \$VIGIE_ARM64_CACHE)
  --setup-only                 make/check the cached qemu and sysroot, run nothing
  --update-lock                resolve the packages anew and rewrite scripts/arm64-debs.lock
Needs the two jars: mvn -B package -pl features/gateway -am -DskipTests (both arches are built by default).
EOF
}

die() { echo "arm64-check: $*" >&2; exit 2; }
info() { echo "arm64-check: $*" >&2; }
posint() { [[ "$2" =~ ^[1-9][0-9]{0,3}$ ]] || die "$1 must be a whole number 1..9999, not '$2'"; echo "$2"; }

while [[ $# -gt 0 ]]; do
  case "$1" in
    --frames-int8) FRAMES_INT8=$(posint "$1" "${2:-}"); shift 2 ;;
    --frames-fp32) FRAMES_FP32=$(posint "$1" "${2:-}"); shift 2 ;;
    --timeout) RUN_TIMEOUT_S=$(posint "$1" "${2:-}"); shift 2 ;;
    --tolerance|--score-tolerance)
      [[ "${2:-}" =~ ^(0|0?\.[0-9]{1,6})$ ]] || die "$1 must be a fraction like 0.005 (or 0), not '${2:-}'"
      if [[ $1 == --tolerance ]]; then BOX_TOLERANCE=$2; else SCORE_TOLERANCE=$2; fi; shift 2 ;;
    --out) [[ -n "${2:-}" ]] || die "--out needs a file"; OUT=$2; shift 2 ;;
    --cache) [[ -n "${2:-}" ]] || die "--cache needs a directory"; CACHE=$2; shift 2 ;;
    --setup-only) SETUP_ONLY=1; shift ;;
    --update-lock) UPDATE_LOCK=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument '$1'" ;;
  esac
done
mkdir -p "$CACHE" || die "cannot create the cache $CACHE"
CACHE="$(cd "$CACHE" && pwd)"
QEMU="$CACHE/qemu/usr/bin/qemu-aarch64-static"
SYSROOT="$CACHE/sysroot"
ARM_JAVA="$SYSROOT/usr/lib/jvm/java-17-openjdk-arm64/bin/java"

# ---- private APT (arm64 + the amd64 qemu package), in the cache: the machine's own apt state is never touched ----
apt_private() {
  local a="$CACHE/apt"
  mkdir -p "$a/etc/apt.conf.d" "$a/etc/preferences.d" "$a/etc/sources.list.d" "$a/state/lists/partial" \
    "$a/cache/archives/partial" "$CACHE/debs/partial"
  [[ -f "$a/state/status" ]] || : > "$a/state/status"
  local suites="" s
  for s in $SUITES; do suites+="deb [arch=arm64,amd64 signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] "
    suites+="http://deb.debian.org/debian $s main"$'\n'; done
  suites+="deb [arch=arm64,amd64 signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] "
  suites+="http://deb.debian.org/debian-security bookworm-security main"$'\n'
  printf '%s' "$suites" > "$a/etc/sources.list"
  cat > "$a/apt.conf" <<EOF
Dir::Etc "$a/etc/";
Dir::Etc::sourcelist "$a/etc/sources.list";
Dir::Etc::sourceparts "$a/etc/sources.list.d";
Dir::Etc::parts "$a/etc/apt.conf.d";
Dir::Etc::preferencesparts "$a/etc/preferences.d";
Dir::State "$a/state/";
Dir::State::status "$a/state/status";
Dir::Cache "$a/cache/";
Dir::Cache::archives "$CACHE/debs/";
APT::Architecture "arm64";
APT::Architectures { "arm64"; "amd64"; };
APT::Install-Recommends "false";
Acquire::Languages "none";
Acquire::Check-Valid-Until "false";
APT::Sandbox::User "root";
EOF
  export APT_CONFIG="$a/apt.conf"
}

apt_update() { info "apt-get update (private arm64 lists in $CACHE/apt)"; apt-get -q update >&2 || die "apt-get update failed"; }

# deb file name as apt writes it (epoch ':' as %3a)
deb_file() { echo "$CACHE/debs/${1}_${2//:/%3a}_${3}.deb"; }

update_lock() {
  apt_private
  apt_update
  rm -f "$CACHE"/debs/*.deb
  # an empty status: apt takes nothing as installed and downloads the whole closure
  apt-get -q -y --download-only install $PACKAGES >&2 || die "resolving $PACKAGES failed"
  (cd "$CACHE/debs" && apt-get -q download qemu-user-static:amd64 >&2) || die "qemu-user-static download failed"
  {
    echo "# scripts/arm64-check.sh: Debian bookworm packages of the emulated arm64 sysroot + qemu-user-static (amd64)."
    echo "# package architecture version sha256 - written by scripts/arm64-check.sh --update-lock on $(date -u +%F)"
    local d
    for d in "$CACHE"/debs/*.deb; do
      printf '%s %s %s %s\n' "$(dpkg-deb -f "$d" Package)" "$(dpkg-deb -f "$d" Architecture)" \
        "$(dpkg-deb -f "$d" Version)" "$(sha256sum "$d" | cut -d' ' -f1)"
    done | sort
  } > "$LOCK.tmp"
  mv "$LOCK.tmp" "$LOCK"
  info "wrote $LOCK ($(grep -vc '^#' "$LOCK") packages)"
}

# the cached qemu + sysroot, made from the lock (idempotent: a stamp holds the lock's hash)
provision() {
  [[ -f "$LOCK" ]] || die "no $LOCK (make one with --update-lock)"
  local want; want="$(sha256sum "$LOCK" | cut -d' ' -f1)"
  if [[ -x "$QEMU" && -x "$ARM_JAVA" && "$(cat "$CACHE/.stamp" 2>/dev/null)" == "$want" ]]; then
    info "qemu + sysroot cached in $CACHE (lock $(cut -c1-12 <<<"$want"))"; return 0
  fi
  apt_private
  local missing=() name arch ver sha f
  while read -r name arch ver sha; do
    f="$(deb_file "$name" "$ver" "$arch")"
    [[ -f "$f" && "$(sha256sum "$f" | cut -d' ' -f1)" == "$sha" ]] || { rm -f "$f"; missing+=("$name:$arch=$ver"); }
  done < <(grep -v '^#' "$LOCK")
  if [[ ${#missing[@]} -gt 0 ]]; then
    apt_update
    info "downloading ${#missing[@]} pinned packages"
    (cd "$CACHE/debs" && apt-get -q download "${missing[@]}" >&2) \
      || die "a pinned package is no longer on the mirror (Debian replaced it): run with --update-lock"
  fi
  info "checking sha256 of $(grep -vc '^#' "$LOCK") packages, unpacking"
  rm -rf "$CACHE/sysroot.tmp" "$CACHE/qemu.tmp"
  mkdir -p "$CACHE/sysroot.tmp" "$CACHE/qemu.tmp"
  while read -r name arch ver sha; do
    f="$(deb_file "$name" "$ver" "$arch")"
    [[ "$(sha256sum "$f" | cut -d' ' -f1)" == "$sha" ]] || die "$f: sha256 differs from $LOCK"
    if [[ "$name" == qemu-user-static ]]; then dpkg-deb -x "$f" "$CACHE/qemu.tmp"; else dpkg-deb -x "$f" "$CACHE/sysroot.tmp"; fi
  done < <(grep -v '^#' "$LOCK")
  rm -rf "$SYSROOT" "$CACHE/qemu"
  mv "$CACHE/sysroot.tmp" "$SYSROOT"
  mv "$CACHE/qemu.tmp" "$CACHE/qemu"
  [[ -x "$QEMU" && -x "$ARM_JAVA" ]] || die "unpacked, but $QEMU or $ARM_JAVA is missing"
  echo "$want" > "$CACHE/.stamp"
  info "qemu + sysroot ready in $CACHE"
}

if [[ $UPDATE_LOCK == 1 ]]; then update_lock; fi
provision
if [[ $SETUP_ONLY == 1 ]]; then
  "$QEMU" -L "$SYSROOT" "$ARM_JAVA" -version 2>&1 | sed 's/^/arm64-check: /' >&2
  exit 0
fi

# ---- the runs ----------------------------------------------------------------------------------------------------
for j in "$X86_JAR" "$ARM_JAR"; do [[ -f "$j" ]] || die "$j missing: mvn -B package -pl features/gateway -am -DskipTests"; done
VIDEO=""
for v in "${VIGIE_SHARED:-$ROOT/../shared}/media/vtest.avi" /usr/share/doc/opencv-doc/examples/data/vtest.avi; do
  [[ -f "$v" ]] && { VIDEO="$(cd "$(dirname "$v")" && pwd)/$(basename "$v")"; break; }
done
[[ -n "$VIDEO" ]] || die "vtest.avi not found (\$VIGIE_SHARED/media or the opencv-doc package)"
[[ "$(sha256sum "$VIDEO" | cut -d' ' -f1)" == "$VTEST_SHA256" ]] || die "$VIDEO: not the expected vtest.avi (sha256)"
X86_JAVA="${JAVA:-java}"
WORK="$(dirname "$OUT")/runs"
rm -rf "$WORK"; mkdir -p "$WORK"

# run ARCH PRECISION FRAMES MAXFPS [UNTIL]: the gateway until FRAMES frames were inferred (log lines "Frame N by M:
# ..."), or with UNTIL until frame number UNTIL was passed, then stopped. Prints "seconds_to_first_frame
# seconds_total" (0 0 when it inferred nothing).
run() {
  local arch=$1 prec=$2 frames=$3 maxfps=$4 until=${5:-0} d="$WORK/$1-$2" pid t0 first=0 n last
  mkdir -p "$d/conf" "$d/data"
  {
    echo "source.uri=\"$VIDEO\""
    echo 'source.loop="true"'
    echo 'source.realtime="false"'
    # paced below the emulated inference rate: the frames a slow arch takes are frames the x86 run also infers
    echo "source.max.fps=\"$maxfps\""
    echo "model.precision=\"$prec\""
    echo 'threads="1"'
    # emulation is far over any latency budget; the x86 side runs the same settings
    echo 'model.latency.budget.ms="0"'
    echo 'dwell.ms="0"'
    echo 'zones=["all:0,0;1,0;1,1;0,1"]'
  } > "$d/conf/io.vigie.detector.config"
  echo 'xnnpack="false"' > "$d/conf/io.vigie.inference.tflite.config"
  local -a cmd=("$X86_JAVA") jar=$X86_JAR
  if [[ $arch == arm64 ]]; then cmd=("$QEMU" -L "$SYSROOT" "$ARM_JAVA"); jar=$ARM_JAR; fi
  t0=$(date +%s.%N)
  # the natives cache is kept between runs (its extraction is the slowest part of an emulated start)
  "${cmd[@]}" -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Dorg.bytedeco.javacpp.maxPhysicalBytes=0 \
    -Dorg.bytedeco.javacpp.cachedir="$CACHE/javacpp-$arch" \
    -Dvigie.conf="$d/conf" -Dvigie.data="$d/data" -Dfelix.cm.dir="$d/data/config" \
    -Dorg.osgi.framework.storage="$d/data/framework" -Dorg.osgi.service.http.port=0 \
    -Dorg.slf4j.simpleLogger.log.io.vigie.detector.core.FrameLoop=debug -Dvigie.video.simd=false \
    -jar "$jar" > "$d/gateway.log" 2>&1 &
  pid=$!
  local deadline=$(( $(date +%s) + RUN_TIMEOUT_S ))
  while kill -0 "$pid" 2>/dev/null && [[ $(date +%s) -lt $deadline ]]; do
    n=$(grep -c '\] DEBUG io.vigie.detector.core.FrameLoop - Frame [0-9]* by ' "$d/gateway.log" || true)
    [[ $first == 0 && $n -gt 0 ]] && first=$(date +%s.%N)
    if [[ $until -gt 0 ]]; then
      last=$(frames "$arch" "$prec" | awk '$1 > m { m = $1 } END { print m + 0 }')
      [[ $last -ge $until ]] && break
    elif [[ $n -ge $frames ]]; then break; fi
    sleep 0.5
  done
  local t1; t1=$(date +%s.%N)
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 120); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  rm -rf "$d/data/framework" # a copy of every bundle
  if [[ $first == 0 ]]; then echo "0 0"; else
    awk -v a="$t0" -v f="$first" -v b="$t1" 'BEGIN { printf "%.1f %.1f\n", f - a, b - a }'; fi
}

# frames ARCH PRECISION: "seq model n [label score x y x y]..." per inferred frame
frames() {
  sed -n 's/.* DEBUG io\.vigie\.detector\.core\.FrameLoop - Frame \([0-9]*\) by \([^:]*\): \(.*\)$/\1 \2 \3/p' \
    "$WORK/$1-$2/gateway.log"
}

# compare PRECISION: JSON object of the x86 vs arm64 comparison of that model's runs
compare() {
  awk -v btol="$BOX_TOLERANCE" -v stol="$SCORE_TOLERANCE" -v prec="$1" '
    function parse(line, arr,   t) { gsub(/[\[\]]/, "", line); return split(line, arr, " ") }
    FNR == 1 { file++ }
    file == 1 { x86[$1] = $0; next }
    { arm[++na] = $1; armline[$1] = $0 }
    END {
      compared = 0; missing = 0; mism = 0; people = 0; maxd = 0; maxs = 0; detail = ""
      for (i = 1; i <= na; i++) {
        s = arm[i]; na2 = parse(armline[s], a); people += a[3]
        if (!(s in x86)) { missing++; continue }
        nx = parse(x86[s], x); compared++; why = ""
        if (a[2] != x[2]) why = "model " a[2] " vs " x[2]
        else if (a[3] != x[3]) why = "count " a[3] " vs " x[3]
        else {
          # as a set: equal scores may come out of NMS in either order
          split("", used)
          for (k = 4; k <= na2 && why == ""; k += 6) {
            best = -1; bestd = 2
            for (j = 4; j <= nx; j += 6) {
              if ((j in used) || a[k] != x[j]) continue
              d = 0; for (c = 2; c <= 5; c++) { dd = a[k+c] - x[j+c]; if (dd < 0) dd = -dd; if (dd > d) d = dd }
              ds = a[k+1] - x[j+1]; if (ds < 0) ds = -ds
              if (d <= btol && ds <= stol && d < bestd) { bestd = d; best = j; bests = ds }
            }
            if (best < 0) why = "no x86 " a[k] " within the tolerances of score " a[k+1] " box " a[k+2] " " a[k+3] " " a[k+4] " " a[k+5]
            else { used[best] = 1; if (bestd > maxd) maxd = bestd; if (bests > maxs) maxs = bests }
          }
        }
        if (why != "") { mism++; detail = detail (detail == "" ? "" : ",") "{\"frame\":" s ",\"why\":\"" why "\"}" }
      }
      printf "{\"model\":\"%s\",\"frames_arm64\":%d,\"frames_compared\":%d,\"frames_not_in_x86_run\":%d,", prec, na, compared, missing
      printf "\"mismatches\":%d,\"persons_arm64\":%d,\"max_box_diff\":%.6g,\"max_score_diff\":%.6g,", mism, people, maxd, maxs
      printf "\"box_tolerance\":%s,\"score_tolerance\":%s,\"mismatch_frames\":[%s]}", btol, stol, detail
    }' <(frames x86 "$1") <(frames arm64 "$1")
}

T_START=$(date +%s)
declare -A TIMES
for prec in INT8 FP32; do
  # paced under each side's inference rate (no XNNPACK, loaded machine), so that few frames are dropped
  n=$FRAMES_INT8; fps=0.5; xfps=0.5; [[ $prec == FP32 ]] && { n=$FRAMES_FP32; fps=0.1; xfps=0.2; }
  info "arm64 $prec under qemu: $n frames (slow: emulated)"
  TIMES[arm64-$prec]="$(run arm64 "$prec" "$n" "$fps")"
  maxseq=$(frames arm64 "$prec" | awk '$1 > m { m = $1 } END { print m + 0 }')
  # x86: every frame up to the last arm64 one (paced faster: its reference kernels keep up)
  xn=$(( maxseq > 0 ? maxseq : 1 ))
  info "x86_64 $prec: frames up to #$xn"
  TIMES[x86-$prec]="$(run x86 "$prec" 0 "$xfps" "$xn")"
done
T_TOTAL=$(( $(date +%s) - T_START ))

ok=1; reasons=()
runs=""; models=""
for prec in INT8 FP32; do
  c="$(compare "$prec")"
  models+="${models:+,}$c"
  for arch in arm64 x86; do
    read -r tf tt <<<"${TIMES[$arch-$prec]}"
    log="$WORK/$arch-$prec/gateway.log"
    intr=$(grep -c 'Intrusion START in zone' "$log" || true)
    runs+="${runs:+,}{\"arch\":\"$arch\",\"model\":\"$prec\",\"log\":\"$log\",\"intrusion_starts\":$intr,"
    runs+="\"seconds_to_first_frame\":$tf,\"seconds_total\":$tt}"
    [[ "$tf" == 0 ]] && { ok=0; reasons+=("$arch $prec: no frame inferred (see $log)"); }
    [[ $arch == arm64 && $intr -eq 0 ]] && { ok=0; reasons+=("arm64 $prec: no intrusion event"); }
  done
  grep -q '"frames_compared":0,' <<<"$c" && { ok=0; reasons+=("$prec: no frame compared"); }
  grep -q '"frames_not_in_x86_run":0,' <<<"$c" || { ok=0; reasons+=("$prec: arm64 frames the x86 run did not infer"); }
  grep -q '"mismatches":0,' <<<"$c" || { ok=0; reasons+=("$prec: detections differ"); }
  grep -q '"persons_arm64":0,' <<<"$c" && { ok=0; reasons+=("$prec: no person found on arm64"); }
done
verdict=pass; [[ $ok == 1 ]] || verdict=fail
why=""; for r in "${reasons[@]}"; do why+="${why:+,}\"$r\""; done
mkdir -p "$(dirname "$OUT")"
cat > "$OUT" <<EOF
{"check":"arm64-under-qemu","verdict":"$verdict","reasons":[${why}],
 "jars":{"x86_64":"$X86_JAR","arm64":"$ARM_JAR"},"video":"$VIDEO","xnnpack":false,
 "qemu":"$("$QEMU" --version | head -1)","lock_sha256":"$(sha256sum "$LOCK" | cut -d' ' -f1)",
 "models":[$models],
 "runs":[$runs],
 "timing_note":"emulated, not a measurement","wall_seconds":$T_TOTAL}
EOF
cat "$OUT"
echo "arm64-check: $verdict, result JSON: $OUT" >&2
[[ $ok == 1 ]] || exit 1
