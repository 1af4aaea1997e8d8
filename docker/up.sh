#!/usr/bin/env bash
# Starts a Vigie fleet in containers (docs/FLEET.md "docker/"): the broker, N gateways (0.5 CPU / 512 MB each,
# docker/gateway.yml) and, with --mlflow, an MLflow server; or stops and removes one (--down).
# Per gateway gwI it writes RUN_DIR/gwI/conf (mounted at /etc/vigie): the repo's conf/ defaults with the demo video at
# a low analysis rate, its own cloud connection (client id gwI on tcp://mosquitto:1883, account ACCOUNT), a fresh
# random admin password (./vigie password: hashes only in the config; the password in RUN_DIR/gwI/admin.password,
# mode 0600) and the fleet's package signing key (./vigie keys, made once in RUN_DIR/keys: OTA installs only what it
# signs). RUN_DIR/gateways.tsv lists name, client id, URL on the host, password file; RUN_DIR/compose.gateways.yml is
# the generated compose file. Existing passwords and keys are kept on a re-run.
# Usage: docker/up.sh --gateways N [--dir RUN_DIR (docker/run)] [--project vigie] [--port-base 18080]
#                     [--mqtt-port 18830] [--fps 2] [--account vigie] [--mlflow] [--mlflow-port 5000] [--no-build]
#                     [--wait SECONDS]
#        docker/up.sh --down [--dir RUN_DIR] [--project vigie]   (also removes what a lost run dir left: by label)
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
die() { echo "docker/up.sh: $*" >&2; exit 1; }
n="" dir="$HERE/run" project=vigie port_base=18080 mqtt_port=18830 fps=2 account=vigie mlflow=0 build=1 wait=0 down=0
mlflow_port=5000
while [ $# -gt 0 ]; do
  case "$1" in
    --gateways) n="${2:?--gateways N}"; shift 2 ;;
    --dir) dir="${2:?--dir DIR}"; shift 2 ;;
    --project) project="${2:?--project NAME}"; shift 2 ;;
    --port-base) port_base="${2:?--port-base N}"; shift 2 ;;
    --mqtt-port) mqtt_port="${2:?--mqtt-port N}"; shift 2 ;;
    --fps) fps="${2:?--fps N}"; shift 2 ;;
    --account) account="${2:?--account NAME}"; shift 2 ;;
    --mlflow) mlflow=1; shift ;;
    --mlflow-port) mlflow_port="${2:?--mlflow-port N}"; shift 2 ;;
    --no-build) build=0; shift ;;
    --wait) wait="${2:?--wait SECONDS}"; shift 2 ;;
    --down) down=1; shift ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) die "unknown option $1 (--help)" ;;
  esac
done
# everything is checked before anything is written or started (the values end up in YAML, sed and config files)
[[ "$project" =~ ^[a-z0-9][a-z0-9_-]{0,40}$ ]] || die "--project: lower-case letters, digits, _ and -"
[[ "$dir" =~ ^[A-Za-z0-9._/+-]+$ ]] || die "--dir: letters, digits and . _ / + - only"
if [ "$down" = 0 ]; then
  [[ "$n" =~ ^[1-9][0-9]{0,2}$ ]] && [ "$n" -ge 1 ] && [ "$n" -le 500 ] || die "--gateways N (1..500) is required"
  for v in "$port_base" "$mqtt_port" "$mlflow_port"; do
    [[ "$v" =~ ^[1-9][0-9]{3,4}$ ]] && [ "$v" -ge 1024 ] && [ $((v + n)) -le 65535 ] || die "bad port $v (1024..65535-N)"
  done
  [[ "$fps" =~ ^[0-9]{1,3}(\.[0-9]{1,3})?$ ]] && awk "BEGIN { exit !($fps > 0) }" || die "--fps must be a number > 0"
  [[ "$account" =~ ^[A-Za-z0-9_-]{1,64}$ ]] || die "--account: letters, digits, _ and -"
  [[ "$wait" =~ ^[0-9]{1,5}$ ]] || die "--wait SECONDS"
