package io.vigie.tools.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class StatsTest {
    @Test
    void nearestRankPercentiles() {
        double[] v = new double[100];
        for (int i = 0; i < 100; i++) v[99 - i] = i + 1; // 100..1, unsorted on purpose
        assertEquals(50, Stats.percentile(v, 50));
        assertEquals(95, Stats.percentile(v, 95));
        assertEquals(1, Stats.percentile(v, 0));
        assertEquals(100, Stats.percentile(v, 100));
        assertEquals(100, v[0], "input not sorted in place");
    }

    @Test
    void smallSamples() {
        assertEquals(7, Stats.percentile(new double[] { 7 }, 95));
        assertEquals(2, Stats.percentile(new double[] { 3, 1, 2 }, 50));
        assertEquals(3, Stats.percentile(new double[] { 3, 1, 2 }, 95));
        assertTrue(Double.isNaN(Stats.percentile(new double[0], 50)));
        assertThrows(IllegalArgumentException.class, () -> Stats.percentile(new double[] { 1 }, 101));
    }

    @Test
    void meanAndMax() {
        assertEquals(2.5, Stats.mean(new double[] { 1, 2, 3, 4 }));
        assertEquals(4, Stats.max(new double[] { 1, 4, 3 }));
        assertTrue(Double.isNaN(Stats.mean(new double[0])));
    }
}
