package io.vigie.telemetry.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.eclipse.kura.message.KuraPayload;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.vigie.api.ota.OtaTopics;
import io.vigie.view.process.ProcessStats;

/** The OTA agent's events reach the cloud (the deployment audit's input): urgent, on the model topic, every key kept. */
class OtaEventsTest {
    final List<TelemetryCoreTest.Sent> sent = new CopyOnWriteArrayList<>();
    final FakeClock clock = new FakeClock();
    final ExecutorService worker = Executors.newSingleThreadExecutor();

    @AfterEach
    void stop() {
        worker.shutdownNow();
    }

    Telemetry telemetry() {
        // 0.1 msg/s, burst 1: only urgent messages get through after the first
        TelemetrySettings s = new TelemetrySettings(true, "i", "metrics", "model", 1, 3, 7, 10, 0.1, 1, false, true,
                150_000, 640, 70, 2000, "VIGIE-V1", 5000);
        return new Telemetry(s, () -> (t, p, m) -> sent.add(new TelemetryCoreTest.Sent(t, p, m)), () -> null,
                new ProcessStats(Path.of("/proc/self"), clock), clock::millis, clock, () -> 1, worker);
    }

    static Map<String, Object> rollback() {
        Map<String, Object> p = new HashMap<>();
        p.put(OtaTopics.NAME, "io.vigie.model.int8");
        p.put(OtaTopics.VERSION, "1.0.1");
        p.put(OtaTopics.SHA256, "ab".repeat(32));
        p.put(OtaTopics.MODEL, "ssd/INT8/1.0.1@cdcdcdcd");
        p.put(OtaTopics.MODEL_SHA256, "cd".repeat(32));
        p.put(OtaTopics.STATE, "ROLLED_BACK");
        p.put(OtaTopics.REASON, "the detector refused the model");
        p.put(OtaTopics.RESTORED_VERSION, "1.0.0");
        p.put(OtaTopics.UNINSTALLED_FLAG, false);
        p.put(OtaTopics.JOB_ID, 42L);
        p.put(OtaTopics.INSTALLED_AT, 1_000L);
        p.put(OtaTopics.VERDICT_AT, 7_000L);
        return p;
    }

    @Test
    void installAndRollbackGoOutUrgentlyWithEveryKey() throws Exception {
        Telemetry t = telemetry();
        Map<String, Object> installed = new HashMap<>(Map.of(OtaTopics.NAME, "io.vigie.model.int8", OtaTopics.VERSION,
                "1.0.1", OtaTopics.SHA256, "ab".repeat(32), OtaTopics.INSTALLED_AT, 1_000L, OtaTopics.BUNDLES,
                new String[] { "a.b", "c.d" }));
        for (int i = 0; i < 3; i++) t.onEvent(OtaTopics.INSTALLED, installed); // over the rate: still sent
        t.onEvent(OtaTopics.ROLLBACK, rollback());
        worker.shutdown();
        assertTrue(worker.awaitTermination(5, TimeUnit.SECONDS));
        assertEquals(4, sent.size());
        assertTrue(t.counters().urgentOverRate() >= 2, t.counters().toString());
        KuraPayload in = sent.get(0).payload();
        assertEquals("model", sent.get(0).topic());
        assertEquals(3, sent.get(0).priority());
        assertEquals("OTA_INSTALLED", in.getMetric("type"));
        assertEquals("a.b,c.d", in.getMetric(OtaTopics.BUNDLES));
        assertEquals(new Date(1_000L), in.getTimestamp());
        KuraPayload rb = sent.get(3).payload();
        assertEquals("OTA_ROLLBACK", rb.getMetric("type"));
        for (Map.Entry<String, Object> e : rollback().entrySet())
            assertEquals(e.getValue(), rb.getMetric(e.getKey()), e.getKey());
        assertEquals(new Date(7_000L), rb.getTimestamp(), "the gateway's verdict time");
    }

    @Test
    void oddPropertiesAreTextAndUnknownOnesStayHome() {
        Map<String, Object> ev = new HashMap<>(rollback());
        ev.put(OtaTopics.JOB_ID, new Object() {
            @Override
            public String toString() {
                return "odd";
            }
        });
        ev.put("secret.key", "never to the cloud");
        KuraPayload p = Payloads.ota("ROLLBACK", ev, 5L);
        assertEquals("odd", p.getMetric(OtaTopics.JOB_ID));
        assertFalse(p.metricNames().contains("secret.key"));
        assertEquals("OTA_UNINSTALLED", Payloads.ota("UNINSTALLED", Map.of(), 5L).getMetric("type"));
        assertEquals(new Date(5L), Payloads.ota("UNINSTALLED", Map.of(), 5L).getTimestamp());
    }
}
