package io.vigie.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;

import javax.imageio.ImageIO;

import org.eclipse.kura.message.KuraPayload;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import io.vigie.cloud.paho.KuraPayloadCodec;
import io.vigie.testkit.Mosquitto;

/**
 * io.vigie.telemetry end to end: the real gateway jar (detector on vtest.avi with a zone, cloud
 * connection io.vigie.cloud.paho, telemetry) publishing to a real mosquitto, and a cloud-side Paho
 * client that reads what arrives and sends Kura requests to VIGIE-V1.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TelemetryIT {
    static final String ACCOUNT = "acct";
    static final String CLIENT = "vigie-it";
    static final String CLOUD = "cloud-it";
    static final String DATA = ACCOUNT + "/" + CLIENT + "/VIGIE/";
    static final String FLOOR = "floor:0,0.25;1,0.25;1,1;0,1";
    // the limiter under test: metrics are produced every second but only 0.5 msg/s (burst 2) may go
    static final double RATE = 0.5;
    static final int BURST = 2;

    record Msg(String topic, KuraPayload payload) {
    }

    final KuraPayloadCodec codec = new KuraPayloadCodec();
    final List<Msg> inbox = new CopyOnWriteArrayList<>();
    Mosquitto broker;
    Gateway gw;
    MqttClient cloud;
    Path video;
    int requests;

    @BeforeAll
    void start() throws Exception {
        Path dir = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "telemetry-");
        broker = new Mosquitto(Files.createDirectories(dir.resolve("broker")));
        broker.start();
        // the cloud side listens before the gateway exists: nothing it sends can be missed
        cloud = new MqttClient(broker.uri(), CLOUD, new MemoryPersistence());
        MqttConnectOptions o = new MqttConnectOptions();
        o.setCleanSession(true);
        cloud.connect(o);
        cloud.subscribe(new String[] { ACCOUNT + "/" + CLIENT + "/#", "$EDC/" + ACCOUNT + "/" + CLOUD + "/#" },
                new int[] { 1, 1 });
        cloud.setCallback(new org.eclipse.paho.client.mqttv3.MqttCallback() {
            @Override
            public void connectionLost(Throwable cause) {
            }

            @Override
            public void messageArrived(String topic, org.eclipse.paho.client.mqttv3.MqttMessage m) {
                inbox.add(new Msg(topic, codec.decode(m.getPayload())));
            }

            @Override
            public void deliveryComplete(org.eclipse.paho.client.mqttv3.IMqttDeliveryToken t) {
            }
        });

        gw = new Gateway(dir.resolve("gw"));
        video = Gateway.vtest().toAbsolutePath();
        gw.writeConfig("io.vigie.detector", GatewayIT.detectorConfig("INT8", video.toString(), FLOOR));
        gw.writeCloudConfig(broker.uri(), CLIENT, ACCOUNT, dir.resolve("store"));
        Map<String, Object> t = new LinkedHashMap<>();
        t.put("metrics.interval.s", "1");
        t.put("rate.max.per.s", Double.toString(RATE));
        t.put("rate.burst", Integer.toString(BURST));
        t.put("snapshot.max.bytes", "120000");
        // generous waits for a busy CI box (the defaults are 2 s and 5 s)
        t.put("snapshot.timeout.ms", "10000");
        t.put("config.apply.timeout.ms", "20000");
        gw.writeConfig("io.vigie.telemetry", t);
        gw.start();
    }

    @AfterAll
    void stop() throws Exception {
        try {
            if (cloud != null && cloud.isConnected()) cloud.disconnect();
            if (cloud != null) cloud.close();
        } finally {
            try {
                if (gw != null) {
                    gw.close();
                    System.out.println("---- gateway log tail ----\n" + gw.tail());
                }
            } finally {
                if (broker != null) broker.close();
            }
        }
    }

    @Test
    @Order(1)
    void intrusionStartCarriesBoxesModelIdentityAndASnapshot() throws Exception {
        Msg m = await("intrusion START", x -> x.topic().equals(DATA + "events/intrusion")
                && "START".equals(x.payload().getMetric("type")), 120_000);
        KuraPayload p = m.payload();
        assertEquals("floor", p.getMetric("zone"));
        int boxes = (Integer) p.getMetric("boxes");
        assertTrue(boxes > 0, "boxes " + boxes);
        JsonArray dets = JsonParser.parseString((String) p.getMetric("detections")).getAsJsonArray();
        assertEquals(boxes, dets.size());
        for (JsonElement e : dets) {
            JsonObject d = e.getAsJsonObject();
            assertEquals("person", d.get("label").getAsString());
            assertTrue(d.get("score").getAsDouble() >= 0.5, d.toString());
            assertTrue(d.get("xmax").getAsDouble() > d.get("xmin").getAsDouble(), d.toString());
        }
        assertTrue((Integer) p.getMetric("persons") >= 1);
        assertEquals("INT8", p.getMetric("model.precision"));
        assertTrue(((String) p.getMetric("model.sha256")).matches("[0-9a-f]{64}"), String.valueOf(p.getMetric("model.sha256")));
        assertFalse(((String) p.getMetric("model.name")).isBlank());
        assertEquals(Boolean.TRUE, p.getMetric("snapshot"), "snapshot error: " + p.getMetric("snapshot.error"));
        BufferedImage img = ImageIO.read(new ByteArrayInputStream(p.getBody()));
        assertNotNull(img, "intrusion body is a JPEG");
        assertEquals(p.getMetric("snapshot.width"), img.getWidth());
        assertTrue(p.getBody().length <= 120_000, "size cap: " + p.getBody().length);
        System.out.printf("intrusion START: %d boxes, snapshot %dx%d %d bytes%n", boxes, img.getWidth(), img.getHeight(),
                p.getBody().length);
    }

    @Test
    @Order(2)
    void metricsAreAggregatedWithFpsAndLatency() throws Exception {
        // a steady-state window (not the first one, which starts before the model is loaded)
        Msg m = await("metrics with fps > 0", x -> x.topic().equals(DATA + "metrics")
                && x.payload().getMetric("fps") instanceof Double f && f > 0
                && x.payload().getMetric("frames.total") instanceof Long n && n > 30, 60_000);
        KuraPayload p = m.payload();
        assertTrue((Long) p.getMetric("frames") > 0);
        double p50 = (Double) p.getMetric("latency.p50.ms"), p99 = (Double) p.getMetric("latency.p99.ms");
        assertTrue(p50 > 0 && p99 >= p50, p50 + " / " + p99);
        assertEquals("RUNNING", p.getMetric("detector.state"));
        assertEquals("INT8", p.getMetric("model.precision"));
        assertTrue((Long) p.getMetric("rss.bytes") > 50L * 1024 * 1024, "RSS of a JVM with TFLite");
        assertNotNull(p.getMetric("drops.sink"));
        assertNotNull(p.getMetric("drops.source"));
        assertTrue((Long) p.getMetric("uptime.s") >= 0);
        System.out.printf("telemetry metrics: fps=%.2f p50=%.1f ms p95=%.1f ms p99=%.1f ms cpu=%s%% rss=%d MB%n",
                p.getMetric("fps"), p50, p.getMetric("latency.p95.ms"), p99, p.getMetric("cpu.percent"),
                (Long) p.getMetric("rss.bytes") / (1024 * 1024));
    }

    @Test
    @Order(9)
    void rateBoundHoldsAndDropsAreCounted() throws Exception {
        // last, so the whole run's traffic (commands, a model swap) is in the sample. Metrics are
        // produced every second at 0.5 msg/s allowed: wait until the limiter has dropped several
        await("metrics reporting rate drops", x -> x.topic().equals(DATA + "metrics")
                && x.payload().getMetric("telemetry.rate.dropped") instanceof Long l && l >= 3, 60_000);
        gw.await("5 metrics messages", Duration.ofSeconds(60),
                () -> inbox.stream().filter(m -> m.topic().equals(DATA + "metrics")).count() >= 5);
        // Bound checked on the gateway's own timestamps (no timing assumption on this machine): the
        // non-urgent messages created in any span T are at most burst + rate * T.
        List<Long> ts = new ArrayList<>();
        for (Msg m : inbox) if (m.topic().equals(DATA + "metrics")) ts.add(m.payload().getTimestamp().getTime());
        ts.sort(null);
        assertTrue(ts.size() >= 5, "metrics seen: " + ts.size());
        for (int i = 0; i < ts.size(); i++) {
            for (int j = i; j < ts.size(); j++) {
                // + 0.1 s: payload timestamps are whole ms, taken just before the token is
                double span = (ts.get(j) - ts.get(i)) / 1000.0 + 0.1;
                int count = j - i + 1;
                assertTrue(count <= BURST + RATE * span + 1e-9,
                        count + " metrics messages within " + span + " s exceeds burst " + BURST + " + " + RATE + "/s");
            }
        }
        long intrusions = inbox.stream().filter(m -> m.topic().equals(DATA + "events/intrusion")).count();
        System.out.printf("rate bound: %d metrics messages over %.1f s (limit %.1f/s, burst %d), %d intrusion messages%n",
                ts.size(), (ts.get(ts.size() - 1) - ts.get(0)) / 1000.0, RATE, BURST, intrusions);
    }

    @Test
    @Order(4)
    void getStatusAndConfig() throws Exception {
        KuraPayload st = request("GET", "status", Map.of());
        assertEquals(200, st.getMetric("response.code"));
        assertEquals("RUNNING", st.getMetric("state"));
        assertTrue(((String) st.getMetric("model.sha256")).matches("[0-9a-f]{64}"));
        JsonObject body = JsonParser.parseString(new String(st.getBody(), StandardCharsets.UTF_8)).getAsJsonObject();
        assertEquals("floor", body.getAsJsonArray("zones").get(0).getAsJsonObject().get("name").getAsString());
        assertTrue(body.getAsJsonObject("telemetry").get("sent").getAsLong() > 0);

        KuraPayload cfg = request("GET", "config", Map.of());
        assertEquals(200, cfg.getMetric("response.code"));
        assertEquals(video.toString(), cfg.getMetric("source.uri"));
        assertEquals(FLOOR, cfg.getMetric("zones"));
        assertEquals("INT8", cfg.getMetric("model.precision"));
    }

    @Test
    @Order(5)
    void putConfigGoodAndBad() throws Exception {
        KuraPayload ok = request("PUT", "config", Map.of("score.threshold", 0.55, "dwell.ms", 400L));
        assertEquals(200, ok.getMetric("response.code"), String.valueOf(ok.getMetric("response.exception.message")));
        KuraPayload cfg = request("GET", "config", Map.of());
        assertEquals(0.55f, ((Number) cfg.getMetric("score.threshold")).floatValue(), 1e-6);
        assertEquals(400L, ((Number) cfg.getMetric("dwell.ms")).longValue());

        // bad type, bad range, unknown key, read-only key: 400, and the configuration is untouched
        List<Map<String, Object>> bad = List.of(Map.of("score.threshold", "high"), Map.of("threads", 99),
                Map.of("score.threshold", 0.6, "no.such.key", 1), Map.of("source.uri", "/etc/passwd"));
        for (Map<String, Object> b : bad) {
            KuraPayload r = request("PUT", "config", b);
            assertEquals(400, r.getMetric("response.code"), b.toString());
            assertNotNull(r.getMetric("response.exception.message"), b.toString());
        }
        // a zone the detector refuses (edges cross): 400 with the detector's reason, zones kept
        KuraPayload crossing = request("PUT", "config", Map.of("zones", "bad:0,0;1,1;1,0;0,1"));
        assertEquals(400, crossing.getMetric("response.code"));
        assertTrue(String.valueOf(crossing.getMetric("response.exception.message")).contains("edges cross"),
                String.valueOf(crossing.getMetric("response.exception.message")));
        KuraPayload after = request("GET", "config", Map.of());
        assertEquals(0.55f, ((Number) after.getMetric("score.threshold")).floatValue(), 1e-6);
        assertEquals(FLOOR, after.getMetric("zones"));
        assertEquals(video.toString(), after.getMetric("source.uri"));
        KuraPayload st = awaitStatus(s -> "RUNNING".equals(s.getMetric("state")));
        assertEquals(1, st.getMetric("zones"));
    }

    @Test
    @Order(6)
    void snapshotIsAJpegAndUnknownIs404() throws Exception {
        long t0 = System.nanoTime();
        KuraPayload snap = request("GET", "snapshot", Map.of());
        long snapMs = (System.nanoTime() - t0) / 1_000_000;
        t0 = System.nanoTime();
        request("GET", "status", Map.of());
        System.out.printf("round trips through mosquitto: GET snapshot %d ms (%d bytes), GET status %d ms%n", snapMs,
                snap.getBody() == null ? 0 : snap.getBody().length, (System.nanoTime() - t0) / 1_000_000);
        assertEquals(200, snap.getMetric("response.code"), String.valueOf(snap.getMetric("response.exception.message")));
        BufferedImage img = ImageIO.read(new ByteArrayInputStream(snap.getBody()));
        assertNotNull(img, "snapshot body is a JPEG");
        assertEquals(snap.getMetric("width"), img.getWidth());
        assertEquals(404, request("GET", "nothing", Map.of()).getMetric("response.code"));
        assertEquals(404, request("GET", "status/deeper", Map.of()).getMetric("response.code"));
        assertEquals(400, request("EXEC", "model", Map.of("precision", "INT4")).getMetric("response.code"));
        // garbage: a body where only metrics are expected, a resource segment far too long
        KuraPayload withBody = request("PUT", "config", Map.of("threads", 2), "threads=2".getBytes(StandardCharsets.UTF_8));
        assertEquals(400, withBody.getMetric("response.code"));
        assertTrue(String.valueOf(withBody.getMetric("response.exception.message")).contains("body"));
        assertEquals(400, request("GET", "x".repeat(200), Map.of()).getMetric("response.code"));
    }

    @Test
    @Order(7)
    void execModelSwapsAndTheModelNoticeFollows() throws Exception {
        KuraPayload r = request("EXEC", "model", Map.of("precision", "FP32"));
        assertEquals(200, r.getMetric("response.code"), String.valueOf(r.getMetric("response.exception.message")));
        Msg m = await("model notice FP32", x -> x.topic().equals(DATA + "model")
                && "FP32".equals(x.payload().getMetric("model.precision")), 90_000);
        assertEquals("MODEL_CHANGED", m.payload().getMetric("type"));
        assertTrue((Double) m.payload().getMetric("swap.ms") > 0);
        assertEquals("FP32", request("GET", "config", Map.of()).getMetric("model.precision"));
    }

    @Test
    @Order(8)
    void deploymentPackageInstallIsNotified() throws Exception {
        // the INT8 model as a DP (FP32 is active now, so detection is not disturbed), through the OTA REST API
        byte[] bundle = Files.readAllBytes(TestDp.modelBundle("int8"));
        String name = "vigie-model-ssd-mobilenet-v2-int8";
        byte[] dp = TestDp.dp(name, TestDp.bundleVersion(bundle), bundle, Map.of("Vigie-Kind", "model"));
        var r = gw.post("/vigie/api/packages?" + gw.signatureParam(dp), dp, "application/octet-stream");
        assertEquals(200, r.statusCode(), r.body());
        Msg m = await("DP_COMPLETE notice", x -> x.topic().equals(DATA + "model")
                && "DP_COMPLETE".equals(x.payload().getMetric("type")), 60_000);
        assertEquals(name, m.payload().getMetric("dp.name"));
        assertEquals("INSTALL", m.payload().getMetric("dp.operation"));
        assertEquals(Boolean.TRUE, m.payload().getMetric("successful"));
        assertEquals(TestDp.bundleVersion(bundle), m.payload().getMetric("dp.version.next"));
    }

    // ---- helpers ---------------------------------------------------------------------------

    /** One Kura request: $EDC/acct/client/VIGIE-V1/METHOD/resource..., reply on $EDC/acct/cloud-it/VIGIE-V1/REPLY/id. */
    KuraPayload request(String method, String resource, Map<String, Object> metrics) throws Exception {
        return request(method, resource, metrics, null);
    }

    KuraPayload request(String method, String resource, Map<String, Object> metrics, byte[] body) throws Exception {
        String id = "r" + (++requests) + "-" + System.nanoTime();
        KuraPayload p = new KuraPayload();
        p.addMetric("request.id", id);
        p.addMetric("requester.client.id", CLOUD);
        metrics.forEach(p::addMetric);
        p.setBody(body);
        cloud.publish("$EDC/" + ACCOUNT + "/" + CLIENT + "/VIGIE-V1/" + method + "/" + resource, codec.encode(p), 1, false);
        String replyTopic = "$EDC/" + ACCOUNT + "/" + CLOUD + "/VIGIE-V1/REPLY/" + id;
        return await(method + " " + resource + " reply", x -> x.topic().equals(replyTopic), 30_000).payload();
    }

    KuraPayload awaitStatus(Predicate<KuraPayload> ok) throws Exception {
        AtomicReference<KuraPayload> last = new AtomicReference<>();
        return gw.await("a matching status", Duration.ofSeconds(30), () -> {
            last.set(request("GET", "status", Map.of()));
            return last.get();
        }, ok, () -> "; last " + (last.get() == null ? null : last.get().metrics()));
    }

    Msg await(String what, Predicate<Msg> ok, long timeoutMs) throws Exception {
        return gw.await(what, Duration.ofMillis(timeoutMs), () -> {
            if (!gw.alive()) throw new AssertionError("gateway died:\n" + gw.tail());
            return inbox.stream().filter(ok).findFirst();
        }, Optional::isPresent, () -> "; topics seen " + inbox.stream().map(Msg::topic).distinct().toList()).get();
    }
}