fi
[ "$down" = 1 ] || mkdir -p "$dir"
[ ! -d "$dir" ] || dir="$(cd "$dir" && pwd)"
DOCKER="$(bash "$HERE/daemon.sh")"
profiles=()
[ "$mlflow" = 1 ] && profiles=(--profile mlflow)
compose() {
  VIGIE_MQTT_PORT="$mqtt_port" VIGIE_MLFLOW_PORT="$mlflow_port" docker-compose -p "$project" -f "$HERE/compose.yml" -f "$dir/compose.gateways.yml" \
    "${profiles[@]}" "$@"
}
if [ "$down" = 1 ]; then
  profiles=(--profile mlflow)
  [ ! -f "$dir/compose.gateways.yml" ] || compose down -v --remove-orphans -t 20
  # whatever is left of the project (a run dir deleted or from another run): by compose's project label
  label="label=com.docker.compose.project=$project"
  mapfile -t left < <("$DOCKER" ps -aq --filter "$label")
  [ ${#left[@]} -eq 0 ] || "$DOCKER" rm -f "${left[@]}" >/dev/null
  mapfile -t left < <("$DOCKER" volume ls -q --filter "$label")
  [ ${#left[@]} -eq 0 ] || "$DOCKER" volume rm "${left[@]}" >/dev/null
  mapfile -t left < <("$DOCKER" network ls -q --filter "$label")
  [ ${#left[@]} -eq 0 ] || "$DOCKER" network rm "${left[@]}" >/dev/null
  exit 0
fi

if [ "$build" = 1 ]; then
  b=(); [ "$mlflow" = 1 ] && b=(--mlflow)
  bash "$HERE/build.sh" "${b[@]}" >/dev/null
fi

# the demo video (Debian opencv-doc), sha256 checked against the launcher's
sum="$(sed -n 's/^VTEST_SHA256="\([0-9a-f]*\)"$/\1/p' "$ROOT/vigie")"
sys="$(sed -n 's/^VTEST_SYS="\(.*\)"$/\1/p' "$ROOT/vigie")"
mkdir -p "$dir/media"
if [ ! -f "$dir/media/vtest.avi" ]; then
  if [ -f "$sys" ]; then cp "$sys" "$dir/media/vtest.avi.tmp"
  elif [ -f "$sys.gz" ]; then gzip -dc "$sys.gz" > "$dir/media/vtest.avi.tmp"
  else die "no $sys: scripts/install-deps.sh opencv-doc"; fi
  [ "$(sha256sum "$dir/media/vtest.avi.tmp" | cut -d' ' -f1)" = "$sum" ] || die "vtest.avi checksum mismatch"
  mv "$dir/media/vtest.avi.tmp" "$dir/media/vtest.avi"
fi
chmod 755 "$dir/media"; chmod 644 "$dir/media/vtest.avi"

export VIGIE_NO_BUILD="${VIGIE_NO_BUILD:-0}"
if [ ! -f "$dir/keys/vigie-ota-signing.key" ]; then
  "$ROOT/vigie" keys --out "$dir/keys" >/dev/null || die "./vigie keys failed"
fi
pub="$(grep -v -- '-----' "$dir/keys/vigie-ota-signing.pub" | tr -d '\n')"

gw_uid=10001 # the image's vigie user (docker/Dockerfile): the config dirs are its own, mode 0700
: > "$dir/gateways.tsv.tmp"
{ echo 'version: "2.4"'; echo "# generated by docker/up.sh --gateways $n: do not edit"; echo 'services:'; } \
  > "$dir/compose.gateways.yml.tmp"
volumes=""
for i in $(seq 1 "$n"); do
  name="gw$i" conf="$dir/gw$i/conf" port=$((port_base + i))
  mkdir -p "$conf"
  for f in "$ROOT"/conf/*.cfg "$ROOT"/conf/*.config; do
    cp "$f" "$conf/$(basename "$f").tmp"
    mv "$conf/$(basename "$f").tmp" "$conf/$(basename "$f")"
  done
  # the light video source: the demo video looped in real time, analysed at FPS frames/s on 1 thread
  sed -i -e 's#^source\.uri=.*#source.uri="/media/vtest.avi"#' -e "s#^source\.max\.fps=.*#source.max.fps=\"$fps\"#" \
    -e 's#^threads=.*#threads="1"#' "$conf/io.vigie.detector.config"
  printf 'broker.uri="tcp://mosquitto:1883"\nclient.id="%s"\naccount.name="%s"\n' "$name" "$account" \
    > "$conf/io.vigie.cloud.paho.config"
  printf '# written by docker/up.sh: packages must be signed with %s\npublic.key=%s\n' \
    "$dir/keys/vigie-ota-signing.key" "$pub" > "$conf/io.vigie.ota.cfg"
  if [ ! -s "$dir/gw$i/admin.password" ]; then
    out="$("$ROOT/vigie" password --config "$conf")" || die "./vigie password failed for $name"
    pw="$(sed -n 's/^user admin, password: \([^ ]*\) .*/\1/p' <<<"$out")"
    [ -n "$pw" ] || die "no password in ./vigie password's output"
    (umask 077; printf '%s\n' "$pw" > "$dir/gw$i/admin.password")
  fi
  chown -R "$gw_uid:$gw_uid" "$conf"; chmod 700 "$conf"
  printf '%s\t%s\thttp://127.0.0.1:%s\t%s\n' "$name" "$name" "$port" "$dir/gw$i/admin.password" >> "$dir/gateways.tsv.tmp"
  cat >> "$dir/compose.gateways.yml.tmp" <<YML
  $name:
    extends: {file: "$HERE/gateway.yml", service: gateway}
    hostname: $name
    depends_on: [mosquitto]
    ports: ["127.0.0.1:$port:8080"]
    volumes:
      - "$conf:/etc/vigie:ro"
      - "$dir/media:/media:ro"
      - "$name-data:/var/lib/vigie"
YML
  volumes+="  $name-data: {}"$'\n'
done
printf 'volumes:\n%s' "$volumes" >> "$dir/compose.gateways.yml.tmp"
mv "$dir/compose.gateways.yml.tmp" "$dir/compose.gateways.yml"
mv "$dir/gateways.tsv.tmp" "$dir/gateways.tsv"
start=$(date +%s)
compose up -d --remove-orphans >&2
echo "docker/up.sh: $n gateways + mosquitto (127.0.0.1:$mqtt_port) started (project $project; $dir/gateways.tsv)" >&2
[ "$wait" -gt 0 ] || exit 0
# until every gateway's HEALTHCHECK (detector RUNNING) says healthy
while :; do
  healthy=0
  for i in $(seq 1 "$n"); do
    s="$("$DOCKER" inspect -f '{{.State.Health.Status}}' "${project}_gw${i}_1" 2>/dev/null || echo missing)"
    [ "$s" = healthy ] && healthy=$((healthy + 1))
  done
  [ "$healthy" = "$n" ] && break
  [ $(( $(date +%s) - start )) -lt "$wait" ] || die "$healthy of $n gateways healthy after $wait s"
  sleep 2
done
echo "docker/up.sh: $n gateways healthy $(( $(date +%s) - start )) s after docker-compose up" >&2
