package io.vigie.ota.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

/** The health verdict on synthetic detector event streams (times in ms, no real clock). */
class HealthWatchTest {
    static final ModelRef OLD = new ModelRef("ssd", "INT8", "1.0.0", "a".repeat(64));
    static final ModelRef NEW = new ModelRef("ssd", "INT8", "2.0.0", "b".repeat(64));
    static final ModelRef FP32 = new ModelRef("ssd", "FP32", "1.0.0", "c".repeat(64));
    static final HealthPolicy POLICY = new HealthPolicy(10_000, 0, 500, 0.5);

    /** Feeds frames on a model every periodMs from t0 (exclusive of t1), ticking after each. */
    static HealthWatch.Verdict frames(HealthWatch w, ModelRef m, long t0, long t1, long periodMs, double totalMs) {
        HealthWatch.Verdict v = null;
        for (long t = t0; t < t1 && v == null; t += periodMs) {
            w.frame(m, totalMs, t);
            v = w.tick(t);
        }
        return v;
    }

    @Test
    void healthyAfterAFullWindowAtTheSameRate() {
        HealthWatch w = new HealthWatch(NEW, POLICY, 0, 10, OLD);
        assertNull(frames(w, OLD, 0, 1_000, 100, 80), "old model still serving: waiting");
        assertFalse(w.active());
        assertNull(frames(w, NEW, 1_000, 10_900, 100, 90));
        assertTrue(w.active());
        HealthWatch.Verdict v = w.tick(11_000);
        assertNotNull(v);
        assertTrue(v.healthy(), v.reason());
        assertTrue(v.reason().contains("99 frames in 10000 ms (9.9 fps, 10.0 before)"), v.reason());
    }

    @Test
    void progressCountsDownTheWaitThenTheJudgingWindow() {
        HealthWatch w = new HealthWatch(NEW, POLICY, 0, 10, OLD);
        assertEquals(new HealthWatch.Progress(false, 7_000, 17_000), w.progress(3_000), "waiting: a window to come after");
        frames(w, NEW, 4_000, 4_100, 100, 90);
        assertEquals(new HealthWatch.Progress(true, 8_000, 8_000), w.progress(6_000), "judging from the first frame");
        assertEquals(new HealthWatch.Progress(true, 0, 0), w.progress(20_000), "never negative");
        assertEquals(new HealthWatch.Progress(false, 0, 10_000), new HealthWatch(NEW, POLICY, 0, 10, OLD).progress(12_000));
        assertTrue(POLICY.describe().contains("within 10 s") && POLICY.describe().contains("<= 500 ms")
                && POLICY.describe().contains(">= 50 %"), POLICY.describe());
        assertFalse(new HealthPolicy(10_000, 0, 0, 0).describe().contains("p95"), "an unchecked limit is not claimed");
    }

    @Test
    void refusalBeforeActivationFailsAtOnce() {
        HealthWatch w = new HealthWatch(NEW, POLICY, 0, 10, OLD);
        frames(w, OLD, 0, 500, 100, 80);
        w.model(OLD, "unrelated error on another model", 550);
        assertNull(w.tick(560));
        w.model(NEW, "model ssd/INT8/2.0.0 refused: smoke inference found no person", 600);
        HealthWatch.Verdict v = w.tick(601);
        assertFalse(v.healthy());
        assertTrue(v.reason().contains("refused") && v.reason().contains("no person"), v.reason());
    }

    @Test
    void tooSlowP95FailsEvenAtFullRate() {
        HealthWatch w = new HealthWatch(NEW, POLICY, 0, 10, OLD);
        w.model(NEW, null, 100); // MODEL event without error: active
        assertTrue(w.active());
        // 90 fast frames, 10 slow ones: p95 lands on a slow one
        for (int i = 0; i < 100; i++) w.frame(NEW, i % 10 == 9 ? 900 : 100, 100 + i * 99L);
        HealthWatch.Verdict v = w.tick(10_100);
        assertFalse(v.healthy());
        assertTrue(v.reason().contains("too slow") && v.reason().contains("p95 total 900 ms"), v.reason());
    }

