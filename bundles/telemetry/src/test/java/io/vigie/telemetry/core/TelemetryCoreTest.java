package io.vigie.telemetry.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import javax.imageio.ImageIO;

import org.eclipse.kura.message.KuraPayload;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.vigie.api.detect.DetectorStatus;
import io.vigie.api.detect.DetectorTopics;
import io.vigie.view.process.ProcessStats;

class TelemetryCoreTest {
    record Sent(String topic, int priority, KuraPayload payload) {
    }

    final List<Sent> sent = new CopyOnWriteArrayList<>();
    final FakeClock clock = new FakeClock();
    final ExecutorService worker = Executors.newSingleThreadExecutor();
    DetectorStatus status = CommandHandlerTest.status(DetectorStatus.State.RUNNING, null, "floor");

    @AfterEach
    void stop() {
        worker.shutdownNow();
    }

    Telemetry telemetry(TelemetrySettings s) {
        return new Telemetry(s, () -> (t, p, m) -> sent.add(new Sent(t, p, m)), () -> status,
                new ProcessStats(Path.of("/proc/self"), clock), clock::millis, clock, () -> 12_345, worker);
    }

    static Map<String, Object> intrusionProps() {
        Map<String, Object> p = new HashMap<>(Map.of(DetectorTopics.ZONE, "floor", DetectorTopics.PERSONS, 2,
                DetectorTopics.STARTED, 1000L, DetectorTopics.TIMESTAMP, 1500L, DetectorTopics.SEQUENCE, 15L,
                DetectorTopics.DETECTIONS_JSON,
                "[{\"label\":\"person\",\"score\":0.9100,\"xmin\":0.1,\"ymin\":0.2,\"xmax\":0.3,\"ymax\":0.9},"
                        + "{\"label\":\"person\",\"score\":0.6,\"xmin\":0.5,\"ymin\":0.2,\"xmax\":0.6,\"ymax\":0.9}]"));
        p.putAll(Map.of(DetectorTopics.MODEL_NAME, "ssd-mobilenet-v2", DetectorTopics.MODEL_PRECISION, "INT8",
                DetectorTopics.MODEL_VERSION, "1.0.0", DetectorTopics.MODEL_SHA256, Frames.INT8.sha256()));
        return p;
    }

    @Test
    void intrusionStartCarriesBoxesModelAndAnAnnotatedSnapshot() throws Exception {
        Telemetry t = telemetry(TelemetrySettings.defaults());
        t.onEvent(DetectorTopics.INTRUSION_START, intrusionProps());
        // the worker now waits for pixels: the detector would see wantsImages() and send a copy
        long end = System.currentTimeMillis() + 5000;
        while (!t.wantsImages() && System.currentTimeMillis() < end) Thread.sleep(5);
        assertTrue(t.wantsImages());
        t.onFrame(Frames.frame(16, 20, 2), Images.bgr(320, 240, false));
        worker.shutdown();
        assertTrue(worker.awaitTermination(5, TimeUnit.SECONDS));
        assertEquals(1, sent.size());
        Sent s = sent.get(0);
        assertEquals("events/intrusion", s.topic());
        assertEquals(1, s.priority());
        KuraPayload p = s.payload();
        assertEquals("START", p.getMetric("type"));
        assertEquals("floor", p.getMetric("zone"));
        assertEquals(2, p.getMetric("persons"));
        assertEquals(2, p.getMetric("boxes"));
        assertEquals(0.91, (Double) p.getMetric("score.max"), 1e-6);
        assertTrue(((String) p.getMetric("detections")).contains("\"xmin\":0.1"));
        assertEquals(Frames.INT8.sha256(), p.getMetric("model.sha256"));
        assertEquals("INT8", p.getMetric("model.precision"));
        assertEquals(1500L, p.getTimestamp().getTime());
        assertEquals(true, p.getMetric("snapshot"));
        assertEquals(16L, p.getMetric("snapshot.sequence"));
        assertNotNull(ImageIO.read(new ByteArrayInputStream(p.getBody())), "body is a JPEG");
        assertTrue(!t.wantsImages(), "pixels no longer wanted");
    }

