package io.vigie.tools.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.OptionalLong;

import org.junit.jupiter.api.Test;

class ProcStatsTest {
    static final String STATUS = "Name:\tjava\nUmask:\t0022\nState:\tS (sleeping)\nVmPeak:\t 4012345 kB\nVmSize:\t 3912345 kB\n"
            + "VmHWM:\t  250000 kB\nVmRSS:\t  243712 kB\nRssAnon:\t  200000 kB\nThreads:\t42\n";

    @Test
    void rssFromStatus() {
        assertEquals(OptionalLong.of(243712), ProcStats.vmRssKb(STATUS));
        assertEquals(OptionalLong.of(200000), ProcStats.statusKb(STATUS, "RssAnon"));
        assertTrue(ProcStats.statusKb(STATUS, "RssFile").isEmpty());
        assertThrows(IllegalArgumentException.class, () -> ProcStats.statusKb("VmRSS:\t12 MB\n", "VmRSS"));
    }

    @Test
    void noRssLineForAZombie() {
        assertTrue(ProcStats.vmRssKb("Name:\tjava\nState:\tZ (zombie)\n").isEmpty());
    }

    @Test
    void cpuTicksSkipCommandNameWithSpacesAndParens() {
        // pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime ...
        String stat = "1234 (java (x) y) S 1 1234 1234 0 -1 4194560 5000 0 3 0 731 269 0 0 20 0 42 0 100 4000000 60000";
        assertEquals(1000, ProcStats.cpuTicks(stat));
    }

    @Test
    void garbageStatIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> ProcStats.cpuTicks("no parens here"));
        assertThrows(IllegalArgumentException.class, () -> ProcStats.cpuTicks("1 (java) S 1 2"));
    }

    @Test
    void ownProcessIsReadable() {
        long pid = ProcessHandle.current().pid();
        assertTrue(ProcStats.vmRssKb(pid).getAsLong() > 1000, "a JVM uses more than 1 MB");
        assertTrue(ProcStats.cpuTicks(pid).isPresent());
        assertTrue(ProcStats.vmRssKb(Long.MAX_VALUE).isEmpty());
    }
}
