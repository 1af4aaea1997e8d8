package io.vigie.telemetry.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PercentileWindowTest {
    @Test
    void nearestRank() {
        PercentileWindow w = new PercentileWindow(1000);
        for (int i = 100; i >= 1; i--) w.add(i); // order must not matter
        assertArrayEquals(new double[] { 50, 95, 99, 100 }, w.percentiles(50, 95, 99, 100));
        assertEquals(100, w.size());
    }

    @Test
    void smallSamples() {
        PercentileWindow w = new PercentileWindow(10);
        w.add(7);
        assertArrayEquals(new double[] { 7, 7, 7 }, w.percentiles(50, 95, 99));
        w.add(3);
        assertArrayEquals(new double[] { 3, 7 }, w.percentiles(50, 99));
    }

    @Test
    void keepsTheNewestSamplesAndClears() {
        PercentileWindow w = new PercentileWindow(4);
        for (int i = 1; i <= 10; i++) w.add(i);
        assertEquals(4, w.size());
        assertArrayEquals(new double[] { 7, 10 }, w.percentiles(1, 100), "only 7..10 left");
        w.clear();
        assertTrue(Double.isNaN(w.percentiles(50)[0]));
    }

    @Test
    void ignoresNonFiniteAndRejectsBadPercentiles() {
        PercentileWindow w = new PercentileWindow(4);
        w.add(Double.NaN);
        w.add(Double.POSITIVE_INFINITY);
        assertEquals(0, w.size());
        assertThrows(IllegalArgumentException.class, () -> new PercentileWindow(0));
        w.add(1);
        assertThrows(IllegalArgumentException.class, () -> w.percentiles(0));
        assertThrows(IllegalArgumentException.class, () -> w.percentiles(101));
    }
}
