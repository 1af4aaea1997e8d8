package io.vigie.web.core;

import java.util.Arrays;

/**
 * Cumulative latency histogram (Prometheus style: fixed upper bounds in seconds, sum, count) plus a
 * ring of the most recent samples for exact recent percentiles. Thread-safe.
 */
public final class LatencyHistogram {
    /** Upper bounds in seconds, 10 ms .. 1 s, suited to per-frame edge inference. */
    public static final double[] DEFAULT_BOUNDS = { 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 0.75, 1.0 };

    /** Immutable copy for exposition; {@code cumulative[i]} counts samples <= bounds[i]. */
    public record Snapshot(double[] bounds, long[] cumulative, long count, double sum) {
    }

    private final double[] bounds;
    private final long[] counts; // per bucket, last one is +Inf
    private final double[] window;
    private long count;
    private double sum;
    private int windowNext;
    private int windowSize;

    public LatencyHistogram() {
        this(DEFAULT_BOUNDS, 512);
    }

    public LatencyHistogram(double[] bounds, int windowCapacity) {
        if (bounds.length == 0) throw new IllegalArgumentException("no buckets");
        for (int i = 1; i < bounds.length; i++) {
            if (!(bounds[i] > bounds[i - 1])) throw new IllegalArgumentException("bucket bounds must increase");
        }
        if (windowCapacity < 1) throw new IllegalArgumentException("window must be >= 1");
        this.bounds = bounds.clone();
        this.counts = new long[bounds.length + 1];
        this.window = new double[windowCapacity];
    }

    /** Records one sample in seconds; negative or NaN samples are ignored. */
    public synchronized void observe(double seconds) {
        if (!(seconds >= 0) || Double.isInfinite(seconds)) return;
        int i = 0;
        while (i < bounds.length && seconds > bounds[i]) i++;
        counts[i]++;
        count++;
        sum += seconds;
        window[windowNext] = seconds;
        windowNext = (windowNext + 1) % window.length;
        if (windowSize < window.length) windowSize++;
    }

    public synchronized Snapshot snapshot() {
        long[] cum = new long[bounds.length];
        long c = 0;
        for (int i = 0; i < bounds.length; i++) {
            c += counts[i];
            cum[i] = c;
        }
        return new Snapshot(bounds.clone(), cum, count, sum);
    }

    public synchronized long count() {
        return count;
    }

    /**
     * Exact quantile (nearest rank) over the most recent samples, in seconds; NaN when empty.
     *
     * @param q 0..1
     */
    public synchronized double recentQuantile(double q) {
        if (q < 0 || q > 1) throw new IllegalArgumentException("quantile must be within 0..1: " + q);
        if (windowSize == 0) return Double.NaN;
        double[] s = Arrays.copyOf(window, windowSize);
        Arrays.sort(s);
        int rank = (int) Math.ceil(q * s.length);
        return s[Math.max(0, rank - 1)];
    }

    /**
     * Quantile estimated from the cumulative buckets by linear interpolation inside the bucket,
     * as Prometheus' histogram_quantile does; NaN when empty, the last bound when it falls in +Inf.
     */
    public synchronized double bucketQuantile(double q) {
        if (q < 0 || q > 1) throw new IllegalArgumentException("quantile must be within 0..1: " + q);
        if (count == 0) return Double.NaN;
        double target = q * count;
        long cum = 0;
        for (int i = 0; i < bounds.length; i++) {
            long prev = cum;
            cum += counts[i];
            if (cum >= target && counts[i] > 0) {
                double lo = i == 0 ? 0 : bounds[i - 1];
                return lo + (bounds[i] - lo) * (target - prev) / counts[i];
            }
        }
        return bounds[bounds.length - 1];
    }
}
