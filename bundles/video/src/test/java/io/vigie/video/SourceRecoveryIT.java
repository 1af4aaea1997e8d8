package io.vigie.video;

import static org.junit.jupiter.api.Assertions.*;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.sun.net.httpserver.HttpServer;

import io.vigie.api.video.Frame;
import io.vigie.api.video.FrameSource;
import io.vigie.api.video.SourceConfig;
import io.vigie.api.video.SourceStatus.State;

/**
 * A network camera that goes away and comes back: an endless MJPEG stream over HTTP (multipart, 10 fps, like
 * an IP camera or the gateway's own stream) served by a local server that is stopped for an outage and
 * restarted on the same port. Decoded for real by FFmpeg with the detector's default back-off (0.5 s doubling
 * to 30 s). Prints the recovery time (server back -> first new frame); docs/BENCHMARKS.md "Source recovery".
 * Outages: system property vigie.recovery.outages.ms (comma list, default 8000,20000).
 */
class SourceRecoveryIT {
    static final String BOUNDARY = "vigieframe";

    final FrameSourceFactoryComponent factory = new FrameSourceFactoryComponent();
    final ExecutorService handlers = Executors.newCachedThreadPool();
    final List<byte[]> jpegs = new ArrayList<>();
    HttpServer http;
    volatile boolean serving;

    @BeforeEach
    void setUp() throws IOException {
        factory.activate(FfmpegSourceIT.defaults());
        for (int i = 0; i < 10; i++) {
            BufferedImage img = new BufferedImage(320, 240, BufferedImage.TYPE_3BYTE_BGR);
            Graphics2D g = img.createGraphics();
            g.setColor(Color.DARK_GRAY);
            g.fillRect(0, 0, 320, 240);
            g.setColor(Color.WHITE);
            g.fillRect(20 + 25 * i, 80, 40, 80); // something that moves
            g.dispose();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            assertTrue(ImageIO.write(img, "jpg", out));
            jpegs.add(out.toByteArray());
        }
    }

    @AfterEach
    void tearDown() {
        stopServer();
        factory.deactivate();
        handlers.shutdownNow();
        FfmpegSourceIT.assertNoCaptureThreads();
    }

    /** Serves /cam.mjpg on the port (0 = any) until stopped; returns the port. */
    int startServer(int port) throws IOException {
        http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 0);
        http.setExecutor(handlers); // a stream never ends: one thread per client, not the dispatcher
        http.createContext("/cam.mjpg", ex -> {
            ex.getResponseHeaders().add("Content-Type", "multipart/x-mixed-replace;boundary=" + BOUNDARY);
            ex.sendResponseHeaders(200, 0);
            try (OutputStream out = ex.getResponseBody()) {
                for (int i = 0; serving; i++) {
                    byte[] jpg = jpegs.get(i % jpegs.size());
                    out.write(("--" + BOUNDARY + "\r\nContent-Type: image/jpeg\r\nContent-Length: " + jpg.length
                            + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                    out.write(jpg);
                    out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    Thread.sleep(100);
                }
            } catch (IOException | InterruptedException e) {
                // the client left or the server stops
            }
        });
        serving = true;
        http.start();
        return http.getAddress().getPort();
    }

    void stopServer() {
        serving = false;
        if (http != null) http.stop(0);
        http = null;
    }

    static long[] outages() {
        String s = System.getProperty("vigie.recovery.outages.ms", "8000,20000");
        return java.util.Arrays.stream(s.split(",")).map(String::trim).mapToLong(Long::parseLong).toArray();
    }

    /** Takes frames until one newer than {@code after}; null if none within the timeout. */
    static Frame newer(FrameSource s, long after, long timeoutMs) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (System.nanoTime() < end) {
            Frame f = s.take(100, TimeUnit.MILLISECONDS);
            if (f == null) continue;
            if (f.sequence() > after) return f;
            f.close();
        }
        return null;
    }

    @Test
    void framesFlowAgainAfterTheServerComesBack() throws Exception {
        int port = startServer(0);
        String url = "http://127.0.0.1:" + port + "/cam.mjpg";
        // the detector's defaults: source.reconnect.min.ms 500, max 30000, timeout 5000
        FrameSource s = factory.open(new SourceConfig(url, false, 0, false, 500, 30_000, 5000));
        try {
            long seq;
            try (Frame f = newer(s, 0, 30_000)) {
                assertNotNull(f, "status " + s.status());
                assertEquals(320, f.image().width());
                seq = f.sequence();
            }
            for (long outage : outages()) {
                long reconnectsBefore = s.status().reconnects();
                stopServer();
                FfmpegSourceIT.await(s, x -> x.state() == State.RECONNECTING);
                // drain what was decoded before the cut
                for (Frame f; (f = s.take(0, TimeUnit.MILLISECONDS)) != null; f.close()) seq = Math.max(seq, f.sequence());
                Thread.sleep(outage);
                assertEquals(State.RECONNECTING, s.status().state(), "no frames while the server is away");
                long attempts = s.status().reconnects() - reconnectsBefore;
                startServer(port);
                long back = System.nanoTime();
                try (Frame f = newer(s, seq, 60_000)) {
                    assertNotNull(f, "frames flow again after the server comes back; status " + s.status());
                    long recoveryMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - back);
                    seq = f.sequence();
                    System.out.printf("source recovery: outage %d ms, %d retries during it, first frame %d ms after the"
                            + " server came back%n", outage, attempts, recoveryMs);
                }
                assertEquals(State.RUNNING, FfmpegSourceIT.await(s, x -> x.state() == State.RUNNING).state());
            }
        } finally {
            s.close();
        }
    }
}
