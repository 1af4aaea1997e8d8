package io.vigie.telemetry.core;

import java.util.Arrays;

/**
 * The last {@code capacity} samples of a value (e.g. total.ms per frame) and their percentiles
 * (nearest rank). Cleared at each metrics period, so percentiles describe that period only; at
 * high frame rates the newest {@code capacity} samples of the period are kept. Not thread-safe.
 */
public final class PercentileWindow {
    private final double[] ring;
    private int size;
    private int next;

    public PercentileWindow(int capacity) {
        if (capacity < 1) throw new IllegalArgumentException("capacity must be >= 1: " + capacity);
        ring = new double[capacity];
    }

    public void add(double v) {
        if (!Double.isFinite(v)) return; // a NaN timing must not poison the percentiles
        ring[next] = v;
        next = (next + 1) % ring.length;
        if (size < ring.length) size++;
    }

    public int size() {
        return size;
    }

    public void clear() {
        size = 0;
        next = 0;
    }

    /**
     * Percentiles by nearest rank (p in (0,100]) over the samples held; NaN for each when empty.
     * One sort for all requested percentiles.
     */
    public double[] percentiles(double... ps) {
        double[] out = new double[ps.length];
        if (size == 0) {
            Arrays.fill(out, Double.NaN);
            return out;
        }
        double[] s = Arrays.copyOf(ring, size);
        Arrays.sort(s);
        for (int i = 0; i < ps.length; i++) {
            double p = ps[i];
            if (!(p > 0 && p <= 100)) throw new IllegalArgumentException("percentile must be in (0,100]: " + p);
            int rank = (int) Math.ceil(p / 100.0 * size);
            out[i] = s[Math.max(1, rank) - 1];
        }
        return out;
    }
}