    @Test
    void frameRateCollapseFails() {
        HealthWatch w = new HealthWatch(NEW, POLICY, 0, 10, OLD);
        HealthWatch.Verdict v = frames(w, NEW, 0, 20_000, 250, 100); // 4 fps after 10 fps
        assertNotNull(v);
        assertFalse(v.healthy());
        assertTrue(v.reason().contains("(4.1 fps, 10.0 before)") && v.reason().contains("< 50% of the rate before"), v.reason());
    }

    @Test
    void neverActiveWhenItShouldHaveBeenFails() {
        HealthWatch w = new HealthWatch(NEW, POLICY, 0, 10, OLD);
        HealthWatch.Verdict v = frames(w, OLD, 0, 12_000, 100, 80);
        assertNotNull(v);
        assertFalse(v.healthy());
        assertTrue(v.reason().contains("did not become active within 10000 ms")
                && v.reason().contains(OLD.shortId()), v.reason());
    }

    @Test
    void anotherPrecisionOrAnIdleSourceIsNotJudged() {
        HealthWatch other = new HealthWatch(NEW, POLICY, 0, 10, FP32); // detector prefers FP32
        HealthWatch.Verdict v = frames(other, FP32, 0, 12_000, 100, 80);
        assertTrue(v.healthy(), v.reason());
        assertTrue(v.reason().contains("not observed"), v.reason());
        HealthWatch idle = new HealthWatch(NEW, POLICY, 0, 0, null);
        assertNull(idle.tick(9_999));
        assertTrue(idle.tick(10_000).reason().contains("no frames"));
        // ... but a refusal still counts without frames
        HealthWatch refused = new HealthWatch(NEW, POLICY, 0, 0, null);
        refused.model(NEW, "failed to load: bad tflite", 5);
        assertFalse(refused.tick(6).healthy());
    }

    @Test
    void errorsAfterActivationBeyondTheLimit() {
        HealthWatch tolerant = new HealthWatch(NEW, new HealthPolicy(10_000, 1, 0, 0), 0, 10, OLD);
        tolerant.frame(NEW, 50, 10);
        tolerant.model(NEW, "reload failed", 20);
        assertNull(tolerant.tick(30), "one error tolerated");
        tolerant.model(NEW, "reload failed again", 40);
        HealthWatch.Verdict v = tolerant.tick(50);
        assertFalse(v.healthy());
        assertTrue(v.reason().startsWith("2 detector error(s)"), v.reason());
    }

    @Test
    void switchingAwayIsNotAFailureButTheServedStintIsJudged() {
        HealthWatch shortStint = new HealthWatch(FP32, POLICY, 0, 10, OLD); // FP32 installed while INT8 serves
        frames(shortStint, OLD, 0, 2_000, 100, 80);
        frames(shortStint, FP32, 2_000, 4_000, 100, 120); // operator switches to FP32 for 2 s...
        HealthWatch.Verdict v = frames(shortStint, OLD, 4_000, 5_000, 100, 80); // ... and back
        assertTrue(v.healthy(), v.reason());
        assertTrue(v.reason().contains("served 2000 ms, then the detector switched to " + OLD.shortId()), v.reason());

        HealthWatch slowStint = new HealthWatch(NEW, POLICY, 0, 10, OLD);
        frames(slowStint, NEW, 0, 5_000, 500, 900); // 2 fps for 5 s, then the operator gives up on it
        HealthWatch.Verdict slow = frames(slowStint, OLD, 5_000, 6_000, 100, 80);
        assertFalse(slow.healthy());
        assertTrue(slow.reason().contains("10 frames in 5000 ms (2.0 fps"), slow.reason());
    }

    @Test
    void p95() {
        assertEquals(0, HealthWatch.p95(List.of()));
        assertEquals(7, HealthWatch.p95(List.of(7.0)));
        List<Double> hundred = new java.util.ArrayList<>();
        for (int i = 1; i <= 100; i++) hundred.add((double) i);
        assertEquals(95, HealthWatch.p95(hundred));
    }
}
