package io.vigie.detector.core;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

class FpsMeterTest {
    static final long MS = 1_000_000L;

    @Test
    void zeroUntilTwoFramesThenTheRateOverTheLastWindow() {
        FpsMeter m = new FpsMeter(5);
        assertEquals(0, m.fps(0));
        m.tick(0);
        assertEquals(0, m.fps(0));
        for (int i = 1; i < 10; i++) m.tick(i * 100 * MS); // 10 fps
        assertEquals(10.0, m.fps(900 * MS), 1e-9);
        for (int i = 0; i < 4; i++) m.tick(900 * MS + (i + 1) * 50 * MS); // then 20 fps: the window holds only those
        assertEquals(20.0, m.fps(1100 * MS), 1e-9);
    }

    @Test
    void aWaitShorterThanTheMeanIntervalChangesNothingALongerOneDecays() {
        FpsMeter m = new FpsMeter(30);
        for (int i = 0; i < 11; i++) m.tick(i * 40 * MS); // 25 fps, last tick at 400 ms
        assertEquals(25.0, m.fps(440 * MS), 1e-9);
        // stalled 1 s after the last frame: span 400 ms + (1000 - 40) ms of waiting beyond one interval
        assertEquals(10 * 1000.0 / 1360, m.fps(1400 * MS), 1e-9);
        assertTrue(m.fps(60_000 * MS) < 0.2);
    }

    @Test
    void framesAtTheSameInstantGiveNoRateAndTheWindowMustHoldTwo() {
        FpsMeter m = new FpsMeter(3);
        m.tick(5);
        m.tick(5);
        assertEquals(0, m.fps(5));
        assertThrows(IllegalArgumentException.class, () -> new FpsMeter(1));
    }
}
