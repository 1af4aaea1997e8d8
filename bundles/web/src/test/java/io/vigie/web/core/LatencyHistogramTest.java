package io.vigie.web.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class LatencyHistogramTest {
    @Test
    void bucketsAreCumulativeWithInclusiveUpperBounds() {
        LatencyHistogram h = new LatencyHistogram(new double[] { 0.01, 0.1, 1 }, 16);
        for (double v : new double[] { 0.005, 0.01, 0.05, 0.1, 0.5, 2.0 }) h.observe(v);
        h.observe(-1);
        h.observe(Double.NaN);
        LatencyHistogram.Snapshot s = h.snapshot();
        assertArrayEquals(new long[] { 2, 4, 5 }, s.cumulative());
        assertEquals(6, s.count(), "+Inf holds everything; bad samples ignored");
        assertEquals(2.665, s.sum(), 1e-9);
    }

    @Test
    void recentQuantilesAreExactOverTheWindow() {
        LatencyHistogram h = new LatencyHistogram(LatencyHistogram.DEFAULT_BOUNDS, 100);
        assertTrue(Double.isNaN(h.recentQuantile(0.5)));
        for (int i = 1; i <= 100; i++) h.observe(i / 1000.0); // 1..100 ms
        assertEquals(0.050, h.recentQuantile(0.50), 1e-12);
        assertEquals(0.095, h.recentQuantile(0.95), 1e-12);
        assertEquals(0.099, h.recentQuantile(0.99), 1e-12);
        assertEquals(0.100, h.recentQuantile(1.0), 1e-12);
        // the window forgets: 100 new samples of 1 s replace the old ones
        for (int i = 0; i < 100; i++) h.observe(1.0);
        assertEquals(1.0, h.recentQuantile(0.5), 1e-12);
        assertEquals(200, h.count(), "cumulative count keeps everything");
        assertThrows(IllegalArgumentException.class, () -> h.recentQuantile(1.5));
    }

    @Test
    void bucketQuantileInterpolatesInsideTheBucket() {
        LatencyHistogram h = new LatencyHistogram(new double[] { 0.1, 0.2 }, 8);
        for (int i = 0; i < 4; i++) h.observe(0.05); // bucket (0,0.1]
        for (int i = 0; i < 4; i++) h.observe(0.15); // bucket (0.1,0.2]
        assertEquals(0.05, h.bucketQuantile(0.25), 1e-12); // 2 of 4 in first bucket -> halfway
        assertEquals(0.1, h.bucketQuantile(0.5), 1e-12);
        assertEquals(0.15, h.bucketQuantile(0.75), 1e-12);
        h.observe(5);
        assertEquals(0.2, h.bucketQuantile(1.0), 1e-12, "+Inf bucket reports the last bound");
    }

    @Test
    void rejectsBadBounds() {
        assertThrows(IllegalArgumentException.class, () -> new LatencyHistogram(new double[] { 0.2, 0.1 }, 8));
        assertThrows(IllegalArgumentException.class, () -> new LatencyHistogram(new double[0], 8));
    }
}
