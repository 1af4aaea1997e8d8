#!/usr/bin/env bash
# The gateway jar's embedded bundles, unpacked once beside it (JAR -> NAME.bundles/), so the framework installs
# them by reference (reference:file:) instead of copying all 40 (109 MB) into its storage at every start
# (docs/BENCHMARKS.md "Cold start at the edge, second pass"). NAME.bundles/launch.bundles holds the jar's
# "size mtime" on its first line, then the bundle files in the launcher's order: a rebuilt or copied jar no
# longer matches and the gateway installs its embedded bundles as before (nothing else changes).
# Run by the build after the export (features/gateway, package phase) and before cds-train.sh.
# Usage: bundle-dir.sh JAR            unpack (never fails the build: without the folder the start is only slower)
#        bundle-dir.sh --options JAR  print the JVM options that use the folder, one per line, if it matches JAR
set -uo pipefail
mode=unpack
[ "${1:-}" = "--options" ] && { mode=options; shift; }
[ $# -eq 1 ] || { echo "usage: $0 [--options] JAR" >&2; exit 2; }
JAR=$(cd "$(dirname "$1")" 2>/dev/null && pwd)/$(basename "$1")
DIR=${JAR%.jar}.bundles
stamp() { stat -c '%s %Y' "$JAR"; }

if [ "$mode" = options ]; then
  [ -f "$JAR" ] && [ -f "$DIR/launch.bundles" ] || exit 0
  { read -r first; mapfile -t names; } < "$DIR/launch.bundles"
  [ "$first" = "$(stamp)" ] && [ ${#names[@]} -gt 0 ] || exit 0
  paths=()
  for n in "${names[@]}"; do
    [[ "$n" =~ ^[A-Za-z0-9._-]+\.jar$ && -f "$DIR/$n" ]] || exit 0
    paths+=("$DIR/$n")
  done
  echo "-Dlaunch.embedded=false"
  (IFS=,; echo "-Dlaunch.bundles=${paths[*]}")
  exit 0
fi

warn() { echo "[WARNING] bundle-dir: $*; the gateway installs its embedded bundles (slower start)" >&2; }
rm -rf "$DIR" "$DIR.tmp"
command -v unzip >/dev/null || { warn "no unzip"; exit 0; }
list=$(unzip -p "$JAR" launcher.properties | sed -n 's/^launch\.bundles=//p')
[ -n "$list" ] || { warn "no launch.bundles in $JAR"; exit 0; }
mkdir -p "$DIR.tmp"
stamp > "$DIR.tmp/launch.bundles"
IFS=',' read -ra entries <<<"$list"
for e in "${entries[@]}"; do
  [[ "$e" =~ ^jar/[A-Za-z0-9._-]+\.jar$ ]] || { warn "unexpected bundle entry '$e'"; rm -rf "$DIR.tmp"; exit 0; }
  basename "$e" >> "$DIR.tmp/launch.bundles"
done
if ! unzip -q -j -o "$JAR" "${entries[@]}" -d "$DIR.tmp"; then
  warn "unzip failed"; rm -rf "$DIR.tmp"; exit 0
fi
mv "$DIR.tmp" "$DIR"
echo "bundle-dir: $DIR (${#entries[@]} bundles, $(du -sh "$DIR" | cut -f1))"
