package io.vigie.ota.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.vigie.api.detect.DetectorSettingsService;
import io.vigie.api.detect.DetectorTopics;
import io.vigie.api.detect.FrameListener;
import io.vigie.api.detect.FrameResult;
import io.vigie.api.detect.Timings;
import io.vigie.api.model.ModelIdentity;
import io.vigie.api.model.Precision;

/**
 * The health handler's core fed as the detector feeds it: frame results through {@link FrameListener}, MODEL events
 * by their properties, the detector's latency budget through a {@link DetectorSettingsService}; real package manager
 * and guard on a fake DeploymentAdmin, on a test clock.
 */
class HealthFeedTest {
    @TempDir
    Path tmp;
    static final ModelIdentity V1 = new ModelIdentity("ssd", Precision.INT8, "1.0.0", "a".repeat(64));
    static final ModelIdentity V2 = new ModelIdentity("ssd", Precision.INT8, "2.0.0", "b".repeat(64));
    /** 10 s window, no error tolerated, budget -1 (the detector's), fps ratio 0.5. */
    static final HealthFeed.Settings FOLLOW_DETECTOR = new HealthFeed.Settings(true, 10, 0, -1, 0.5);

    GuardedPackages packages;
    HealthFeed feed;
    final List<ModelGuard.Outcome> outcomes = new ArrayList<>();
    final Map<String, Object> detectorSettings = new HashMap<>();
    final DetectorSettingsService detector = new DetectorSettingsService() {
        @Override
        public Map<String, Object> current() {
            return Map.copyOf(detectorSettings);
        }

        @Override
        public Map<String, Object> validate(Map<String, ?> changes) {
            throw new UnsupportedOperationException("the health watch only reads");
        }

        @Override
        public Map<String, Object> apply(Map<String, ?> changes) {
            throw new UnsupportedOperationException("the health watch only reads");
        }
    };
    long now = 1_000_000;
    long sequence;

    @BeforeEach
    void setUp() throws Exception {
        packages = new GuardedPackages(tmp.resolve("dp"), new HealthPolicy(10_000, 0, 1000, 0.5), () -> now, outcomes::add);
        feed = new HealthFeed(packages.guard, () -> now);
        feed.configure(FOLLOW_DETECTOR);
    }

    /** Frames at 10 fps through the FrameListener, each taking totalMs, ticking like the component does. */
    void frames(ModelIdentity m, double totalMs, long ms) {
        FrameListener listener = feed;
        for (long end = now + ms; now < end; now += 100) {
            listener.onFrame(new FrameResult(++sequence, now, 640, 480, List.of(), List.of(), m,
                    new Timings(5, 2, totalMs - 10, 3, totalMs)), null);
            feed.tick();
        }
    }

    Path dp(String version, ModelIdentity m) throws Exception {
        return TestDps.model(Files.createDirectories(tmp.resolve("in")), "ssd-int8", "io.vigie.model.int8", version,
                HealthFeed.ref(m));
    }

    @Test
    void framesThroughTheListenerKeepAHealthyModel() throws Exception {
        assertFalse(feed.wantsImages(), "the health watch never asks for pixels");
        frames(V1, 80, 2_000);
        packages.pm.install(dp("2.0.0", V2), null, null);
        frames(V2, 80, 10_500);
        assertEquals(1, outcomes.size());
        assertTrue(outcomes.get(0).healthy(), outcomes.get(0).reason());
        assertTrue(outcomes.get(0).reason().contains("fps, 10.0 before), p95 total 80 ms"), outcomes.get(0).reason());
        assertEquals("2.0.0", packages.da.installed.get("ssd-int8").version());
    }

    @Test
    void theDetectorsOwnBudgetJudgesTheFramesTotalTime() throws Exception {
        detectorSettings.put(HealthFeed.DETECTOR_BUDGET, 50L);
        feed.detector(detector);
        frames(V1, 40, 2_000);
        packages.pm.install(dp("1.0.0", V1), null, null);
        packages.pm.install(dp("2.0.0", V2), null, null); // supersedes the watch of 1.0.0
        frames(V2, 80, 10_500); // within the default 1000 ms, over the detector's 50 ms
        ModelGuard.Outcome o = outcomes.get(outcomes.size() - 1);
        assertFalse(o.healthy(), o.reason());
        assertTrue(o.reason().contains("p95 total 80 ms > budget 50 ms"), o.reason());
        assertEquals("1.0.0", packages.da.installed.get("ssd-int8").version(), "rolled back");
    }

