package io.vigie.web.osgi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.annotation.Annotation;
import java.lang.reflect.Field;
import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import javax.imageio.ImageIO;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.servlet.ServletContextHandler;
import org.eclipse.jetty.servlet.ServletHolder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.osgi.service.event.Event;

import io.vigie.api.detect.DetectorService;
import io.vigie.api.detect.DetectorStatus;
import io.vigie.api.detect.DetectorTopics;
import io.vigie.api.detect.FrameResult;
import io.vigie.api.detect.Timings;
import io.vigie.api.detect.ZoneState;
import io.vigie.api.inference.Detection;
import io.vigie.api.model.ModelIdentity;
import io.vigie.api.model.Precision;
import io.vigie.api.video.ImageView;
import io.vigie.view.image.Annotator;
import io.vigie.view.image.JpegEncoder;
import io.vigie.web.core.AccessPolicy;
import io.vigie.web.core.MjpegWriter;

/** The real servlet in Jetty 9.4 (Kura's line) under /vigie, fed like the detector would. */
class WebComponentJettyTest {
    static {
        System.setProperty("java.awt.headless", "true");
    }

    static final ModelIdentity MODEL = new ModelIdentity("ssd-mobilenet-v2", Precision.INT8, "1.0.0",
            "7046f31a00000000000000000000000000000000000000000000000000aa0cd");

    private Server server;
    private WebComponent web;
    private String base;
    private final AtomicReference<FrameResult> detectorLatest = new AtomicReference<>();
    private Thread feeder;
    private final AtomicBoolean feeding = new AtomicBoolean();

    @BeforeEach
    void start() throws Exception {
        web = new WebComponent();
        Field f = WebComponent.class.getDeclaredField("detector");
        f.setAccessible(true);
        f.set(web, new DetectorService() {
            @Override
            public DetectorStatus status() {
                return new DetectorStatus(DetectorStatus.State.RUNNING, null, null, MODEL, List.of(MODEL), 5, 10, 0,
                        List.of());
            }

            @Override
            public FrameResult latest() {
                return detectorLatest.get();
            }
        });
        web.activate(config(80, 0, 2, 2, 0));
        server = new Server(0);
        ServletContextHandler ctx = new ServletContextHandler();
        ctx.setContextPath(VigieServletContext.PATH);
        ctx.addServlet(new ServletHolder(web), "/*");
        server.setHandler(ctx);
        server.start();
        base = "http://127.0.0.1:" + ((ServerConnector) server.getConnectors()[0]).getLocalPort() + "/vigie";
    }

    @AfterEach
    void stop() throws Exception {
        feeding.set(false);
        if (feeder != null) feeder.join(5_000);
        web.deactivate();
        server.stop();
    }

    static WebConfig config(int q, double fps, int streamClients, int sseClients, double sseRate) {
        return new WebConfig() {
            @Override
            public Class<? extends Annotation> annotationType() {
                return WebConfig.class;
            }

            @Override
            public int jpeg_quality() {
                return q;
            }

            @Override
            public double stream_max_fps() {
                return fps;
            }

            @Override
            public int stream_max_clients() {
                return streamClients;
            }

            @Override
            public int sse_max_clients() {
                return sseClients;
            }

            @Override
            public double sse_detection_rate() {
                return sseRate;
            }
        };
    }

    static FrameResult result(long seq) {
        return new FrameResult(seq, System.currentTimeMillis(), 320, 240,
                List.of(new Detection(0, "person", 0.9f, 0.2f, 0.2f, 0.6f, 0.9f)),
                List.of(new ZoneState("door", List.of(new float[] { 0, 0 }, new float[] { 0.5f, 0 },
                        new float[] { 0.5f, 1 }), 1, true)),
                MODEL, new Timings(3, 2, 25, 1, 31));
    }

    static ImageView image() {
        ByteBuffer b = ByteBuffer.allocate(320 * 240 * 3);
        for (int i = 0; i < b.capacity(); i++) b.put(i, (byte) (i % 251));
        return new ImageView(320, 240, 320 * 3, b);
    }

