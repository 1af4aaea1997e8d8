package io.vigie.telemetry.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

import org.eclipse.kura.KuraErrorCode;
import org.eclipse.kura.KuraException;
import org.eclipse.kura.cloudconnection.message.KuraMessage;
import org.eclipse.kura.cloudconnection.request.RequestHandlerContext;
import org.eclipse.kura.message.KuraPayload;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import io.vigie.api.detect.DetectorSettingsService;
import io.vigie.api.detect.DetectorStatus;
import io.vigie.api.detect.ZoneState;
import io.vigie.api.video.SourceStatus;

class CommandHandlerTest {
    static final RequestHandlerContext CTX = new RequestHandlerContext(null, Map.of());

    /**
     * The detector's settings service: refuses what {@link #refuse} names (its rules are tested in the
     * detector), turns a zones String into its list, and, like the detector after @Modified, shows
     * what was applied in force unless {@link #detectorFollows} is false.
     */
    static final class FakeSettings implements DetectorSettingsService {
        final Map<String, Object> inForce = new LinkedHashMap<>();
        final List<Map<String, Object>> writes = new ArrayList<>();
        Function<Map<String, ?>, String> refuse = c -> null;
        boolean detectorFollows = true;
        IOException storeFailure;

        @Override
        public Map<String, Object> current() {
            return new LinkedHashMap<>(inForce);
        }

        @Override
        public Map<String, Object> validate(Map<String, ?> changes) {
            String why = refuse.apply(changes);
            if (why != null) throw new IllegalArgumentException(why);
            Map<String, Object> out = new LinkedHashMap<>();
            changes.forEach((k, v) -> out.put(k, k.equals("zones") && v instanceof String z ? z.split("\\|") : v));
            return out;
        }

        @Override
        public Map<String, Object> apply(Map<String, ?> changes) throws IOException {
            Map<String, Object> out = validate(changes);
            if (storeFailure != null) throw storeFailure;
            writes.add(out);
            if (detectorFollows) inForce.putAll(out);
            return out;
        }
    }

    DetectorStatus status;
    FakeSettings settings;
    CompletableFuture<Snapshot> nextSnapshot;
    long now;
    CommandHandler handler;

    @BeforeEach
    void setUp() {
        settings = new FakeSettings();
        settings.inForce.put("source.uri", "rtsp://cam:***@10.0.0.7/live");
        settings.inForce.put("score.threshold", 0.5f);
        settings.inForce.put("threads", 2);
        settings.inForce.put("classes", new String[] { "person", "car" });
        settings.inForce.put("zones", new String[] { "floor:0,0.25;1,0.25;1,1;0,1" });
        status = status(DetectorStatus.State.RUNNING, null, "floor");
        CommandHandler.Waiter fakeTime = new CommandHandler.Waiter() {
            @Override
            public long nowMillis() {
                return now;
            }

            @Override
            public void sleep(long ms) {
                now += ms;
            }
        };
        handler = new CommandHandler(() -> status, () -> settings, () -> nextSnapshot,
                () -> new Payloads.Counters(5, 1, 2, 0, 3, "metrics: boom", 4, 0, null), 500, 1000, fakeTime);
    }

    static DetectorStatus status(DetectorStatus.State state, String error, String... zones) {
        List<ZoneState> zs = new ArrayList<>();
        for (String z : zones) zs.add(new ZoneState(z, List.of(new float[] { 0, 0.25f }, new float[] { 1, 0.25f },
                new float[] { 1, 1 }, new float[] { 0, 1 }), 1, false));
        return new DetectorStatus(state, error, new SourceStatus(SourceStatus.State.RUNNING, null, 100, 7, 0, 10, 768, 576),
                Frames.INT8, List.of(Frames.INT8), 93, 9.5, 2, zs);
    }

    /** Like the cloud connection hands it over: the request envelope metrics stay in the payload. */
    static KuraMessage req(Map<String, Object> metrics, String... args) {
        KuraPayload p = new KuraPayload();
        p.addMetric("request.id", "1234");
        p.addMetric("requester.client.id", "cloud");
        metrics.forEach(p::addMetric);
        return new KuraMessage(p, Map.of("args", List.of(args)));
    }

    @Test
    void getStatus() throws Exception {
        KuraPayload p = handler.doGet(CTX, req(Map.of(), "status")).getPayload();
        assertEquals("RUNNING", p.getMetric("state"));
        assertEquals(9.5, p.getMetric("fps"));
        assertEquals(7L, p.getMetric("drops.source"));
        assertEquals(2L, p.getMetric("drops.sink"));
        assertEquals("INT8", p.getMetric("model.precision"));
        assertEquals(Frames.INT8.sha256(), p.getMetric("model.sha256"));
        assertEquals(3L, p.getMetric("telemetry.publish.errors"));
        JsonObject body = JsonParser.parseString(new String(p.getBody(), StandardCharsets.UTF_8)).getAsJsonObject();
        assertEquals("floor", body.getAsJsonArray("zones").get(0).getAsJsonObject().get("name").getAsString());
        assertEquals(4, body.getAsJsonObject("telemetry").get("intrusions").getAsInt());
    }

