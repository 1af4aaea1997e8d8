package io.vigie.view.process;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.LongSupplier;

/**
 * Process CPU and memory from Linux procfs, so native threads (TFLite/XNNPACK, FFmpeg) count too,
 * which JMX thread times would miss. CPU % is of one core, like top (2 busy cores = 200).
 * Elsewhere (no procfs) the values are -1.
 */
public final class ProcessStats {
    /** USER_HZ: 100 on every Linux arch Kura runs on (x86_64, arm64, armhf). */
    public static final double CLOCK_TICKS_PER_S = 100.0;

    private final Path stat;
    private final Path status;
    private final LongSupplier nanoClock;
    private long lastTicks = -1;
    private long lastNanos;

    public ProcessStats(Path procSelf, LongSupplier nanoClock) {
        this.stat = procSelf.resolve("stat");
        this.status = procSelf.resolve("status");
        this.nanoClock = nanoClock;
    }

    /** Resident set size in bytes (VmRSS), or -1 if unknown. */
    public long rssBytes() {
        try {
            for (String line : Files.readAllLines(status, StandardCharsets.UTF_8)) {
                if (line.startsWith("VmRSS:")) {
                    String[] f = line.substring(6).trim().split("\\s+");
                    long kb = Long.parseLong(f[0]);
                    return kb * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            // no procfs (not Linux) or an unexpected format: unknown
        }
        return -1;
    }

    /**
     * CPU used by the whole process since the previous call, in % of one core; -1 on the first call
     * or when unknown. Called once per metrics period, so it is the period's average.
     */
    public synchronized double cpuPercent() {
        long ticks = cpuTicks();
        long now = nanoClock.getAsLong();
        double pct = -1;
        if (ticks >= 0 && lastTicks >= 0 && now > lastNanos) {
            pct = (ticks - lastTicks) / CLOCK_TICKS_PER_S / ((now - lastNanos) / 1e9) * 100.0;
        }
        lastTicks = ticks;
        lastNanos = now;
        return pct;
    }

    /** utime + stime of /proc/self/stat (fields 14 and 15; the command name in field 2 may hold spaces). */
    public long cpuTicks() {
        try {
            String s = Files.readString(stat, StandardCharsets.UTF_8);
            int close = s.lastIndexOf(')');
            String[] f = s.substring(close + 2).trim().split("\\s+");
            // f[0] is field 3 (state): utime = field 14 -> f[11], stime = field 15 -> f[12]
            return Long.parseLong(f[11]) + Long.parseLong(f[12]);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }
}
