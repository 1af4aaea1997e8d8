package io.vigie.tools.bench;

import java.util.Arrays;
import java.util.Collection;

/** Small descriptive statistics over samples (nearest-rank percentiles, like tools/eval's BenchMain). */
public final class Stats {
    private Stats() {
    }

    /** Nearest-rank percentile (p in 0..100) of the samples; NaN when there are none. */
    public static double percentile(double[] samples, double p) {
        if (p < 0 || p > 100 || Double.isNaN(p)) throw new IllegalArgumentException("percentile must be in 0..100: " + p);
        if (samples.length == 0) return Double.NaN;
        double[] s = samples.clone();
        Arrays.sort(s);
        int k = (int) Math.ceil(p / 100.0 * s.length) - 1;
        return s[Math.max(0, Math.min(s.length - 1, k))];
    }

    public static double mean(double[] samples) {
        if (samples.length == 0) return Double.NaN;
        double sum = 0;
        for (double v : samples) sum += v;
        return sum / samples.length;
    }

    public static double max(double[] samples) {
        if (samples.length == 0) return Double.NaN;
        double m = Double.NEGATIVE_INFINITY;
        for (double v : samples) m = Math.max(m, v);
        return m;
    }

    public static double[] toArray(Collection<? extends Number> values) {
        return values.stream().mapToDouble(Number::doubleValue).toArray();
    }
}
