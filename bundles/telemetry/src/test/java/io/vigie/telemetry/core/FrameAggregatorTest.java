package io.vigie.telemetry.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class FrameAggregatorTest {
    @Test
    void windowAggregatesAndRestarts() {
        FrameAggregator a = new FrameAggregator(100, 10_000);
        for (int i = 1; i <= 20; i++) {
            if (i == 10 || i == 11) continue; // two frames never reached us
            a.add(Frames.frame(i, i * 10.0, i % 3 == 0 ? 2 : 0));
        }
        FrameAggregator.Window w = a.drain(12_000);
        assertEquals(18, w.frames());
        assertEquals(2.0, w.seconds(), 1e-9);
        assertEquals(9.0, w.fps(), 1e-9);
        assertEquals(2, w.sequenceGaps());
        assertEquals(2, w.personsMax());
        assertEquals(6, w.framesWithPersons()); // 3,6,9,12,15,18
        // totals 10..200 without 100 and 110: nearest rank p50 of 18 values = 9th = 90
        assertEquals(90, w.p50(), 1e-9);
        assertEquals(200, w.p99(), 1e-9);
        assertEquals(200, w.max(), 1e-9);
        assertSame(Frames.INT8, w.model());
        assertEquals(20, w.lastSequence());

        FrameAggregator.Window empty = a.drain(13_000);
        assertEquals(0, empty.frames());
        assertEquals(0, empty.fps(), 1e-9);
        assertTrue(Double.isNaN(empty.p50()));
        assertEquals(0, empty.sequenceGaps());
        a.add(Frames.frame(25, 5, 0));
        assertEquals(4, a.drain(14_000).sequenceGaps(), "gap counted across windows (21..24)");
    }

    @Test
    void sourceRestartIsNotAGap() {
        FrameAggregator a = new FrameAggregator(10, 0);
        a.add(Frames.frame(500, 5, 0));
        a.add(Frames.frame(1, 5, 0)); // looped file starts again
        a.add(Frames.frame(2, 5, 0));
        assertEquals(0, a.drain(1000).sequenceGaps());
    }
}
