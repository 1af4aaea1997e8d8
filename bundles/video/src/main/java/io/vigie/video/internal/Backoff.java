package io.vigie.video.internal;

/** Exponential back-off between reconnect attempts: min, 2·min, 4·min … capped at max. Not thread-safe. */
public final class Backoff {
    private final long minMs;
    private final long maxMs;
    private long nextMs;

    public Backoff(long minMs, long maxMs) {
        if (minMs <= 0 || maxMs < minMs) throw new IllegalArgumentException("back-off must satisfy 0 < min <= max");
        this.minMs = minMs;
        this.maxMs = maxMs;
        this.nextMs = minMs;
    }

    /** The delay to wait now; the following one doubles (up to max). */
    public long next() {
        long d = nextMs;
        nextMs = nextMs > maxMs / 2 ? maxMs : Math.min(maxMs, nextMs * 2);
        return d;
    }

    /** After a success: the next failure waits min again. */
    public void reset() { nextMs = minMs; }
}
