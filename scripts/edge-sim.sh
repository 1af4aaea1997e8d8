#!/usr/bin/env bash
# Runs a command as a simulated Raspberry-Pi-class edge box: 0.5 CPU (CFS quota 50 ms per 100 ms)
# and 512 MB of memory, with the same cgroup mechanism Docker uses (--cpus=0.5 --memory=512m).
# Needs root and cgroup v1 cpu + memory controllers (or cgroup v2 unified).
# Usage: scripts/edge-sim.sh [--cpus 0.5] [--mem 512M] -- command args...
set -euo pipefail
CPUS=0.5; MEM=512M
while [ $# -gt 0 ]; do
  case "$1" in
    --cpus) CPUS=$2; shift 2;;
    --mem) MEM=$2; shift 2;;
    -h|--help) sed -n '2,5p' "$0" | sed 's/^# \{0,1\}//'; exit 0;;
    --) shift; break;;
    *) break;;
  esac
done
[ $# -gt 0 ] || { echo "usage: $0 [--cpus 0.5] [--mem 512M] -- command..." >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "edge simulation needs root (cgroup writes)" >&2; exit 2; }
NAME="vigie-edge-$$"
PERIOD=100000
QUOTA=$(awk -v c="$CPUS" -v p=$PERIOD 'BEGIN{printf "%d", c*p}')
to_bytes() { numfmt --from=iec "$1"; }
if [ -d /sys/fs/cgroup/cpu ] && [ -d /sys/fs/cgroup/memory ]; then
  CPU_CG=/sys/fs/cgroup/cpu/$NAME; MEM_CG=/sys/fs/cgroup/memory/$NAME
  mkdir -p "$CPU_CG" "$MEM_CG"
  echo $PERIOD > "$CPU_CG/cpu.cfs_period_us"
  echo "$QUOTA" > "$CPU_CG/cpu.cfs_quota_us"
  to_bytes "$MEM" > "$MEM_CG/memory.limit_in_bytes"
  cleanup() { sleep 0.2; rmdir "$CPU_CG" "$MEM_CG" 2>/dev/null || true; }
  trap cleanup EXIT
  echo "edge-sim: cpu quota ${QUOTA}/${PERIOD} us, memory $MEM (cgroup v1 $NAME)" >&2
  # Join the cgroups in a subshell so only the command (and its children) is limited.
  ( echo $BASHPID > "$CPU_CG/cgroup.procs"; echo $BASHPID > "$MEM_CG/cgroup.procs"; exec "$@" )
else
  CG=/sys/fs/cgroup/$NAME
  mkdir -p "$CG"
  echo "$QUOTA $PERIOD" > "$CG/cpu.max"
  to_bytes "$MEM" > "$CG/memory.max"
  trap 'sleep 0.2; rmdir "$CG" 2>/dev/null || true' EXIT
  echo "edge-sim: cpu.max $QUOTA $PERIOD, memory $MEM (cgroup v2 $NAME)" >&2
  ( echo $BASHPID > "$CG/cgroup.procs"; exec "$@" )
fi