    @Test
    void intrusionGoesWithoutPictureWhenNoFrameComes() throws Exception {
        TelemetrySettings d = TelemetrySettings.defaults();
        Telemetry t = telemetry(new TelemetrySettings(true, "i", "m", "mo", 1, 3, 7, 10, 1, 1, true, true, 150_000, 640, 70,
                50, "VIGIE-V1", 5000));
        t.onEvent(DetectorTopics.INTRUSION_END, intrusionProps());
        worker.shutdown();
        assertTrue(worker.awaitTermination(5, TimeUnit.SECONDS));
        KuraPayload p = sent.get(0).payload();
        assertEquals("END", p.getMetric("type"));
        assertEquals(false, p.getMetric("snapshot"));
        assertTrue(((String) p.getMetric("snapshot.error")).contains("50 ms"));
        assertNull(p.getBody());
        assertEquals(1L, t.counters().snapshotsFailed());
        assertEquals(d.intrusionPriority(), sent.get(0).priority());
    }

    @Test
    void metricsAggregateTheWindowAndRespectTheRate() throws Exception {
        // burst 1 at 0.1 msg/s: the second metrics message within 10 s is dropped and counted
        Telemetry t = telemetry(new TelemetrySettings(true, "i", "metrics", "mo", 1, 3, 7, 10, 0.1, 1, false, true, 150_000,
                640, 70, 2000, "VIGIE-V1", 5000));
        for (int i = 1; i <= 50; i++) t.onFrame(Frames.frame(i, i, i % 2), null);
        clock.advanceMillis(5000);
        assertEquals(Outbox.Result.SENT, t.publishMetrics());
        KuraPayload p = sent.get(0).payload();
        assertEquals("metrics", sent.get(0).topic());
        assertEquals(7, sent.get(0).priority());
        assertEquals(50L, p.getMetric("frames"));
        assertEquals(10.0, (Double) p.getMetric("fps"), 1e-9);
        assertEquals(25.0, p.getMetric("latency.p50.ms"));
        assertEquals(48.0, p.getMetric("latency.p95.ms"));
        assertEquals(50.0, p.getMetric("latency.p99.ms"));
        assertEquals(7L, p.getMetric("drops.source"));
        assertEquals(2L, p.getMetric("drops.sink"));
        assertEquals("RUNNING", p.getMetric("detector.state"));
        assertEquals("INT8", p.getMetric("model.precision"));
        assertEquals(12L, p.getMetric("uptime.s"));
        assertTrue((Long) p.getMetric("rss.bytes") > 0);
        clock.advanceMillis(5000);
        assertEquals(Outbox.Result.RATE_LIMITED, t.publishMetrics());
        assertEquals(1, sent.size());
        assertEquals(1L, t.counters().rateDropped());
        // an intrusion still goes although no token is left
        t.onEvent(DetectorTopics.INTRUSION_START, intrusionProps());
        worker.shutdown();
        assertTrue(worker.awaitTermination(5, TimeUnit.SECONDS));
        assertEquals(2, sent.size());
        assertEquals(1L, t.counters().urgentOverRate());
    }

