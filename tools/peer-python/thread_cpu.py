#!/usr/bin/env python3
"""CPU by thread of a running process, from /proc (no agent): which thread the cores go to.

Waits for a process whose command line contains PATTERN (e.g. vigie-gateway.jar or peer.py), waits DELAY s,
then reads utime+stime of every thread every 0.5 s for at most WINDOW s (or until the process ends: the bench
stops it) and prints cores per thread name over that span (digits folded: Jetty's qtp123-45 threads count as
one "qtp#-#"). Used for docs/BENCHMARKS.md "Peer benchmark".
Usage: thread_cpu.py PATTERN DELAY WINDOW
"""
import collections
import os
import re
import sys
import time

HZ = os.sysconf("SC_CLK_TCK")


def ticks(pid):
    out = {}
    for tid in os.listdir("/proc/%d/task" % pid):
        try:
            with open("/proc/%d/task/%s/stat" % (pid, tid)) as f:
                s = f.read()
        except OSError:
            continue  # thread ended
        fields = s[s.rindex(")") + 2:].split()
        out[tid] = (re.sub(r"\d+", "#", s[s.index("(") + 1:s.rindex(")")]), int(fields[11]) + int(fields[12]))
    return out


def find(pattern):
    me = os.getpid()
    for p in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open("/proc/%s/cmdline" % p, "rb") as f:
                argv = f.read().split(b"\0")
        except OSError:
            continue
        # the measured interpreter itself, not a wrapper script or this sampler
        if int(p) != me and pattern.encode() in b" ".join(argv) and os.path.basename(argv[0]).decode().startswith(
                ("java", "python")):
            return int(p)
    return None


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    pattern, delay, window = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
    pid = find(pattern)
    while pid is None:
        time.sleep(0.2)
        pid = find(pattern)
    time.sleep(delay)
    a, t0 = ticks(pid), time.time()
    b, dt = a, 0.0
    while time.time() - t0 < window:
        time.sleep(0.5)
        try:
            b, dt = ticks(pid), time.time() - t0
        except FileNotFoundError:
            break  # ended: keep the last snapshot
    if dt == 0:
        sys.exit("process %d ended before the window" % pid)
    per = collections.Counter()
    for tid, (name, t) in b.items():
        per[name] += t - a.get(tid, (name, 0))[1]
    total = sum(per.values())
    print("pid %d (%s): %.2f cores over %.1f s" % (pid, pattern, total / HZ / dt, dt))
    for name, t in per.most_common(10):
        if t:
            print("  %-18s %.3f cores %3.0f %%" % (name, t / HZ / dt, 100.0 * t / max(1, total)))


if __name__ == "__main__":
    main()