    @Test
    void getStatusWithoutDetector() throws Exception {
        status = null;
        assertEquals("ABSENT", handler.doGet(CTX, req(Map.of(), "status")).getPayload().getMetric("state"));
    }

    @Test
    void getConfigShowsTheSettingsInForceAndJoinsArrays() throws Exception {
        KuraPayload p = handler.doGet(CTX, req(Map.of(), "config")).getPayload();
        assertEquals("rtsp://cam:***@10.0.0.7/live", p.getMetric("source.uri"));
        assertEquals(0.5f, p.getMetric("score.threshold"));
        assertEquals(2, p.getMetric("threads"));
        assertEquals("floor:0,0.25;1,0.25;1,1;0,1", p.getMetric("zones"));
        assertEquals("person,car", p.getMetric("classes"));
        assertEquals(String.join(",", ConfigPatch.keys()), p.getMetric("settable"));
        JsonObject body = JsonParser.parseString(new String(p.getBody(), StandardCharsets.UTF_8)).getAsJsonObject();
        assertEquals("car", body.getAsJsonArray("classes").get(1).getAsString());
        assertEquals(0.5, body.get("score.threshold").getAsDouble(), 1e-6);
    }

    @Test
    void withoutTheDetectorConfigIsUnavailable() {
        settings = null;
        assertCode(KuraErrorCode.SERVICE_UNAVAILABLE, "no detector", () -> handler.doGet(CTX, req(Map.of(), "config")));
        assertCode(KuraErrorCode.SERVICE_UNAVAILABLE, "no detector",
                () -> handler.doPut(CTX, req(Map.of("dwell.ms", 700), "config")));
    }

    @Test
    void putConfigAppliesThroughTheSettingsService() throws Exception {
        KuraPayload p = handler.doPut(CTX, req(Map.of("score.threshold", 0.65, "dwell.ms", 700), "config")).getPayload();
        assertEquals(List.of(Map.of("dwell.ms", 700, "score.threshold", 0.65)), settings.writes);
        assertEquals("dwell.ms,score.threshold", p.getMetric("applied"));
        assertEquals(0.65, p.getMetric("score.threshold"));
    }

    @Test
    void badPutChangesNothing() {
        settings.refuse = c -> c.containsKey("threads") ? "threads '99' must be 1..16" : null;
        assertCode(KuraErrorCode.BAD_REQUEST, "threads '99' must be 1..16",
                () -> handler.doPut(CTX, req(Map.of("score.threshold", 0.6, "threads", 99), "config")));
        assertCode(KuraErrorCode.BAD_REQUEST, "unknown or read-only key 'source.uri'",
                () -> handler.doPut(CTX, req(Map.of("source.uri", "rtsp://evil"), "config")));
        assertCode(KuraErrorCode.BAD_REQUEST, "score.threshold must be a number metric, got String",
                () -> handler.doPut(CTX, req(Map.of("score.threshold", "high"), "config")));
        assertCode(KuraErrorCode.BAD_REQUEST, "no properties", () -> handler.doPut(CTX, req(Map.of(), "config")));
        assertEquals(0, settings.writes.size());
    }

    @Test
    void storeFailureIsAConfigurationUpdateError() {
        settings.storeFailure = new IOException("disk full");
        assertCode(KuraErrorCode.CONFIGURATION_UPDATE, "cannot update io.vigie.detector: disk full",
                () -> handler.doPut(CTX, req(Map.of("dwell.ms", 700), "config")));
    }

    @Test
    void zonesRefusedByTheDetectorsRulesChangeNothing() {
        settings.refuse = c -> String.valueOf(c.get("zones")).startsWith("bad")
                ? "zones: zone 'bad' edges cross each other" : null;
        assertCode(KuraErrorCode.BAD_REQUEST, "zone 'bad' edges cross each other",
                () -> handler.doPut(CTX, req(Map.of("zones", "bad:0,0;1,1;1,0;0,1"), "config")));
        assertEquals(0, settings.writes.size());
        assertEquals(0, now, "nothing to wait for");
    }

    @Test
    void zonesAcceptedWhenTheDetectorRunsThem() throws Exception {
        KuraPayload p = handler.doPut(CTX, req(Map.of("zones", "floor:0,0.25;1,0.25;1,1;0,1|door:0,0.25;1,0.25;1,1;0,1"),
                "config")).getPayload();
        assertEquals("floor:0,0.25;1,0.25;1,1;0,1|door:0,0.25;1,0.25;1,1;0,1", p.getMetric("zones"));
        assertEquals(1, settings.writes.size());
    }

