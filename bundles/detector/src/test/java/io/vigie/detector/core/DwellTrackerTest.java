package io.vigie.detector.core;

import static io.vigie.detector.core.DwellTracker.Transition.*;
import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

class DwellTrackerTest {
    @Test
    void startsAfterDwellEndsAfterCooldown() {
        DwellTracker t = new DwellTracker(1000, 2000);
        assertEquals(NONE, t.update(0, 1));
        assertEquals(DwellTracker.State.PENDING, t.state());
        assertEquals(NONE, t.update(999, 1));
        assertEquals(START, t.update(1000, 2));
        assertTrue(t.intrusion());
        assertEquals(1000, t.startedAt());
        assertEquals(NONE, t.update(1500, 3));
        assertEquals(NONE, t.update(1600, 0));
        assertEquals(DwellTracker.State.COOLDOWN, t.state());
        assertEquals(NONE, t.update(3599, 0));
        assertEquals(END, t.update(3600, 0));
        assertEquals(3, t.maxPersons());
        assertFalse(t.intrusion());
    }

    @Test
    void crossingFasterThanDwellFiresNothing() {
        DwellTracker t = new DwellTracker(1000, 0);
        assertEquals(NONE, t.update(0, 1));
        assertEquals(NONE, t.update(500, 1));
        assertEquals(NONE, t.update(600, 0));
        assertEquals(DwellTracker.State.IDLE, t.state());
        assertEquals(NONE, t.update(700, 1)); // dwell restarts
        assertEquals(NONE, t.update(1600, 1));
        assertEquals(START, t.update(1700, 1));
    }

    @Test
    void briefOcclusionDoesNotSplitIntrusion() {
        DwellTracker t = new DwellTracker(0, 1000);
        assertEquals(START, t.update(0, 1));
        assertEquals(NONE, t.update(100, 0));
        assertEquals(NONE, t.update(500, 1)); // back before cooldown: same intrusion
        assertEquals(NONE, t.update(600, 0));
        assertEquals(NONE, t.update(1599, 0));
        assertEquals(END, t.update(1600, 0));
    }

    @Test
    void zeroDwellZeroCooldown() {
        DwellTracker t = new DwellTracker(0, 0);
        assertEquals(START, t.update(0, 1));
        assertEquals(END, t.update(1, 0));
        assertThrows(IllegalArgumentException.class, () -> new DwellTracker(-1, 0));
    }
}
