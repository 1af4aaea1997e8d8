package io.vigie.web.osgi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.reflect.Field;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.servlet.ServletContextHandler;
import org.eclipse.jetty.servlet.ServletHolder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.osgi.service.event.Event;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import io.vigie.api.detect.DetectorSettingsService;
import io.vigie.api.detect.DetectorTopics;
import io.vigie.api.detect.FrameResult;
import io.vigie.api.detect.Timings;

/** The history and settings servlets in Jetty 9.4 (Kura's line); the settings rules are a stand-in here. */
class DashboardServletsJettyTest {
    private Server server;
    private HistoryServlet history;
    private String base;
    private final HttpClient http = HttpClient.newHttpClient();
    private final List<Map<String, ?>> applied = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        history = new HistoryServlet();
        history.activate();
        SettingsServlet settings = new SettingsServlet();
        Field f = SettingsServlet.class.getDeclaredField("settings");
        f.setAccessible(true);
        f.set(settings, new DetectorSettingsService() {
            @Override
            public Map<String, Object> current() {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("model.precision", "INT8");
                m.put("source.uri", "rtsp://u:***@cam/x");
                return m;
            }

            @Override
            public Map<String, Object> validate(Map<String, ?> changes) {
                if (changes.containsKey("threads")) throw new IllegalArgumentException("threads '99.0' must be 1..16");
                return new LinkedHashMap<>(changes);
            }

            @Override
            public Map<String, Object> apply(Map<String, ?> changes) {
                Map<String, Object> out = validate(changes);
                applied.add(out);
                return out;
            }
        });
        server = new Server(0);
        ServletContextHandler ctx = new ServletContextHandler();
        ctx.setContextPath(VigieServletContext.PATH);
        ctx.addServlet(new ServletHolder(history), "/api/history");
        ctx.addServlet(new ServletHolder(settings), "/api/settings");
        server.setHandler(ctx);
        server.start();
        base = "http://127.0.0.1:" + ((ServerConnector) server.getConnectors()[0]).getLocalPort() + "/vigie";
    }

    @AfterEach
    void stop() throws Exception {
        history.deactivate();
        server.stop();
    }

    private HttpResponse<String> send(String method, String path, String type, HttpRequest.BodyPublisher body)
            throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).method(method, body);
        if (type != null) b.header("Content-Type", type);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> patch(String json) throws IOException, InterruptedException {
        return send("PATCH", "/api/settings", "application/json", HttpRequest.BodyPublishers.ofString(json));
    }

    private static JsonObject json(HttpResponse<String> r) {
        return JsonParser.parseString(r.body()).getAsJsonObject();
    }

    @Test
    void historyFillsOncePerSecondWithProcessFiguresAndMarks() throws Exception {
        for (int i = 1; i <= 5; i++) {
            history.record(new FrameResult(i, i, 4, 4, List.of(), List.of(), null, new Timings(1, 1, 10, 1, 13)));
        }
        history.handleEvent(new Event(DetectorTopics.MODEL_CHANGED, Map.of(DetectorTopics.MODEL_NAME, "m",
                DetectorTopics.MODEL_PRECISION, "FP32", DetectorTopics.SWAP_MS, 321.5, DetectorTopics.SEQUENCE, 99L)));
        history.handleEvent(new Event("io/vigie/ota/ROLLBACK", Map.of("name", "vigie-model-int8", "version", "1.0.1",
                "reason", "fps 0.0 below 1.0")));
        JsonObject h = null;
        long end = System.currentTimeMillis() + 10_000;
        while (System.currentTimeMillis() < end) {
            h = json(send("GET", "/api/history?seconds=60", null, HttpRequest.BodyPublishers.noBody()));
            if (h.getAsJsonArray("t").size() >= 2) break;
            Thread.sleep(200);
        }
        assertTrue(h.getAsJsonArray("t").size() >= 2, h.toString());
        assertEquals(13.0, h.getAsJsonArray("p95Ms").get(0).getAsDouble(), 1e-9);
        assertTrue(h.getAsJsonArray("rssMb").get(1).getAsDouble() > 10, "the JVM's own RSS");
        assertTrue(h.getAsJsonArray("cpuPercent").get(1).getAsDouble() >= 0);
        assertEquals("swap", h.getAsJsonArray("marks").get(0).getAsJsonObject().get("kind").getAsString());
        assertEquals(321.5, h.getAsJsonArray("marks").get(0).getAsJsonObject().get("swapMs").getAsDouble(), 1e-9);
        JsonObject ota = h.getAsJsonArray("marks").get(1).getAsJsonObject();
        assertEquals("ota-rollback", ota.get("kind").getAsString());
        assertEquals("vigie-model-int8 1.0.1: fps 0.0 below 1.0", ota.get("text").getAsString());
        for (String bad : List.of("0", "901", "-5", "abc", "1e3", "%00")) {
            HttpResponse<String> r = send("GET", "/api/history?seconds=" + bad, null, HttpRequest.BodyPublishers.noBody());
            assertEquals(400, r.statusCode(), bad);
            assertTrue(json(r).get("error").getAsString().contains("1..900"));
        }
    }

    @Test
    void settingsReadAndPatchThroughTheDetectorsService() throws Exception {
        JsonObject g = json(send("GET", "/api/settings", null, HttpRequest.BodyPublishers.noBody()));
        assertEquals("rtsp://u:***@cam/x", g.getAsJsonObject("settings").get("source.uri").getAsString());
        assertEquals("source.uri", g.getAsJsonArray("readOnly").get(0).getAsString());
        HttpResponse<String> ok = patch("{\"model.precision\":\"FP32\"}");
        assertEquals(200, ok.statusCode(), ok.body());
        assertEquals("FP32", json(ok).getAsJsonObject("applied").get("model.precision").getAsString());
        assertEquals(List.of(Map.of("model.precision", "FP32")), applied);
        HttpResponse<String> bad = patch("{\"threads\":99}");
        assertEquals(400, bad.statusCode());
        assertEquals("threads '99.0' must be 1..16", json(bad).get("error").getAsString(), "the service's own message");
    }

    @Test
    void hostileSettingsRequestsChangeNothing() throws Exception {
        assertEquals(400, patch("{garbage").statusCode());
        assertEquals(400, patch("{\"threads\":\"x\",").statusCode());
        assertEquals(400, patch("{\"zones\":{\"a\":1}}").statusCode());
        assertEquals(403, patch("{\"source.uri\":\"file:///etc/shadow\"}").statusCode());
        assertEquals(415, send("PATCH", "/api/settings", "text/plain",
                HttpRequest.BodyPublishers.ofString("{\"model.precision\":\"FP32\"}")).statusCode());
        String huge = "{\"zones\":\"" + "a".repeat(70_000) + "\"}";
        assertEquals(413, patch(huge).statusCode());
        // chunked (no Content-Length): refused after 64 KiB + 1 bytes are read, not buffered whole
        HttpResponse<String> chunked = send("PATCH", "/api/settings", "application/json",
                HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(huge.getBytes())));
        assertEquals(413, chunked.statusCode());
        assertEquals(400, patch("{\"zones\":" + "[".repeat(30_000) + "]".repeat(30_000) + "}").statusCode());
        HttpResponse<String> post = send("POST", "/api/settings", "application/json",
                HttpRequest.BodyPublishers.ofString("{}"));
        assertEquals(405, post.statusCode());
        assertEquals(List.of(), applied, "nothing reached the settings service");
    }
}
