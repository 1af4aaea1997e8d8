package io.vigie.web.osgi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.Socket;
import java.net.URL;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import javax.imageio.ImageIO;

import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.servlet.ServletContextHandler;
import org.eclipse.jetty.servlet.ServletHolder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.service.event.Event;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import io.vigie.api.detect.DetectorTopics;
import io.vigie.api.video.ImageView;
import io.vigie.web.core.IntrusionLog;

/** The intrusion servlet in Jetty 9.4 under /vigie, fed like the detector and EventAdmin would. */
class IntrusionComponentJettyTest {
    static {
        System.setProperty("java.awt.headless", "true");
    }

    @TempDir
    Path dir;
    Server server;
    IntrusionComponent intrusions;
    String base;
    int port;
    final AtomicBoolean feeding = new AtomicBoolean();
    Thread feeder;
    volatile int imagesGiven;

    @BeforeEach
    void start() throws Exception {
        intrusions = new IntrusionComponent(new IntrusionLog(dir, 100, 1_000_000, System::currentTimeMillis), 320);
        server = new Server(0);
        ServletContextHandler ctx = new ServletContextHandler();
        ctx.setContextPath(VigieServletContext.PATH);
        ctx.addServlet(new ServletHolder(intrusions), "/api/intrusions");
        ctx.addServlet(new ServletHolder(intrusions), "/api/intrusions/*");
        server.setHandler(ctx);
        server.start();
        port = ((ServerConnector) server.getConnectors()[0]).getLocalPort();
        base = "http://127.0.0.1:" + port + "/vigie/api/intrusions";
    }

    @AfterEach
    void stop() throws Exception {
        feeding.set(false);
        if (feeder != null) feeder.join(5_000);
        intrusions.deactivate();
        server.stop();
    }

    static ImageView image() {
        ByteBuffer b = ByteBuffer.allocate(640 * 480 * 3);
        for (int i = 0; i < b.capacity(); i++) b.put(i, (byte) (i % 251));
        return new ImageView(640, 480, 640 * 3, b);
    }

