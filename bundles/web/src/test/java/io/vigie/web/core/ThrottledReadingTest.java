package io.vigie.web.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

class ThrottledReadingTest {
    @Test
    void readsTheSourceAtMostOncePerPeriod() {
        AtomicLong clock = new AtomicLong(5_000);
        AtomicInteger reads = new AtomicInteger();
        ThrottledReading fps = new ThrottledReading(() -> 10.0 * reads.incrementAndGet(), 1_000, clock::get);
        assertEquals(10.0, fps.get(), "first call reads");
        for (int i = 0; i < 50; i++) {
            clock.addAndGet(19); // 950 ns of frames: still the first reading
            assertEquals(10.0, fps.get());
        }
        assertEquals(1, reads.get());
        clock.addAndGet(50); // a period after the first read
        assertEquals(20.0, fps.get());
        assertEquals(20.0, fps.get());
        assertEquals(2, reads.get());
    }
}
