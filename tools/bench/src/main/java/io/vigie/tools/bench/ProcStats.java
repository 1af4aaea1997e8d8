package io.vigie.tools.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

/** Reads a process's resident memory and CPU time from Linux /proc (no agent in the measured JVM). */
public final class ProcStats {
    private ProcStats() {
    }

    /** VmRSS in kB from the text of /proc/PID/status; empty if the line is missing (e.g. a zombie). */
    public static OptionalLong vmRssKb(String statusText) {
        return statusKb(statusText, "VmRSS");
    }

    /**
     * A kB field of /proc/PID/status (VmRSS = RssAnon + RssFile + RssShmem: anonymous memory is heap,
     * native allocations and thread stacks; file pages are mapped jars and native libraries).
     */
    public static OptionalLong statusKb(String statusText, String field) {
        String prefix = field + ":";
        for (String line : statusText.split("\n")) {
            if (!line.startsWith(prefix)) continue;
            String[] parts = line.substring(prefix.length()).trim().split("\\s+");
            if (parts.length < 1 || parts[0].isEmpty()) break;
            long v = Long.parseLong(parts[0]);
            if (parts.length > 1 && !parts[1].equalsIgnoreCase("kB"))
                throw new IllegalArgumentException("unexpected " + field + " unit: " + line);
            return OptionalLong.of(v);
        }
        return OptionalLong.empty();
    }

    /**
     * utime + stime (clock ticks) from the text of /proc/PID/stat. The command name (field 2) may
     * contain spaces and parentheses, so fields are counted after the last ')'.
     */
    public static long cpuTicks(String statText) {
        int close = statText.lastIndexOf(')');
        if (close < 0) throw new IllegalArgumentException("not a /proc/PID/stat line: " + statText);
        String[] f = statText.substring(close + 1).trim().split("\\s+");
        // after ')': state(3) ppid(4) ... utime(14) stime(15) -> indexes 11 and 12
        if (f.length < 13) throw new IllegalArgumentException("short /proc/PID/stat line: " + statText);
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }

    public static OptionalLong vmRssKb(long pid) {
        return status(pid).map(ProcStats::vmRssKb).orElse(OptionalLong.empty());
    }

    public static java.util.Optional<String> status(long pid) {
        try {
            return java.util.Optional.of(Files.readString(Path.of("/proc", Long.toString(pid), "status")));
        } catch (IOException e) {
            return java.util.Optional.empty();
        }
    }

    public static OptionalLong cpuTicks(long pid) {
        try {
            return OptionalLong.of(cpuTicks(Files.readString(Path.of("/proc", Long.toString(pid), "stat"))));
        } catch (IOException | RuntimeException e) {
            return OptionalLong.empty();
        }
    }

    /** USER_HZ: 100 on every mainstream Linux build; `getconf CLK_TCK` is asked when available. */
    public static long clockTicksPerSecond() {
        try {
            Process p = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes()).trim();
            if (p.waitFor() == 0) return Long.parseLong(out);
        } catch (IOException | RuntimeException e) {
            // fall through
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 100;
    }

    /** Total memory usage of the cgroup v1 memory controller the process is in (max seen), or empty. */
    public static OptionalLong cgroupMaxUsageBytes(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "cgroup"))) {
                String[] f = line.split(":", 3);
                if (f.length == 3 && f[1].contains("memory") && !f[2].equals("/")) {
                    Path p = Path.of("/sys/fs/cgroup/memory" + f[2], "memory.max_usage_in_bytes");
                    if (Files.exists(p)) return OptionalLong.of(Long.parseLong(Files.readString(p).trim()));
                }
            }
        } catch (IOException | RuntimeException e) {
            // not available (cgroup v2, no permission): the report says null
        }
        return OptionalLong.empty();
    }
}