    @Test
    void modelNoticesAndDisabledTelemetry() throws Exception {
        Telemetry t = telemetry(TelemetrySettings.defaults());
        Map<String, Object> failed = new HashMap<>(intrusionProps());
        failed.put(DetectorTopics.ERROR, "model x refused: too slow");
        t.onEvent(DetectorTopics.MODEL_CHANGED, failed);
        Map<String, Object> swapped = new HashMap<>(intrusionProps());
        swapped.put("swap.ms", 812.5);
        t.onEvent(DetectorTopics.MODEL_CHANGED, swapped);
        t.onEvent("io/vigie/detector/OTHER", swapped); // not ours: ignored
        Telemetry off = telemetry(new TelemetrySettings(false, "i", "m", "mo", 1, 3, 7, 10, 1, 1, false, true, 150_000, 640,
                70, 2000, "VIGIE-V1", 5000));
        off.onEvent(DetectorTopics.MODEL_CHANGED, swapped);
        assertNull(off.publishMetrics());
        worker.shutdown();
        assertTrue(worker.awaitTermination(5, TimeUnit.SECONDS));
        assertEquals(2, sent.size());
        assertEquals("model", sent.get(0).topic());
        assertEquals(3, sent.get(0).priority());
        assertEquals("MODEL_FAILED", sent.get(0).payload().getMetric("type"));
        assertEquals("model x refused: too slow", sent.get(0).payload().getMetric("error"));
        assertEquals("MODEL_CHANGED", sent.get(1).payload().getMetric("type"));
        assertEquals(812.5, sent.get(1).payload().getMetric("swap.ms"));
    }

    @Test
    void settingsValidation() {
        TelemetrySettings d = TelemetrySettings.defaults();
        assertEquals(d, d.validate());
        String msg = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new TelemetrySettings(true, "events/#", "m", "mo", 1, 3, 7, 10, 1, 1, false, true, 150_000, 640, 70,
                        2000, "VIGIE-V1", 5000).validate()).getMessage();
        assertTrue(msg.startsWith("topic.intrusion"), msg);
        msg = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new TelemetrySettings(true, "i", "m", "mo", 1, 3, 7, 10, 0, 1, false, true, 150_000, 640, 70,
                        2000, "VIGIE-V1", 5000).validate()).getMessage();
        assertTrue(msg.startsWith("rate.max.per.s"), msg);
        msg = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new TelemetrySettings(true, "i", "m", "mo", 1, 3, 10, 10, 1, 1, false, true, 150_000, 640, 70,
                        2000, "VIGIE V1", 5000).validate()).getMessage();
        assertTrue(msg.startsWith("priority.metrics"), msg);
    }

    @Test
    void noLatencyMetricsWithoutTimingsAndAbsentDetector() {
        status = null;
        Telemetry t = telemetry(TelemetrySettings.defaults());
        t.onFrame(Frames.frame(1, Double.NaN, 0), null);
        clock.advanceMillis(1000);
        assertEquals(Outbox.Result.SENT, t.publishMetrics());
        KuraPayload p = sent.get(0).payload();
        assertEquals(1L, p.getMetric("frames"));
        assertNull(p.getMetric("latency.p50.ms"), "absent, not NaN");
        assertNull(p.getMetric("latency.max.ms"));
        assertEquals("ABSENT", p.getMetric("detector.state"));
        assertEquals("INT8", p.getMetric("model.precision"), "model from the frames when the detector is gone");
    }

    @Test
    void deploymentPackageNotices() throws Exception {
        Telemetry t = telemetry(TelemetrySettings.defaults());
        t.onEvent(Telemetry.DP_INSTALL, Map.of("deploymentpackage.name", "vigie-model-int8"));
        t.onEvent(Telemetry.DP_COMPLETE, Map.of("deploymentpackage.name", "vigie-model-int8",
                "deploymentpackage.nextversion", "1.1.0", "successful", Boolean.FALSE));
        t.onEvent(Telemetry.DP_COMPLETE, Map.of("deploymentpackage.name", "other", "successful", Boolean.TRUE));
        worker.shutdown();
        assertTrue(worker.awaitTermination(5, TimeUnit.SECONDS));
        assertEquals(2, sent.size(), "INSTALL alone sends nothing");
        KuraPayload p = sent.get(0).payload();
        assertEquals("model", sent.get(0).topic());
        assertEquals("DP_COMPLETE", p.getMetric("type"));
        assertEquals("INSTALL", p.getMetric("dp.operation"));
        assertEquals("vigie-model-int8", p.getMetric("dp.name"));
        assertEquals("1.1.0", p.getMetric("dp.version.next"));
        assertEquals(false, p.getMetric("successful"));
        assertNull(sent.get(1).payload().getMetric("dp.operation"), "start not seen");
    }
}
