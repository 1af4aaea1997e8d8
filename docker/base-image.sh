#!/usr/bin/env bash
# Builds the base image the Dockerfiles start FROM when no image registry is reachable: a Debian bookworm minbase
# root file system made by debootstrap from this machine's own Debian mirror (its apt sources), imported under the
# exact tag of the FROM line (debian:bookworm-slim), so the same Dockerfiles pull the real image elsewhere.
# Cached: the image carries a label with the hash of its inputs (this script, mirror, suite, arch); when the tag
# already has that label nothing is rebuilt. A tag without the label (the real image, pulled) is left alone.
# Needs root (debootstrap) and a running daemon (docker/daemon.sh, which this runs first).
# Usage: docker/base-image.sh [--force] [--mirror URI]     prints the tag
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
die() { echo "docker/base-image.sh: $*" >&2; exit 1; }
force=0 mirror="" security=""
while [ $# -gt 0 ]; do
  case "$1" in
    --force) force=1; shift ;;
    --mirror) mirror="${2:?--mirror needs a URI}"; shift 2 ;;
    -h|--help) sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option $1" ;;
  esac
done
# it goes to debootstrap and into the image's sources.list
[ -z "$mirror" ] || [[ "$mirror" =~ ^https?://[A-Za-z0-9._:/~+-]+$ ]] || die "--mirror must be an http(s) URI"
DOCKER="$(bash "$HERE/daemon.sh")"
TAG="$(sed -n 's/^FROM[[:space:]]\{1,\}\([^[:space:]]*\).*/\1/p' "$HERE/Dockerfile" | head -n1)"
[ "$TAG" = debian:bookworm-slim ] || die "docker/Dockerfile starts FROM '$TAG': this script makes debian:bookworm-slim"
SUITE=bookworm
# this machine's Debian mirror: deb822 (.sources: URIs: lines) or one-line sources.list ("deb URI SUITE ...")
uris() {
  { cat /etc/apt/sources.list.d/*.sources 2>/dev/null | sed -n 's/^URIs:[[:space:]]*//p' | tr ' ' '\n'
    cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | awk '$1 == "deb" { print $2 }'; } \
    | sed 's#/*$##' | grep -E '^https?://' || true
}
[ -n "$mirror" ] || mirror="$(uris | grep -E '/debian$' | head -n1)"
security="$(uris | grep -E '/debian-security$' | head -n1)"
[ -n "$mirror" ] || die "no Debian mirror in /etc/apt/sources.list(.d): give --mirror URI"
ARCH="$(dpkg --print-architecture)"
KEY="$( { cat "$0"; echo "$mirror $security $SUITE $ARCH minbase"; } | sha256sum | cut -c1-16)"
have="$("$DOCKER" image inspect "$TAG" --format '{{ index .Config.Labels "io.vigie.base.inputs" }}' 2>/dev/null || true)"
if [ "$force" = 0 ] && "$DOCKER" image inspect "$TAG" >/dev/null 2>&1; then
  if [ "$have" = "$KEY" ]; then echo "$TAG"; exit 0; fi
  if [ -z "$have" ] || [ "$have" = "<no value>" ]; then
    echo "docker/base-image.sh: $TAG exists and was not made here (the real image?): kept" >&2; echo "$TAG"; exit 0
  fi
fi
[ "$(id -u)" = 0 ] || die "debootstrap needs root"
command -v debootstrap >/dev/null || die "debootstrap not found (scripts/install-deps.sh debootstrap)"
work="$(mktemp -d /var/tmp/vigie-base.XXXXXX)"
trap 'rm -rf "$work"' EXIT
start=$(date +%s)
echo "docker/base-image.sh: debootstrap --variant=minbase $SUITE from $mirror ($ARCH) ..." >&2
debootstrap --variant=minbase --arch="$ARCH" "$SUITE" "$work/rootfs" "$mirror" > "$work/debootstrap.log" 2>&1 \
  || { tail -n 20 "$work/debootstrap.log" >&2; die "debootstrap failed"; }
R="$work/rootfs"
# the sources the real image has (suite, updates, security), on this machine's mirrors
{
  echo "deb $mirror $SUITE main"
  echo "deb $mirror $SUITE-updates main"
  [ -n "$security" ] && echo "deb $security $SUITE-security main"
} > "$R/etc/apt/sources.list"
# slim like the real image: no docs, man pages or locales installed later, no apt caches kept
cat > "$R/etc/dpkg/dpkg.cfg.d/docker-slim" <<'CFG'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
CFG
echo 'APT::Install-Recommends "false"; Acquire::GzipIndexes "true";' > "$R/etc/apt/apt.conf.d/docker-slim"
rm -rf "$R"/var/cache/apt/archives/*.deb "$R"/var/lib/apt/lists/* "$R"/usr/share/doc/* "$R"/usr/share/man/* \
  "$R"/usr/share/info/* "$R"/usr/share/locale/* "$R"/var/log/*.log "$R"/var/cache/debconf/*-old
tar -C "$R" --numeric-owner -c . | "$DOCKER" import \
  --change "LABEL io.vigie.base.inputs=$KEY" --change "LABEL io.vigie.base.mirror=$mirror" \
  --change 'CMD ["bash"]' --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  - "$TAG" >/dev/null || die "docker import failed"
echo "docker/base-image.sh: $TAG imported in $(( $(date +%s) - start )) s" \
  "($("$DOCKER" image inspect "$TAG" --format '{{.Size}}' | awk '{ printf "%.0f MB", $1 / 1e6 }'))" >&2
echo "$TAG"
