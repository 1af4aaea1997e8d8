package io.vigie.telemetry.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class TokenBucketTest {
    final FakeClock clock = new FakeClock();

    @Test
    void burstThenRate() {
        TokenBucket b = new TokenBucket(2.0, 3, clock);
        assertTrue(b.tryAcquire());
        assertTrue(b.tryAcquire());
        assertTrue(b.tryAcquire());
        assertFalse(b.tryAcquire(), "burst of 3 used up");
        clock.advanceMillis(499);
        assertFalse(b.tryAcquire(), "0.998 token after 499 ms at 2/s");
        clock.advanceMillis(1);
        assertTrue(b.tryAcquire(), "one token after 500 ms at 2/s");
        assertFalse(b.tryAcquire());
    }

    @Test
    void refillIsCappedAtBurst() {
        TokenBucket b = new TokenBucket(10.0, 2, clock);
        clock.advanceMillis(60_000);
        assertEquals(2.0, b.available(), 1e-9);
    }

    @Test
    void urgentAlwaysPassesAndPutsTheBucketInDebt() {
        TokenBucket b = new TokenBucket(1.0, 2, clock);
        for (int i = 0; i < 5; i++) b.forceAcquire();
        // 2 tokens - 5 urgent = -3, capped at -burst = -2
        assertEquals(-2.0, b.available(), 1e-9);
        clock.advanceMillis(2_999);
        assertFalse(b.tryAcquire(), "normal traffic waits until the debt is repaid");
        clock.advanceMillis(1);
        assertTrue(b.tryAcquire());
    }

    @Test
    void sustainedRateIsBounded() {
        TokenBucket b = new TokenBucket(5.0, 5, clock);
        int sent = 0;
        for (int ms = 0; ms < 10_000; ms += 10) {
            if (b.tryAcquire()) sent++;
            clock.advanceMillis(10);
        }
        // 10 s at 5/s plus the initial burst of 5
        assertTrue(sent <= 55 && sent >= 54, "sent " + sent);
    }

    @Test
    void badArguments() {
        assertThrows(IllegalArgumentException.class, () -> new TokenBucket(0, 1, clock));
        assertThrows(IllegalArgumentException.class, () -> new TokenBucket(Double.NaN, 1, clock));
        assertThrows(IllegalArgumentException.class, () -> new TokenBucket(1, 0, clock));
    }
}
