#!/usr/bin/env bash
# The gateway jar of another arch: the exported (x86_64) jar with its natives bundle replaced by that arch's
# (io.vigie.lib.bytedeco, classifier ARCH) and a Vigie-Arch manifest header. Every other entry - framework, bundles,
# launcher.properties - is the same bytes, so both jars run the same code. Run by the build (features/gateway,
# package phase, after the export).
# Usage: arch-jar.sh JAR_TOOL BASE.jar NATIVES.jar ARCH OUT.jar
set -euo pipefail
[ $# -eq 5 ] || { echo "usage: $0 JAR_TOOL BASE.jar NATIVES.jar ARCH OUT.jar" >&2; exit 2; }
JAR_TOOL=$1; BASE=$2; NATIVES=$3; ARCH=$4; OUT=$5
for f in "$BASE" "$NATIVES"; do [ -f "$f" ] || { echo "arch-jar: $f missing" >&2; exit 1; }; done
entry=$("$JAR_TOOL" --list --file "$BASE" | grep -E '^jar/io\.vigie\.lib\.bytedeco-[^/]*\.jar$' || true)
[ "$(wc -l <<<"$entry")" -eq 1 ] && [ -n "$entry" ] || { echo "arch-jar: no single natives bundle in $BASE" >&2; exit 1; }
work=$(mktemp -d); trap 'rm -rf "$work" "$OUT.tmp"' EXIT
mkdir -p "$work/$(dirname "$entry")"
cp "$NATIVES" "$work/$entry"
printf 'Vigie-Arch: %s\n' "$ARCH" > "$work/arch.mf"
cp "$BASE" "$OUT.tmp"
# stored, as the exported jar's entries are (-compression: STORE in the bndrun: a start inflates nothing)
# (the merge replaces Vigie-Arch; the JDK warns "Duplicate name in Manifest" about it: shown only if jar fails)
"$JAR_TOOL" --update --no-compress --file "$OUT.tmp" --manifest "$work/arch.mf" -C "$work" "$entry" 2> "$work/jar.err" \
  || { cat "$work/jar.err" >&2; exit 1; }
mv "$OUT.tmp" "$OUT"
echo "arch-jar: $OUT ($ARCH, $(du -h "$OUT" | cut -f1))"