    @Test
    void zonesNeverConfirmedTimeOutAndRollBack() {
        // the detector never takes the zones up (e.g. stopped): the handler gives up after 1000 fake ms
        settings.detectorFollows = false;
        assertCode(KuraErrorCode.TIMED_OUT, "did not confirm",
                () -> handler.doPut(CTX, req(Map.of("zones", "door:0,0.25;1,0.25;1,1;0,1"), "config")));
        assertEquals(2, settings.writes.size(), "written, then the previous zones put back");
        assertArrayEquals(new String[] { "floor:0,0.25;1,0.25;1,1;0,1" }, (String[]) settings.writes.get(1).get("zones"));
        assertEquals(Set.of("zones"), settings.writes.get(1).keySet(), "only what the change touched");
        assertTrue(now >= 1000);
    }

    @Test
    void execModelSetsThePrecision() throws Exception {
        settings.refuse = c -> "INT4".equals(c.get("model.precision")) ? "model.precision 'INT4' must be INT8 or FP32" : null;
        KuraPayload p = handler.doExec(CTX, req(Map.of("precision", "FP32"), "model")).getPayload();
        assertEquals("FP32", settings.inForce.get("model.precision"));
        assertEquals("FP32", p.getMetric("precision.requested"));
        assertCode(KuraErrorCode.BAD_REQUEST, "precision 'INT4' must be INT8 or FP32",
                () -> handler.doExec(CTX, req(Map.of("precision", "INT4"), "model")));
        assertCode(KuraErrorCode.BAD_REQUEST, "exactly one metric",
                () -> handler.doExec(CTX, req(Map.of("precision", "INT8", "x", 1), "model")));
        assertEquals(1, settings.writes.size());
    }

    @Test
    void snapshotReturnsTheJpegOrTimesOut() throws Exception {
        nextSnapshot = CompletableFuture.completedFuture(new Snapshot(new byte[] { (byte) 0xFF, (byte) 0xD8, 1 }, 42, 1000,
                64, 48, true, Frames.INT8));
        KuraPayload p = handler.doGet(CTX, req(Map.of(), "snapshot")).getPayload();
        assertEquals(3, p.getBody().length);
        assertEquals(42L, p.getMetric("sequence"));
        assertEquals("image/jpeg", p.getMetric("content.type"));
        nextSnapshot = new CompletableFuture<>();
        CompletableFuture<Snapshot> pending = nextSnapshot;
        assertCode(KuraErrorCode.TIMED_OUT, "no processed frame within 500 ms",
                () -> handler.doGet(CTX, req(Map.of(), "snapshot")));
        assertTrue(pending.isCancelled(), "a timed-out request stops asking for pixels");
    }

    @Test
    void unknownResourcesAndGarbage() {
        assertCode(KuraErrorCode.NOT_FOUND, "no such resource", () -> handler.doGet(CTX, req(Map.of(), "nothing")));
        assertCode(KuraErrorCode.NOT_FOUND, "status/extra", () -> handler.doGet(CTX, req(Map.of(), "status", "extra")));
        assertCode(KuraErrorCode.NOT_FOUND, "no such resource", () -> handler.doPost(CTX, req(Map.of(), "x")));
        assertCode(KuraErrorCode.BAD_REQUEST, "does not support PUT", () -> handler.doPut(CTX, req(Map.of(), "status")));
        assertCode(KuraErrorCode.BAD_REQUEST, "does not support DEL", () -> handler.doDel(CTX, req(Map.of(), "config")));
        assertCode(KuraErrorCode.BAD_REQUEST, "needs a resource", () -> handler.doGet(CTX, req(Map.of())));
        assertCode(KuraErrorCode.BAD_REQUEST, "bad resource path",
                () -> handler.doGet(CTX, req(Map.of(), "x".repeat(65))));
        KuraMessage withBody = req(Map.of(), "config");
        withBody.getPayload().setBody(new byte[10_000]);
        assertCode(KuraErrorCode.BAD_REQUEST, "oversized", () -> handler.doPut(CTX, withBody));
        Map<String, Object> many = new HashMap<>();
        for (int i = 0; i < 40; i++) many.put("k" + i, i);
        assertCode(KuraErrorCode.BAD_REQUEST, "too many metrics", () -> handler.doPut(CTX, req(many, "config")));
        KuraMessage noArgs = new KuraMessage(new KuraPayload(), Map.of("args", "status"));
        assertCode(KuraErrorCode.BAD_REQUEST, "needs a resource", () -> handler.doGet(CTX, noArgs));
        assertEquals(0, settings.writes.size());
    }

    static void assertCode(KuraErrorCode code, String text, Executable call) {
        KuraException e = assertThrows(KuraException.class, call);
        assertEquals(code, e.getCode(), e.getMessage());
        assertNotNull(e.getMessage());
        assertTrue(e.getMessage().contains(text), e.getMessage());
    }
}