    /** The detector's per-listener dispatcher: a frame every 20 ms, pixels only while asked for. */
    void startFeeder() {
        feeding.set(true);
        feeder = new Thread(() -> {
            long seq = 0;
            while (feeding.get()) {
                boolean wants = intrusions.wantsImages();
                if (wants) imagesGiven++;
                intrusions.onFrame(WebComponentJettyTest.result(++seq), wants ? image() : null);
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        feeder.start();
    }

    static Event event(String topic, String zone, long started) {
        Map<String, Object> p = new HashMap<>();
        p.put(DetectorTopics.ZONE, zone);
        p.put(DetectorTopics.STARTED, started);
        p.put(DetectorTopics.TIMESTAMP, started + 5_000);
        p.put(DetectorTopics.PERSONS, 2);
        p.put(DetectorTopics.SEQUENCE, 42L);
        p.put(DetectorTopics.MODEL_NAME, "ssd");
        p.put(DetectorTopics.MODEL_PRECISION, "INT8");
        p.put(DetectorTopics.MODEL_VERSION, "1.0.0");
        return new Event(topic, p);
    }

    HttpURLConnection get(String path) throws IOException {
        HttpURLConnection c = (HttpURLConnection) new URL(base + path).openConnection();
        c.setConnectTimeout(5_000);
        c.setReadTimeout(10_000);
        return c;
    }

    static byte[] body(HttpURLConnection c) throws IOException {
        try (InputStream in = c.getResponseCode() >= 400 ? c.getErrorStream() : c.getInputStream()) {
            return in.readAllBytes();
        }
    }

    static JsonObject json(HttpURLConnection c) throws IOException {
        return JsonParser.parseString(new String(body(c), StandardCharsets.UTF_8)).getAsJsonObject();
    }

    @Test
    void aStartIsLoggedWithAScaledAnnotatedSnapshotTakenOffTheEventThread() throws Exception {
        assertFalse(intrusions.wantsImages(), "no pixels asked for while nothing is pending");
        startFeeder();
        intrusions.handleEvent(event(DetectorTopics.INTRUSION_START, "door", 1_000));
        JsonObject r = null;
        for (int i = 0; i < 100; i++) { // the capture thread takes the next frame with pixels
            r = json(get("")).getAsJsonArray("intrusions").get(0).getAsJsonObject();
            if (!r.get("thumb").isJsonNull()) break;
            Thread.sleep(50);
        }
        assertEquals("door", r.get("zone").getAsString());
        assertEquals(1_000, r.get("startMs").getAsLong());
        assertEquals(2, r.get("persons").getAsInt());
        assertEquals("ssd/INT8/1.0.0", r.get("model").getAsString());
        assertFalse(r.has("endMs"), "still open");
        String thumb = r.get("thumb").getAsString();
        assertEquals("/vigie/api/intrusions/" + r.get("id").getAsLong() + "/thumb.jpg", thumb);
        HttpURLConnection c = (HttpURLConnection) new URL("http://127.0.0.1:" + port + thumb).openConnection();
        assertEquals(200, c.getResponseCode());
        assertEquals("image/jpeg", c.getContentType());
        BufferedImage img = ImageIO.read(new ByteArrayInputStream(body(c)));
        assertEquals(320, img.getWidth(), "scaled to the configured width");
        assertEquals(240, img.getHeight());
        int given = imagesGiven;
        Thread.sleep(200);
        assertEquals(given, imagesGiven, "pixels stop once the snapshot is taken");

        intrusions.handleEvent(event(DetectorTopics.INTRUSION_END, "door", 1_000));
        JsonObject ended = json(get("?zone=door")).getAsJsonArray("intrusions").get(0).getAsJsonObject();
        assertEquals(6_000, ended.get("endMs").getAsLong());
    }

    @Test
    void anIntrusionOfAZoneTheFramesNoLongerHaveIsEndedByTheFrames() throws Exception {
        intrusions.handleEvent(event(DetectorTopics.INTRUSION_START, "yard", 1_000));
        intrusions.handleEvent(event(DetectorTopics.INTRUSION_START, "door", 1_000));
        var frame = WebComponentJettyTest.result(7); // zone "door" intruded, no "yard" (removed without an END)
        intrusions.onFrame(frame, null);
        JsonArray yard = json(get("?zone=yard")).getAsJsonArray("intrusions");
        assertEquals(frame.timestampMillis(), yard.get(0).getAsJsonObject().get("endMs").getAsLong());
        assertFalse(json(get("?zone=door")).getAsJsonArray("intrusions").get(0).getAsJsonObject().has("endMs"));
    }

    @Test
    void withoutFramesTheIntrusionIsLoggedWithoutASnapshot() throws Exception {
        intrusions.handleEvent(event(DetectorTopics.INTRUSION_START, "yard", 2_000));
        JsonArray a = json(get("?zone=yard&since=0&until=3000&limit=1")).getAsJsonArray("intrusions");
        assertEquals(1, a.size());
        assertTrue(a.get(0).getAsJsonObject().get("thumb").isJsonNull());
        assertEquals(0, json(get("?zone=door")).getAsJsonArray("intrusions").size());
        assertEquals(404, get("/1/thumb.jpg").getResponseCode(), "no snapshot yet");
    }

    @Test
    void hostileRequestsAreRefusedWithTheReason() throws Exception {
        String[][] cases = {
            { "?limit=100000", "400", "limit: 1..1000" },
            { "?limit=-1", "400", "limit: 1..1000" },
            { "?limit=abc", "400", "whole number" },
            { "?since=tomorrow", "400", "since: epoch milliseconds" },
            { "?until=2026-02-30T00:00:00Z", "400", "until" },
            { "?since=5&until=4", "400", "since is after until" },
            { "?zone=" + "z".repeat(200), "400", "64 characters" },
            { "/abc/thumb.jpg", "404", "no such resource" },
            { "/1/../../../etc/passwd", "404", "" },
            { "/999999/thumb.jpg", "404", "no snapshot for intrusion 999999" },
            { "/1/thumb.jpg/x", "404", "no such resource" },
        };
        for (String[] k : cases) {
            HttpURLConnection c = get(k[0]);
            int code = c.getResponseCode();
            String b = new String(body(c), StandardCharsets.UTF_8);
            assertEquals(Integer.parseInt(k[1]), code, k[0] + " -> " + b);
            assertTrue(b.contains(k[2]), k[0] + " -> " + b);
        }
        // raw request lines a browser would never send: encoded traversal, a dot segment, a NUL
        for (String path : new String[] { "/vigie/api/intrusions/%2e%2e%2f%2e%2e%2fetc%2fpasswd/thumb.jpg",
            "/vigie/api/intrusions/..%2f1/thumb.jpg", "/vigie/api/intrusions/1%00/thumb.jpg" }) {
            String status = raw("GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            assertTrue(status.startsWith("HTTP/1.1 4"), path + " -> " + status);
        }
    }

    String raw(String request) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(5_000);
            OutputStream out = s.getOutputStream();
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            String all = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            return all.lines().findFirst().orElse("");
        }
    }
}