    @Test
    void aModelEventWithAnErrorFailsTheModelAtOnce() throws Exception {
        frames(V1, 80, 2_000);
        packages.pm.install(dp("2.0.0", V2), null, null);
        Map<String, Object> event = new HashMap<>(Map.of(DetectorTopics.MODEL_NAME, "ssd", DetectorTopics.MODEL_PRECISION, "INT8",
                DetectorTopics.MODEL_VERSION, "2.0.0", DetectorTopics.MODEL_SHA256, "b".repeat(64)));
        event.put(DetectorTopics.ERROR, "smoke inference found no person");
        feed.modelEvent(event::get);
        feed.tick();
        assertEquals(1, outcomes.size());
        assertTrue(outcomes.get(0).reason().contains("refused model ssd/INT8/2.0.0@bbbbbbbb: smoke inference found no person"),
                outcomes.get(0).reason());
        assertTrue(outcomes.get(0).uninstalled(), "it replaced nothing: uninstalled");
        assertTrue(packages.da.installed.isEmpty());
    }

    @Test
    void aModelEventWithoutErrorMakesTheModelActive() throws Exception {
        frames(V1, 80, 2_000);
        packages.pm.install(dp("2.0.0", V2), null, null);
        feed.modelEvent(Map.<String, Object>of(DetectorTopics.MODEL_NAME, "ssd", DetectorTopics.MODEL_PRECISION, "INT8",
                DetectorTopics.MODEL_VERSION, "2.0.0", DetectorTopics.MODEL_SHA256, "b".repeat(64))::get);
        feed.modelEvent(Map.<String, Object>of(DetectorTopics.MODEL_NAME, "incomplete")::get); // ignored
        frames(V2, 80, 10_500);
        assertTrue(outcomes.get(0).healthy(), outcomes.get(0).reason());
        assertTrue(outcomes.get(0).reason().contains("healthy: 10"), outcomes.get(0).reason());
    }

    @Test
    void budgetMinusOneFollowsTheDetectorAndFallsBackToItsDefault() {
        assertEquals(1000, feed.policy(FOLLOW_DETECTOR).latencyBudgetMs(), "no detector service");
        feed.detector(detector);
        assertEquals(1000, feed.policy(FOLLOW_DETECTOR).latencyBudgetMs(), "the detector does not say");
        detectorSettings.put(HealthFeed.DETECTOR_BUDGET, 250);
        assertEquals(250, feed.policy(FOLLOW_DETECTOR).latencyBudgetMs());
        detectorSettings.put(HealthFeed.DETECTOR_BUDGET, " 300 ");
        assertEquals(300, feed.policy(FOLLOW_DETECTOR).latencyBudgetMs(), "a string value");
        detectorSettings.put(HealthFeed.DETECTOR_BUDGET, "soon");
        assertEquals(1000, feed.policy(FOLLOW_DETECTOR).latencyBudgetMs(), "not a number");
        detectorSettings.put(HealthFeed.DETECTOR_BUDGET, 250);
        HealthFeed.Settings own = new HealthFeed.Settings(true, 10, 0, 40, 0.5);
        assertEquals(40, feed.policy(own).latencyBudgetMs(), "an explicit budget is the OTA's own");
        assertEquals(0, feed.policy(new HealthFeed.Settings(true, 10, 0, 0, 0.5)).latencyBudgetMs(), "0: not checked");
        feed.detectorGone(new HealthFeedTest().detector); // another service going changes nothing
        assertEquals(250, feed.policy(FOLLOW_DETECTOR).latencyBudgetMs());
        feed.detectorGone(detector);
        assertEquals(1000, feed.policy(FOLLOW_DETECTOR).latencyBudgetMs());
    }

    @Test
    void rollbackOffWatchesNothing() throws Exception {
        feed.configure(new HealthFeed.Settings(false, 10, 0, -1, 0.5));
        packages.pm.install(dp("2.0.0", V2), null, null);
        assertTrue(packages.guard.watching().isEmpty());
    }
}
