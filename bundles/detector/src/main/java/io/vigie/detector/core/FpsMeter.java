package io.vigie.detector.core;

/** Frames per second over the last N frames (ring of timestamps, no allocation per frame). */
public final class FpsMeter {
    private final long[] ring;
    private int next;
    private long count;

    public FpsMeter(int window) {
        ring = new long[window];
    }

    public synchronized void tick(long nanos) {
        ring[next] = nanos;
        next = (next + 1) % ring.length;
        count++;
    }

    public synchronized double fps() {
        int n = (int) Math.min(count, ring.length);
        if (n < 2) return 0;
        long newest = ring[(next - 1 + ring.length) % ring.length];
        long oldest = ring[(next - n + ring.length) % ring.length];
        return newest == oldest ? 0 : (n - 1) * 1e9 / (newest - oldest);
    }
}
