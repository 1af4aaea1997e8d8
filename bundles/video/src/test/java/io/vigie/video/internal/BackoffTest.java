package io.vigie.video.internal;

import static org.junit.jupiter.api.Assertions.*;

import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

/** The reconnect policy on an injected clock: fast window, then the slow doubling, reset per outage. */
class BackoffTest {
    final AtomicLong now = new AtomicLong(1_000);

    Backoff policy() {
        return new Backoff(500, 30_000, 2_000, 60_000, now::get);
    }

    /** Waits each delay on the fake clock, returns the delays. */
    long[] run(Backoff b, int n) {
        long[] d = new long[n];
        for (int i = 0; i < n; i++) {
            d[i] = b.next();
            now.addAndGet(d[i]);
        }
        return d;
    }

    @Test
    void insideTheFastWindowNoDelayExceedsTheCap() {
        Backoff b = policy();
        assertArrayEquals(new long[] {500, 1000, 2000, 2000, 2000}, run(b, 5),
                "a source back 8 s into an outage waits at most 2 s, not the 8 s plain doubling has reached");
    }

    @Test
    void pastTheWindowItGrowsToMaxFromWhereTheDoublingGot() {
        Backoff b = policy();
        long[] fast = run(b, 5);
        assertEquals(2000, fast[4]);
        now.set(1_000 + 60_000); // the window ends exactly here
        assertEquals(16_000, b.next(), "the doubling went on underneath the cap");
        assertEquals(30_000, b.next());
        assertEquals(30_000, b.next(), "max stays the ceiling");
    }

    @Test
    void resetStartsANewOutageWithItsOwnWindow() {
        Backoff b = policy();
        run(b, 3);
        now.addAndGet(120_000); // long after: still the same outage, window over
        assertEquals(4000, b.next());
        b.reset();
        now.addAndGet(1);
        assertEquals(500, b.next(), "min again after a success");
        assertArrayEquals(new long[] {1000, 2000, 2000}, run(b, 3), "the new outage has a fresh fast window");
    }

    @Test
    void theWindowIsTimedFromTheFirstFailureNotFromConstruction() {
        Backoff b = policy();
        now.addAndGet(10 * 60_000); // a source that ran for 10 min before failing
        assertArrayEquals(new long[] {500, 1000, 2000, 2000}, run(b, 4));
    }

    @Test
    void capNeverBelowMinNorAboveMax() {
        Backoff small = new Backoff(3000, 30_000, 2000, 60_000, now::get);
        assertEquals(3000, small.next(), "a cap under min means min");
        assertEquals(3000, small.next());
        Backoff low = new Backoff(100, 300, 2000, 60_000, now::get);
        assertArrayEquals(new long[] {100, 200, 300, 300}, run(low, 4), "max below the cap wins");
        Backoff none = new Backoff(100, 1000, 200, 0, now::get);
        assertArrayEquals(new long[] {100, 200, 400, 800, 1000}, run(none, 5), "window 0: plain doubling");
        assertThrows(IllegalArgumentException.class, () -> new Backoff(100, 1000, 200, -1, now::get));
    }
}