    /** Plays the detector's dispatcher: a frame every 20 ms, pixels only when asked for. */
    private void startFeeder() {
        feeding.set(true);
        feeder = new Thread(() -> {
            long seq = 0;
            while (feeding.get()) {
                seq++;
                web.onFrame(result(seq), web.wantsImages() ? image() : null);
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        feeder.start();
    }

    private HttpURLConnection get(String path) throws IOException {
        HttpURLConnection c = (HttpURLConnection) new URL(base + path).openConnection();
        c.setInstanceFollowRedirects(false);
        c.setConnectTimeout(5_000);
        c.setReadTimeout(10_000);
        return c;
    }

    private static String body(HttpURLConnection c) throws IOException {
        InputStream in = c.getResponseCode() >= 400 ? c.getErrorStream() : c.getInputStream();
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void jsonEndpointsRoutingAndErrors() throws Exception {
        HttpURLConnection c = get("/api/status");
        assertEquals(200, c.getResponseCode());
        assertTrue(c.getContentType().startsWith("application/json"));
        assertTrue(body(c).contains("\"state\":\"RUNNING\""));

        c = get("/api/detections");
        assertEquals(404, c.getResponseCode());
        assertTrue(body(c).contains("no frame result yet"));
        detectorLatest.set(result(3));
        assertTrue(body(get("/api/detections")).contains("\"seq\":3"));
        web.onFrame(result(9), null);
        String det = body(get("/api/detections"));
        assertTrue(det.contains("\"seq\":9") && det.contains("\"sha256\":\"7046f31a"), det);

        assertTrue(body(get("/api/models")).contains("\"active\":{\"name\":\"ssd-mobilenet-v2\""));
        assertTrue(body(get("/api/metrics")).contains("\"latencyMs\""));
        c = get("/metrics");
        assertTrue(c.getContentType().startsWith("text/plain; version=0.0.4"));
        String prom = body(c);
        assertTrue(prom.contains("vigie_model_info{name=\"ssd-mobilenet-v2\",precision=\"INT8\""), prom);
        assertTrue(prom.contains("vigie_latency_seconds_count 1\n"), prom);

        c = get("/");
        assertEquals(302, c.getResponseCode(), "the old page's place leads to the dashboard");
        assertTrue(c.getHeaderField("Location").endsWith("/vigie/ui/live.html"), c.getHeaderField("Location"));
        c = get("");
        assertEquals(302, c.getResponseCode());
        assertTrue(c.getHeaderField("Location").endsWith("/vigie/"));
        assertEquals(404, get("/nope").getResponseCode());
        c = get("/stream.mjpg?fps=fast");
        assertEquals(400, c.getResponseCode());
        assertTrue(body(c).contains("fps must be a number"));
    }

    @Test
    void mjpegStreamDeliversDecodableAnnotatedFramesAndNoticesDisconnect() throws Exception {
        startFeeder();
        HttpURLConnection c = get("/stream.mjpg");
        assertEquals(200, c.getResponseCode());
        assertEquals(MjpegWriter.CONTENT_TYPE, c.getContentType());
        DataInputStream in = new DataInputStream(c.getInputStream());
        for (int part = 0; part < 3; part++) {
            assertEquals("--" + MjpegWriter.BOUNDARY, line(in));
            int len = -1;
            for (String h; !(h = line(in)).isEmpty();) {
                if (h.startsWith("Content-Length: ")) len = Integer.parseInt(h.substring(16));
            }
            byte[] jpeg = new byte[len];
            in.readFully(jpeg);
            assertEquals("", line(in));
            BufferedImage img = ImageIO.read(new ByteArrayInputStream(jpeg));
            assertNotNull(img);
            assertEquals(320, img.getWidth());
            assertEquals(240, img.getHeight());
        }
        // pixels are wanted only while the viewer is due (not busy writing, its fps cap allowing): the slot is counted
        assertTrue(body(get("/metrics")).contains("vigie_stream_clients 1\n"));
        c.disconnect();
        // The server notices on a following write and frees the viewer slot.
        long deadline = System.currentTimeMillis() + 15_000;
        while (body(get("/metrics")).contains("vigie_stream_clients 1\n") && System.currentTimeMillis() < deadline) {
            Thread.sleep(50);
        }
        assertTrue(body(get("/metrics")).contains("vigie_stream_clients 0\n"), "viewer released after the client went away");
        assertFalse(web.wantsImages());
    }

    @Test
    void snapshotWithoutViewersAsksForPixels() throws Exception {
        startFeeder();
        HttpURLConnection c = get("/snapshot.jpg");
        assertEquals(200, c.getResponseCode());
        assertEquals("image/jpeg", c.getContentType());
        BufferedImage img;
        try (InputStream in = c.getInputStream()) {
            img = ImageIO.read(in);
        }
        assertEquals(320, img.getWidth());
        assertFalse(web.wantsImages());
    }

    /**
     * The picture is the shared io.vigie.view drawing (as telemetry's snapshots: SnapshotTakerTest), its
     * status line carrying the detector's fps (10 in this stand-in's status), not one measured here.
     */
    @Test
    void snapshotIsTheSharedAnnotatorsDrawingWithTheDetectorsFps() throws Exception {
        startFeeder();
        HttpURLConnection c = get("/snapshot.jpg");
        assertEquals(200, c.getResponseCode());
        long seq = Long.parseLong(c.getHeaderField("X-Vigie-Sequence"));
        byte[] served = c.getInputStream().readAllBytes();
        String overlay = "10.0 fps | 31 ms | " + MODEL.shortId() + " | #" + seq;
        byte[] expected;
        try (JpegEncoder enc = new JpegEncoder()) {
            expected = enc.encode(new Annotator().draw(image(), result(seq), overlay), 80);
        }
        assertArrayEquals(expected, served, "same pixels, same encoder, same bytes");
    }

    @Test
    void invalidReconfigurationChangesNothing() throws Exception {
        web.modified(config(0, -1, 0, 2, 0)); // refused as a whole: quality 0 would break encoding
        startFeeder();
        HttpURLConnection c = get("/snapshot.jpg");
        assertEquals(200, c.getResponseCode());
        c.getInputStream().readAllBytes();
        web.modified(config(80, 0, 1, 1, 0)); // valid: one stream client at most
        HttpURLConnection s1 = get("/stream.mjpg");
        assertEquals(200, s1.getResponseCode());
        s1.getInputStream().read();
        HttpURLConnection s2 = get("/stream.mjpg");
        assertEquals(503, s2.getResponseCode());
        assertTrue(body(s2).contains("too many stream clients (max 1)"));
        s1.disconnect();
    }

    @Test
    void serverSentEventsCarryDetectionsAndIntrusions() throws Exception {
        startFeeder();
        HttpURLConnection c = get("/events");
        assertEquals(200, c.getResponseCode());
        assertTrue(c.getContentType().startsWith("text/event-stream"));
        DataInputStream in = new DataInputStream(c.getInputStream());
        assertEquals("retry: 3000", line(in));
        String l;
        while (!(l = line(in)).equals("event: detection")) {
            // skip blank separators
        }
        String data = line(in);
        assertTrue(data.startsWith("data: {\"seq\":"), data);
        web.handleEvent(new Event(DetectorTopics.INTRUSION_START,
                Map.of(DetectorTopics.ZONE, "door", DetectorTopics.PERSONS, 1, DetectorTopics.TIMESTAMP, 5L)));
        while (!(l = line(in)).equals("event: intrusion")) {
            // detections keep coming
        }
        String intr = line(in);
        assertTrue(intr.contains("\"type\":\"START\"") && intr.contains("\"zone\":\"door\""), intr);
        c.disconnect();
        assertTrue(body(get("/metrics")).contains("vigie_intrusions_total{zone=\"door\"} 1\n"));
    }

    @Test
    void tooManyEventClientsGet503() throws Exception {
        HttpURLConnection a = get("/events");
        HttpURLConnection b = get("/events");
        assertEquals(200, a.getResponseCode());
        a.getInputStream().read();
        assertEquals(200, b.getResponseCode());
        b.getInputStream().read();
        HttpURLConnection c = get("/events");
        assertEquals(503, c.getResponseCode());
        assertTrue(body(c).contains("too many event clients"));
        a.disconnect();
        b.disconnect();
    }

    @Test
    void securityHookIsTheContextsSingleGate() throws Exception {
        assertTrue(new VigieServletContext(AccessPolicy.ALLOW_ALL).handleSecurity(null, null));
        AccessPolicy deny = (HttpServletRequest req, HttpServletResponse resp) -> false;
        assertFalse(new VigieServletContext(deny).handleSecurity(null, null));
    }

    private static String line(DataInputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int ch;
        while ((ch = in.read()) != -1 && ch != '\n') b.write(ch);
        if (ch == -1 && b.size() == 0) throw new IOException("end of stream");
        String s = b.toString(StandardCharsets.ISO_8859_1);
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
    }
}
