#!/usr/bin/env bash
# Builds the gateway image (docker/Dockerfile), the broker's (docker/mosquitto.Dockerfile) and, with --mlflow, the
# MLflow server's (docker/mlflow.Dockerfile),
# from the base image docker/base-image.sh makes (cached) on a daemon docker/daemon.sh starts when needed.
# The context (docker/target/context) holds only what the image needs: the launcher and its scripts, and the gateway
# jar of --arch stripped of its embedded bundles plus their unpacked folder (bundle-dir.sh), so a bundle is stored
# once in the image instead of twice. The jars come from the Maven build (features/gateway/target; built first with
# mvn -B -q package -pl features/gateway -am -DskipTests -DskipITs when missing, unless VIGIE_NO_BUILD=1).
# With --fleet also the fleet tool's image (docker/fleet.Dockerfile, vigie-fleet:dev) on top of the gateway image.
# Usage: docker/build.sh [--arch amd64|arm64] [--tag T] [--no-cds] [--mlflow] [--mlflow-tag T] [--fleet]
#        prints the tag(s)
#        docker/build.sh --context-only   only the context, for every arch whose jar is built (buildx, docs/FLEET.md)
#   arm64 on an amd64 machine needs an arm64 base image and emulation (docs/FLEET.md "docker/"): on a Raspberry Pi
#   (arm64 Debian) this script builds it natively.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
die() { echo "docker/build.sh: $*" >&2; exit 1; }
arch="$(dpkg --print-architecture 2>/dev/null || echo amd64)" tag="vigie-gateway:dev" cds=true mlflow=0
mlflow_tag="vigie-mlflow:3.17.2" context_only=0 fleet=0
while [ $# -gt 0 ]; do
  case "$1" in
    --arch) arch="${2:?--arch amd64|arm64}"; shift 2 ;;
    --tag) tag="${2:?--tag T}"; shift 2 ;;
    --no-cds) cds=false; shift ;;
    --mlflow) mlflow=1; shift ;;
    --mlflow-tag) mlflow_tag="${2:?--mlflow-tag T}"; shift 2 ;;
    --context-only) context_only=1; shift ;;
    --fleet) fleet=1; shift ;;
    -h|--help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option $1 (--help)" ;;
  esac
done
case "$arch" in amd64|arm64) ;; *) die "--arch must be amd64 or arm64" ;; esac
[[ "$tag" =~ ^[a-z0-9][a-z0-9._/-]*(:[A-Za-z0-9._-]+)?$ ]] || die "bad --tag $tag"
jar_of() { case "$1" in amd64) echo vigie-gateway.jar ;; arm64) echo vigie-gateway-linux-arm64.jar ;; esac; }
if [ ! -f "$ROOT/features/gateway/target/$(jar_of "$arch")" ]; then
  [ "${VIGIE_NO_BUILD:-0}" = 1 ] && die "features/gateway/target/$(jar_of "$arch") is missing (VIGIE_NO_BUILD=1)"
  (cd "$ROOT" && mvn -B -q package -pl features/gateway -am -DskipTests -DskipITs < /dev/null) || die "build failed"
fi

CTX="$ROOT/docker/target/context"
rm -rf "$CTX"
mkdir -p "$CTX/app/features/gateway" "$CTX/app/conf" "$CTX/app/docker"
cp "$ROOT/vigie" "$CTX/app/"
cp "$ROOT/features/gateway/bundle-dir.sh" "$ROOT/features/gateway/cds-train.sh" "$CTX/app/features/gateway/"
cp "$ROOT"/conf/*.cfg "$ROOT"/conf/*.config "$ROOT"/conf/*.properties "$CTX/app/conf/"
cp "$HERE/healthcheck.sh" "$CTX/app/docker/"
# CTX/gateway/ARCH: the jar of that arch without the embedded bundles (the folder has them), and the folder stamped
# with the slim jar (bundle-dir.sh's format: "size mtime" of the jar on the first line); the image build checks the
# launcher accepts the pair
gateway_dir() { # ARCH
  local name G
  name="$(jar_of "$1")" G="$CTX/gateway/$1"
  mkdir -p "$G"
  cp -p "$ROOT/features/gateway/target/$name" "$G/$name"
  bash "$ROOT/features/gateway/bundle-dir.sh" "$G/$name" >&2
  [ -f "$G/${name%.jar}.bundles/launch.bundles" ] || die "bundle-dir.sh made no bundle folder for $1"
  python3 - "$G/$name" "$G/${name%.jar}.bundles/launch.bundles" <<'PY'
import shutil, sys, zipfile
src = sys.argv[1]
with open(sys.argv[2]) as f:
    unpacked = {"jar/" + line.strip() for line in f.readlines()[1:]}  # the framework and launcher (runpath) stay
with zipfile.ZipFile(src) as zin, zipfile.ZipFile(src + ".slim", "w", zipfile.ZIP_STORED) as zout:
    for info in zin.infolist():
        if info.filename in unpacked:
            continue
        zout.writestr(info, zin.read(info.filename))
shutil.move(src + ".slim", src)
PY
  sed -i "1s/.*/$(stat -c '%s %Y' "$G/$name")/" "$G/${name%.jar}.bundles/launch.bundles"
}
if [ "$context_only" = 1 ]; then
  for a in amd64 arm64; do
    [ -f "$ROOT/features/gateway/target/$(jar_of "$a")" ] && gateway_dir "$a"
  done
  echo "docker/build.sh: context for $(ls "$CTX/gateway" | tr '\n' ' ')in $CTX ($(du -sh "$CTX" | cut -f1))" >&2
  echo "$CTX"
  exit 0
