package io.vigie.detector.core;

/**
 * Frames per second over the last N frames (ring of nanosecond timestamps, no allocation per frame). Thread-safe:
 * the inference thread ticks, status readers ask.
 */
public final class FpsMeter {
    private final long[] ring;
    private int next;
    private int size;

    public FpsMeter(int window) {
        if (window < 2) throw new IllegalArgumentException("window must be >= 2 frames, got " + window);
        ring = new long[window];
    }

    public synchronized void tick(long nanos) {
        ring[next] = nanos;
        next = (next + 1) % ring.length;
        if (size < ring.length) size++;
    }

    /**
     * The rate at {@code nowNanos} (same clock as the ticks): 0 until two frames were seen. While frames keep
     * coming it is the window's frame count over its span; once the wait since the last frame exceeds the window's
     * mean interval, that wait counts too, so a stalled source decays towards 0 instead of showing its last rate.
     */
    public synchronized double fps(long nowNanos) {
        if (size < 2) return 0;
        long newest = ring[(next - 1 + ring.length) % ring.length];
        long oldest = ring[(next - size + ring.length) % ring.length];
        long span = newest - oldest;
        if (span <= 0) return 0;
        int intervals = size - 1;
        long stalledSpan = nowNanos - oldest - span / intervals;
        return intervals * 1e9 / Math.max(span, stalledSpan);
    }
}
