package io.vigie.telemetry.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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

import io.vigie.api.detect.DetectorStatus;
import io.vigie.api.detect.ZoneState;
import io.vigie.api.video.SourceStatus;

class CommandHandlerTest {
    static final RequestHandlerContext CTX = new RequestHandlerContext(null, Map.of());

    /** ConfigurationAdmin stand-in: a map, with a write log. */
    static final class MapStore implements DetectorConfigStore {
        Map<String, Object> props;
        final List<Map<String, Object>> writes = new ArrayList<>();

        @Override
        public Map<String, Object> read() {
            return props == null ? null : new HashMap<>(props);
        }

        @Override
        public void write(Map<String, Object> p) {
            writes.add(p);
            props = p == null ? null : new HashMap<>(p);
            onWrite.apply(props);
        }

        Function<Map<String, Object>, Void> onWrite = p -> null;
    }

    /** Detector stand-in whose status follows what the store was given, like the real one after @Modified. */
    DetectorStatus status;
    MapStore store;
    CompletableFuture<Snapshot> nextSnapshot;
    long now;
    CommandHandler handler;

    @BeforeEach
    void setUp() {
        store = new MapStore();
        store.props = new HashMap<>(Map.of("source.uri", "/v.avi", "score.threshold", "0.5", "zones",
                new String[] { "floor:0,0.25;1,0.25;1,1;0,1" }, "classes", new String[] { "person" },
                "felix.fileinstall.filename", "file:/conf/io.vigie.detector.config", "service.pid", "io.vigie.detector"));
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
        handler = new CommandHandler(() -> status, store, () -> nextSnapshot,
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
    void getConfigHidesServicePropertiesAndJoinsArrays() throws Exception {
        KuraPayload p = handler.doGet(CTX, req(Map.of(), "config")).getPayload();
        assertEquals("/v.avi", p.getMetric("source.uri"));
        assertEquals("0.5", p.getMetric("score.threshold"));
        assertEquals("floor:0,0.25;1,0.25;1,1;0,1", p.getMetric("zones"));
        assertEquals("person", p.getMetric("classes"));
        assertEquals(null, p.getMetric("service.pid"));
        assertEquals(null, p.getMetric("felix.fileinstall.filename"));
        assertEquals(true, p.getMetric("configured"));
        JsonObject body = JsonParser.parseString(new String(p.getBody(), StandardCharsets.UTF_8)).getAsJsonObject();
        assertEquals("person", body.getAsJsonArray("classes").get(0).getAsString());
    }

    @Test
    void putConfigMergesTypedValuesAndKeepsTheRest() throws Exception {
        KuraPayload p = handler.doPut(CTX, req(Map.of("score.threshold", 0.65, "dwell.ms", 700), "config")).getPayload();
        assertEquals(0.65f, store.props.get("score.threshold"));
        assertEquals(700L, store.props.get("dwell.ms"));
        assertEquals("/v.avi", store.props.get("source.uri"));
        assertEquals("file:/conf/io.vigie.detector.config", store.props.get("felix.fileinstall.filename"));
        assertEquals(1, store.writes.size());
        assertTrue(((String) p.getMetric("applied")).contains("score.threshold"));
    }

    @Test
    void badPutChangesNothing() {
        Map<String, Object> before = store.read();
        assertCode(KuraErrorCode.BAD_REQUEST, "threads '99' must be 1..16",
                () -> handler.doPut(CTX, req(Map.of("score.threshold", 0.6, "threads", 99), "config")));
        assertCode(KuraErrorCode.BAD_REQUEST, "unknown or read-only key 'source.uri'",
                () -> handler.doPut(CTX, req(Map.of("source.uri", "rtsp://evil"), "config")));
        assertCode(KuraErrorCode.BAD_REQUEST, "no properties", () -> handler.doPut(CTX, req(Map.of(), "config")));
        assertEquals(0, store.writes.size());
        assertEquals(before.keySet(), store.props.keySet());
    }

    @Test
    void zonesRefusedByTheDetectorAreRolledBack() {
        Map<String, Object> before = store.read();
        // the detector refuses the crossing polygon the way DetectorComponent does: ERROR + "zones: ..."
        store.onWrite = p -> {
            String[] z = (String[]) p.get("zones");
            if (z != null && z[0].startsWith("bad")) status = status(DetectorStatus.State.ERROR, "zones: zone 'bad' edges cross each other", "floor");
            else status = status(DetectorStatus.State.RUNNING, null, "floor");
            return null;
        };
        assertCode(KuraErrorCode.BAD_REQUEST, "zone 'bad' edges cross each other",
                () -> handler.doPut(CTX, req(Map.of("zones", "bad:0,0;1,1;1,0;0,1"), "config")));
        assertEquals(2, store.writes.size(), "written, then the previous configuration restored");
        assertArrayEquals((String[]) before.get("zones"), (String[]) store.props.get("zones"));
        assertEquals("RUNNING", status.state().name());
    }

    @Test
    void zonesAcceptedWhenTheDetectorRunsThem() throws Exception {
        store.onWrite = p -> {
            status = status(DetectorStatus.State.RUNNING, null, "floor", "door");
            return null;
        };
        KuraPayload p = handler.doPut(CTX, req(Map.of("zones", "floor:0,0.25;1,0.25;1,1;0,1|door:0,0.25;1,0.25;1,1;0,1"),
                "config")).getPayload();
        assertEquals("floor:0,0.25;1,0.25;1,1;0,1|door:0,0.25;1,0.25;1,1;0,1", p.getMetric("zones"));
        assertEquals(1, store.writes.size());
    }

    @Test
    void zonesNeverConfirmedTimeOutAndRollBack() {
        // detector keeps showing the old zones (e.g. stopped): the handler gives up after 1000 fake ms
        assertCode(KuraErrorCode.TIMED_OUT, "did not confirm",
                () -> handler.doPut(CTX, req(Map.of("zones", "door:0,0.25;1,0.25;1,1;0,1"), "config")));
        assertEquals(2, store.writes.size());
        assertTrue(now >= 1000);
    }

    @Test
    void execModelSetsThePrecision() throws Exception {
        KuraPayload p = handler.doExec(CTX, req(Map.of("precision", "FP32"), "model")).getPayload();
        assertEquals("FP32", store.props.get("model.precision"));
        assertEquals("FP32", p.getMetric("precision.requested"));
        assertCode(KuraErrorCode.BAD_REQUEST, "precision 'INT4' must be INT8 or FP32",
                () -> handler.doExec(CTX, req(Map.of("precision", "INT4"), "model")));
        assertCode(KuraErrorCode.BAD_REQUEST, "exactly one metric",
                () -> handler.doExec(CTX, req(Map.of("precision", "INT8", "x", 1), "model")));
        assertEquals(1, store.writes.size());
    }

    @Test
    void snapshotReturnsTheJpegOrTimesOut() throws Exception {
        nextSnapshot = CompletableFuture.completedFuture(new Snapshot(new byte[] { (byte) 0xFF, (byte) 0xD8, 1 }, 42, 1000, 64, 48,
                true, Frames.INT8));
        KuraPayload p = handler.doGet(CTX, req(Map.of(), "snapshot")).getPayload();
        assertEquals(3, p.getBody().length);
        assertEquals(42L, p.getMetric("sequence"));
        assertEquals("image/jpeg", p.getMetric("content.type"));
        nextSnapshot = new CompletableFuture<>();
        CompletableFuture<Snapshot> pending = nextSnapshot;
        assertCode(KuraErrorCode.TIMED_OUT, "no processed frame within 500 ms", () -> handler.doGet(CTX, req(Map.of(), "snapshot")));
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
        assertEquals(0, store.writes.size());
    }

    static void assertCode(KuraErrorCode code, String text, Executable call) {
        KuraException e = assertThrows(KuraException.class, call);
        assertEquals(code, e.getCode(), e.getMessage());
        assertNotNull(e.getMessage());
        assertTrue(e.getMessage().contains(text), e.getMessage());
    }
}