fi
DOCKER="$(bash "$HERE/daemon.sh")"
bash "$HERE/base-image.sh" >/dev/null
gateway_dir "$arch"
echo "docker/build.sh: context $(du -sh "$CTX" | cut -f1)" >&2
start=$(date +%s)
# DOCKER_BUILDKIT=0: Debian's docker.io 20.10 has no buildx; the legacy builder reads the same Dockerfile
DOCKER_BUILDKIT=0 "$DOCKER" build -q -f "$HERE/Dockerfile" --build-arg TARGETARCH="$arch" --build-arg CDS="$cds" \
  --label io.vigie.image=gateway --label io.vigie.arch="$arch" -t "$tag" "$CTX" >&2 || die "docker build of $tag failed"
echo "docker/build.sh: $tag built in $(( $(date +%s) - start )) s" \
  "($("$DOCKER" image inspect "$tag" --format '{{.Size}}' | awk '{ printf "%.0f MB", $1 / 1e6 }'))" >&2
echo "$tag"
# the broker: nothing but Debian's mosquitto (empty context)
mkdir -p "$ROOT/docker/target/empty"
DOCKER_BUILDKIT=0 "$DOCKER" build -q -f "$HERE/mosquitto.Dockerfile" --label io.vigie.image=mosquitto \
  -t vigie-mosquitto:dev "$ROOT/docker/target/empty" \
  >&2 || die "docker build of vigie-mosquitto:dev failed"
echo vigie-mosquitto:dev
if [ "$mlflow" = 1 ]; then
  M="$ROOT/docker/target/mlflow-context"
  rm -rf "$M"; mkdir -p "$M/scripts" "$M/tools/mlflow-server" "$M/ca"
  cp "$ROOT/scripts/python-venv.sh" "$M/scripts/"
  cp "$ROOT"/tools/mlflow-server/{setup.sh,run.sh,requirements.txt,requirements.lock} "$M/tools/mlflow-server/"
  # this machine's extra CA certificates (an egress proxy that re-signs TLS): pip reaches PyPI through it
  cp /usr/local/share/ca-certificates/*.crt "$M/ca/" 2>/dev/null || true
  start=$(date +%s)
  DOCKER_BUILDKIT=0 "$DOCKER" build -q -f "$HERE/mlflow.Dockerfile" --label io.vigie.image=mlflow -t "$mlflow_tag" "$M" >&2 \
    || die "docker build of $mlflow_tag failed"
  echo "docker/build.sh: $mlflow_tag built in $(( $(date +%s) - start )) s" \
    "($("$DOCKER" image inspect "$mlflow_tag" --format '{{.Size}}' | awk '{ printf "%.0f MB", $1 / 1e6 }'))" >&2
  echo "$mlflow_tag"
fi
if [ "$fleet" = 1 ]; then
  lib="$ROOT/tools/fleet/target"
  if ! compgen -G "$lib/io.vigie.tools.fleet-*.jar" >/dev/null || [ ! -d "$lib/lib" ]; then
    [ "${VIGIE_NO_BUILD:-0}" = 1 ] && die "tools/fleet is not built (VIGIE_NO_BUILD=1)"
    (cd "$ROOT" && mvn -B -q package -pl tools/fleet -am -DskipTests -DskipITs < /dev/null) || die "build failed"
  fi
  F="$ROOT/docker/target/fleet-context"
  rm -rf "$F"; mkdir -p "$F/fleet/lib"
  cp "$lib"/io.vigie.tools.fleet-*.jar "$F/fleet/"
  cp "$lib"/lib/*.jar "$F/fleet/lib/"
  DOCKER_BUILDKIT=0 "$DOCKER" build -q -f "$HERE/fleet.Dockerfile" --build-arg GATEWAY_IMAGE="$tag" \
    --label io.vigie.image=fleet -t vigie-fleet:dev "$F" >&2 || die "docker build of vigie-fleet:dev failed"
  echo vigie-fleet:dev
fi
# earlier builds of these tags, now untagged (the gateway's: 526 MB each)
"$DOCKER" image prune -f --filter label=io.vigie.image >/dev/null
