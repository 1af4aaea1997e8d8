package io.vigie.video.internal;

import java.util.function.LongSupplier;

/**
 * Back-off between reconnect attempts: min, 2·min, 4·min … capped at max. With a fast window, the delays of
 * the first {@code fastWindowMs} of an outage (from its first failure) are also capped at {@code fastCapMs}:
 * a source back after a camera reboot or a network blip is reopened within fastCap plus its open time,
 * instead of waiting out a delay that doubled meanwhile; a source gone for longer than the window is then
 * retried ever more rarely, up to max. Not thread-safe.
 */
public final class Backoff {
    /** Delay ceiling during the fast window: recovery ≤ this + open + first frame (issue 11: ≤ 5 s). */
    public static final long FAST_CAP_MS = 2000;
    /** How long an outage is retried at least every {@link #FAST_CAP_MS}. */
    public static final long FAST_WINDOW_MS = 10 * 60_000L;

    private final long minMs;
    private final long maxMs;
    private final long fastCapMs;
    private final long fastWindowMs;
    private final LongSupplier clockMs;
    private long nextMs;
    private long outageStartMs = -1; // first failure since the last reset, -1 = none

    /** Plain doubling from min to max, no fast window. */
    public Backoff(long minMs, long maxMs) {
        this(minMs, maxMs, maxMs, 0, () -> 0);
    }

    /**
     * @param fastCapMs    ceiling of the delays during the fast window (used as min when smaller than min)
     * @param fastWindowMs length of the fast window from an outage's first failure (0 = none)
     * @param clockMs      monotonic milliseconds (injected for tests)
     */
    public Backoff(long minMs, long maxMs, long fastCapMs, long fastWindowMs, LongSupplier clockMs) {
        if (minMs <= 0 || maxMs < minMs) throw new IllegalArgumentException("back-off must satisfy 0 < min <= max");
        if (fastWindowMs < 0) throw new IllegalArgumentException("fast window must be >= 0");
        this.minMs = minMs;
        this.maxMs = maxMs;
        this.fastCapMs = Math.max(minMs, Math.min(fastCapMs, maxMs));
        this.fastWindowMs = fastWindowMs;
        this.clockMs = clockMs;
        this.nextMs = minMs;
    }

    /** The delay to wait now; the following one doubles (up to max, or the fast cap inside the window). */
    public long next() {
        long now = clockMs.getAsLong();
        if (outageStartMs < 0) outageStartMs = now;
        long d = nextMs;
        // the doubling goes on underneath, so a long outage leaves the window already at its slow pace
        nextMs = nextMs > maxMs / 2 ? maxMs : Math.min(maxMs, nextMs * 2);
        return now - outageStartMs < fastWindowMs ? Math.min(d, fastCapMs) : d;
    }

    /** After a success: the next failure waits min again and starts a new outage. */
    public void reset() {
        nextMs = minMs;
        outageStartMs = -1;
    }
}
