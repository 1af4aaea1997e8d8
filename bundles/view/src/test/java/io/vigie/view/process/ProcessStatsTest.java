package io.vigie.view.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProcessStatsTest {
    @TempDir
    Path dir;

    @Test
    void rssAndCpuFromProcfs() throws Exception {
        Files.writeString(dir.resolve("status"), "Name:\tjava\nVmPeak:\t 999 kB\nVmRSS:\t  204800 kB\nThreads:\t40\n");
        // comm with a space and a ')' inside; utime=300 stime=100 ticks
        Files.writeString(dir.resolve("stat"), "1234 (my (java) x) S 1 1234 1234 0 -1 4194560 5 0 0 0 300 100 0 0 20 0 40 0\n");
        long[] nanos = { 1_000_000_000L };
        ProcessStats ps = new ProcessStats(dir, () -> nanos[0]);
        assertEquals(204800L * 1024, ps.rssBytes());
        assertEquals(-1, ps.cpuPercent(), 1e-9, "no baseline yet");
        Files.writeString(dir.resolve("stat"), "1234 (my (java) x) S 1 1234 1234 0 -1 4194560 5 0 0 0 450 150 0 0 20 0 40 0\n");
        nanos[0] += 2_000_000_000L;
        // 200 ticks = 2 s of CPU in 2 s = one full core
        assertEquals(100.0, ps.cpuPercent(), 1e-9);
    }

    @Test
    void unknownWithoutProcfs() {
        ProcessStats ps = new ProcessStats(dir.resolve("missing"), System::nanoTime);
        assertEquals(-1, ps.rssBytes());
        ps.cpuPercent();
        assertEquals(-1, ps.cpuPercent(), 1e-9);
    }

    @Test
    void realProcSelfOnLinux() {
        ProcessStats ps = new ProcessStats(Path.of("/proc/self"), System::nanoTime);
        assertTrue(ps.rssBytes() > 1024 * 1024, "a JVM uses more than 1 MB");
        assertTrue(ps.cpuTicks() >= 0);
    }
}
