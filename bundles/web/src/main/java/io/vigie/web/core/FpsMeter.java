package io.vigie.web.core;

/** Frames per second over the last N frame timestamps (ms). Thread-safe. */
public final class FpsMeter {
    private final long[] stamps;
    private int next;
    private int size;

    public FpsMeter(int window) {
        if (window < 2) throw new IllegalArgumentException("window must be >= 2");
        stamps = new long[window];
    }

    public synchronized void mark(long millis) {
        stamps[next] = millis;
        next = (next + 1) % stamps.length;
        if (size < stamps.length) size++;
    }

    /** 0 until two frames were seen. */
    public synchronized double fps() {
        if (size < 2) return 0;
        long newest = stamps[(next - 1 + stamps.length) % stamps.length];
        long oldest = stamps[(next - size + stamps.length) % stamps.length];
        long span = newest - oldest;
        return span <= 0 ? 0 : (size - 1) * 1000.0 / span;
    }
}
