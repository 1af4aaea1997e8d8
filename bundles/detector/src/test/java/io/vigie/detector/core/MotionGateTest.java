package io.vigie.detector.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;

import org.junit.jupiter.api.Test;

import io.vigie.detector.core.MotionGate.Box;
import io.vigie.detector.core.MotionGate.Decision;
import io.vigie.detector.core.MotionGate.Reason;

/** The motion gate on synthetic 160×120 grey frames. */
class MotionGateTest {
    static final int W = 160, H = 120;
    /** threshold 25, min area 0.001 (20 pixels), re-check 1 s while tracking, 5 s idle. */
    static final MotionGate.Settings ON = new MotionGate.Settings(true, 25, 0.001f, 1000, 5000);

    final MotionGate gate = new MotionGate();

    static GreyFrame background() {
        byte[] px = new byte[W * H];
        for (int y = 0; y < H; y++) for (int x = 0; x < W; x++) px[y * W + x] = (byte) (60 + (x + y) % 40);
        return new GreyFrame(W, H, px);
    }

    /** The background with a bright w×h block at (x, y). */
    static GreyFrame withBlock(int x, int y, int w, int h) {
        GreyFrame f = background();
        for (int j = y; j < y + h; j++) Arrays.fill(f.pixels(), j * W + x, j * W + x + w, (byte) 220);
        return f;
    }

    @Test
    void stillFramesAreSkippedAfterTheFirstAndNoiseBelowTheThresholdIsStill() {
        gate.configure(ON);
        assertEquals(new Decision(true, Reason.FIRST, 0, null), gate.decide(background(), 0, false, false),
                "no reference yet: the first frame is inferred");
        Random rnd = new Random(7);
        for (int i = 1; i <= 40; i++) {
            GreyFrame f = background();
            byte[] px = f.pixels();
            for (int k = 0; k < px.length; k++) px[k] = (byte) ((px[k] & 0xff) + rnd.nextInt(41) - 20); // |noise| <= 20
            Decision d = gate.decide(f, i * 100L, false, false);
            assertFalse(d.infer(), "frame " + i + ": " + d);
            assertEquals(Reason.STILL, d.reason());
            assertEquals(0, d.changed());
        }
        assertEquals(40, gate.skipped());
        assertEquals(1, gate.motion());
        assertEquals(0, gate.rechecks());
    }

    @Test
    void aMovingBlockIsMotionWithItsBoundingBox() {
        gate.configure(ON);
        gate.decide(background(), 0, false, false);
        Decision d = gate.decide(withBlock(40, 30, 10, 20), 100, false, false);
        assertTrue(d.infer());
        assertEquals(Reason.MOTION, d.reason());
        assertEquals(200, d.changed());
        assertEquals(new Box(40, 30, 50, 50), d.box());
        // moved 4 px right: the box covers where it left and where it is now
        d = gate.decide(withBlock(44, 30, 10, 20), 200, false, false);
        assertEquals(Reason.MOTION, d.reason());
        assertEquals(2 * 4 * 20, d.changed());
        assertEquals(new Box(40, 30, 54, 50), d.box());
        // stops: the next frame equals the last inferred one
        d = gate.decide(withBlock(44, 30, 10, 20), 300, true, false);
        assertEquals(Reason.STILL, d.reason());
        assertNull(d.box());
    }

    @Test
    void theFirstFrameThatMovesIsAlwaysInferredHoweverLongTheStillness() {
        gate.configure(new MotionGate.Settings(true, 25, 0.001f, 60_000, 60_000));
        gate.decide(background(), 0, false, false);
        for (int i = 1; i < 500; i++) assertFalse(gate.decide(background(), i * 100L, false, false).infer());
        // smallest change that counts: 20 pixels (0.001 of 19200, rounded up)
        Decision d = gate.decide(withBlock(100, 100, 5, 4), 50_000, false, false);
        assertEquals(Reason.MOTION, d.reason(), "an intrusion's first frame is never skipped");
        assertTrue(d.infer());
        // one pixel less is not motion
        gate.decide(background(), 50_100, false, true);
        assertEquals(Reason.STILL, gate.decide(withBlock(100, 100, 19, 1), 50_200, false, false).reason());
    }

    @Test
    void slowChangeAddsUpAgainstTheLastInferredFrame() {
        gate.configure(new MotionGate.Settings(true, 25, 0.002f, 60_000, 60_000)); // 39 pixels
        gate.decide(withBlock(10, 10, 10, 10), 0, false, false);
        int inferred = 0;
        int lastInferredX = 10;
        for (int x = 11; x < 60; x++) { // 1 px per frame: 20 pixels change per step, under the min area
            Decision d = gate.decide(withBlock(x, 10, 10, 10), x * 100L, false, false);
            int drift = x - lastInferredX;
            if (d.infer()) {
                inferred++;
                lastInferredX = x;
                assertEquals(2, drift, "inferred as soon as the change since the last inference reaches the min area");
            } else {
                assertTrue(drift * 20 < 39, "a skipped frame differs from the last inferred one by less than the min area");
            }
        }
        assertEquals(24, inferred);
    }

    @Test
    void someoneStandingStillIsRecheckedAtTheIntervalAndIdleScenesAtTheIdleInterval() {
        gate.configure(ON);
        gate.decide(withBlock(40, 30, 10, 20), 0, true, false);
        StringBuilder tracked = new StringBuilder();
        for (long t = 100; t <= 3000; t += 100) if (gate.decide(withBlock(40, 30, 10, 20), t, true, false).infer())
            tracked.append(t).append(' ');
        assertEquals("1000 2000 3000 ", tracked.toString(), "re-checked every 1000 ms while people are tracked");
        assertEquals(3, gate.rechecks());
        StringBuilder idle = new StringBuilder();
        for (long t = 3100; t <= 14_000; t += 100) if (gate.decide(withBlock(40, 30, 10, 20), t, false, false).infer())
            idle.append(t).append(' ');
        assertEquals("8000 13000 ", idle.toString(), "every 5000 ms when nobody is tracked");
    }

    @Test
    void offInfersEverythingAndASettingsChangeOrForceInfersTheNextFrame() {
        assertEquals(Reason.OFF, gate.decide(null, 0, false, false).reason(), "off by default, no grey frame needed");
        gate.configure(ON);
        gate.decide(background(), 0, false, false);
        assertFalse(gate.decide(background(), 100, false, false).infer());
        assertEquals(Reason.FIRST, gate.decide(background(), 200, false, true).reason(), "forced (e.g. a new model)");
        gate.configure(ON);
        assertFalse(gate.decide(background(), 300, false, false).infer(), "same settings: the reference stays");
        gate.configure(new MotionGate.Settings(true, 30, 0.001f, 1000, 5000));
        assertEquals(Reason.FIRST, gate.decide(background(), 400, false, false).reason(), "new settings: new reference");
        assertEquals(Reason.FIRST, gate.decide(new GreyFrame(80, 60, new byte[80 * 60]), 500, false, false).reason(),
                "another frame size has no reference");
    }
}
