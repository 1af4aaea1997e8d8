package io.vigie.telemetry.core;

import java.util.function.LongSupplier;

/**
 * Token bucket bounding the message rate: {@code ratePerSecond} tokens refill continuously up to
 * {@code burst}. Normal messages need a whole token ({@link #tryAcquire}); urgent ones always pass
 * ({@link #forceAcquire}) but still take their token, so the bucket may go into debt (down to
 * {@code -burst}) and normal traffic pauses until the debt is repaid. Thread-safe.
 */
public final class TokenBucket {
    private final double ratePerNano;
    private final double burst;
    private final LongSupplier nanoClock;
    private double tokens;
    private long last;

    /**
     * @param ratePerSecond sustained messages per second (&gt; 0)
     * @param burst         bucket size, messages that may go at once after a quiet period (&ge; 1)
     * @param nanoClock     monotonic clock in nanoseconds (System::nanoTime; a fake in tests)
     */
    public TokenBucket(double ratePerSecond, int burst, LongSupplier nanoClock) {
        if (!(ratePerSecond > 0) || Double.isInfinite(ratePerSecond))
            throw new IllegalArgumentException("rate must be > 0 messages/s: " + ratePerSecond);
        if (burst < 1) throw new IllegalArgumentException("burst must be >= 1: " + burst);
        this.ratePerNano = ratePerSecond / 1e9;
        this.burst = burst;
        this.nanoClock = nanoClock;
        this.tokens = burst;
        this.last = nanoClock.getAsLong();
    }

    /** Takes a token if one is available; false = over the rate, the caller drops (and counts) the message. */
    public synchronized boolean tryAcquire() {
        refill();
        if (tokens >= 1) {
            tokens -= 1;
            return true;
        }
        return false;
    }

    /** Takes a token even when none is left (urgent messages); the debt is capped at {@code -burst}. */
    public synchronized void forceAcquire() {
        refill();
        tokens = Math.max(-burst, tokens - 1);
    }

    /** Current tokens (negative = debt), for status and tests. */
    public synchronized double available() {
        refill();
        return tokens;
    }

    private void refill() {
        long now = nanoClock.getAsLong();
        long dt = now - last;
        if (dt > 0) {
            tokens = Math.min(burst, tokens + dt * ratePerNano);
            last = now;
        }
    }
}
