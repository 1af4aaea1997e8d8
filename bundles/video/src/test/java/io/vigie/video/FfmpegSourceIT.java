package io.vigie.video;

import static org.junit.jupiter.api.Assertions.*;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import javax.imageio.ImageIO;

import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacpp.Loader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.vigie.api.video.Frame;
import io.vigie.api.video.FrameSource;
import io.vigie.api.video.ImageView;
import io.vigie.api.video.SourceConfig;
import io.vigie.api.video.SourceStatus;
import io.vigie.api.video.SourceStatus.State;
import io.vigie.video.internal.FfmpegReader;

/**
 * Real decoding with the FFmpeg natives (test-scope linux-x86_64 jars). Needs ../shared: the
 * system property vigie.shared (set by the parent pom) must point at it, with media/vtest.avi
 * (768x576, 10 fps).
 */
class FfmpegSourceIT {
    static Path vtest;
    static Path ffmpeg;

    @TempDir Path tmp;
    final FrameSourceFactoryComponent factory = new FrameSourceFactoryComponent();
    final List<FrameSource> opened = new ArrayList<>();

    @BeforeAll
    static void shared() throws Exception {
        String dir = System.getProperty("vigie.shared", "../../../shared");
        vtest = Paths.get(dir, "media", "vtest.avi");
        assertTrue(Files.isRegularFile(vtest), "this test needs ../shared (system property vigie.shared=" + dir
                + ") with media/vtest.avi");
        ffmpeg = Paths.get(Loader.load(org.bytedeco.ffmpeg.ffmpeg.class));
    }

    /** What DS would pass with the metatype defaults. */
    static VideoConfig defaults() {
        return new VideoConfig() {
            @Override public Class<? extends java.lang.annotation.Annotation> annotationType() { return VideoConfig.class; }
            @Override public int bufferPoolSize() { return 3; }
            @Override public double imageFolderFps() { return 1.0; }
        };
    }

    @org.junit.jupiter.api.BeforeEach
    void activate() {
        factory.activate(defaults());
    }

    @AfterEach
    void closeAll() {
        opened.forEach(FrameSource::close);
        factory.deactivate();
        assertNoCaptureThreads();
    }

    /** Capture threads end at close, or (blocked on a silent network peer) within their socket timeouts. */
    static void assertNoCaptureThreads() {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        List<String> left;
        do {
            left = new ArrayList<>();
            for (Thread t : Thread.getAllStackTraces().keySet())
                if (t.isAlive() && t.getName().startsWith("vigie-video")) left.add(t.getName());
            if (left.isEmpty()) return;
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        } while (System.nanoTime() < end);
        fail("capture threads left: " + left);
    }

    static boolean captureThreadsAlive() {
        for (Thread t : Thread.getAllStackTraces().keySet())
            if (t.isAlive() && t.getName().startsWith("vigie-video")) return true;
        return false;
    }

    FrameSource open(String uri, boolean loop, double maxFps, boolean realtime) {
        FrameSource s = factory.open(new SourceConfig(uri, loop, maxFps, realtime, 50, 400, 2000));
        opened.add(s);
        return s;
    }

    static SourceStatus await(FrameSource s, Predicate<SourceStatus> p) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < end) {
            SourceStatus st = s.status();
            if (p.test(st)) return st;
            Thread.sleep(5);
        }
        fail("condition not reached; last status " + s.status());
        return null;
    }

    /** The first n frames of vtest re-encoded as MJPEG (every frame a key frame) with FFmpeg's own CLI. */
    Path clip(int frames, String name) throws Exception {
        Path out = tmp.resolve(name);
        ProcessBuilder pb = new ProcessBuilder(ffmpeg.toString(), "-v", "error", "-y", "-i", vtest.toString(),
                "-frames:v", Integer.toString(frames), "-an", "-c:v", "mjpeg", "-q:v", "5", out.toString())
                .redirectErrorStream(true);
        pb.environment().put("LD_LIBRARY_PATH", ffmpeg.getParent().toString()); // its libva etc. sit beside it
        Process p = pb.start();
        String log = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, "ffmpeg failed: " + log);
        return out;
    }

    @Test
    void decodesVtestAsBgr() throws Exception {
        FrameSource s = open(vtest.toString(), false, 0, false);
        long last = 0;
        int count = 0;
        while (count < 20) {
            try (Frame f = s.take(20, TimeUnit.SECONDS)) {
                assertNotNull(f, "frame expected, status " + s.status());
                ImageView v = f.image();
                assertEquals(768, v.width());
                assertEquals(576, v.height());
                assertEquals(768 * 3, v.stride());
                assertTrue(v.bgr().isDirect());
                assertTrue(f.sequence() > last);
                assertTrue(f.timestampMillis() > 0);
                assertTrue(f.decodeMillis() >= 0);
                last = f.sequence();
                count++;
                // a real picture, not a blank buffer
                ByteBuffer b = v.bgr();
                int min = 255, max = 0;
                for (int i = 0; i < v.stride() * v.height(); i += 97) {
                    int x = b.get(i) & 0xff;
                    min = Math.min(min, x);
                    max = Math.max(max, x);
                }
                assertTrue(max - min > 50, "picture has contrast");
            }
        }
        SourceStatus st = s.status();
        assertEquals(768, st.width());
        assertEquals(576, st.height());
        assertEquals(10.0, st.fps(), 0.01);
        // no loop: the file ends
        st = await(s, x -> x.state() == State.ENDED);
        assertEquals(795, st.decoded(), "every frame of vtest decoded");
        assertTrue(st.dropped() < st.decoded());
        assertEquals(0, st.reconnects());
        assertNull(st.error());
    }

    /** -Dvigie.video.simd=false (scripts/arm64-check.sh): FFmpeg runs with no CPU extension and still decodes. */
    @Test
    void simdOffStillDecodesWithNoCpuExtension() throws Exception {
        int before = avutil.av_get_cpu_flags();
        System.setProperty(FfmpegReader.SIMD_PROPERTY, "false");
        try {
            FrameSource s = open(vtest.toString(), false, 0, false);
            try (Frame f = s.take(20, TimeUnit.SECONDS)) {
                assertNotNull(f, "frame expected, status " + s.status());
                assertEquals(768, f.image().width());
            }
            assertEquals(0, avutil.av_get_cpu_flags(), "every SIMD flag off");
            assertTrue(before != 0, "this machine's FFmpeg had CPU extensions on: the switch changed something");
        } finally {
            System.clearProperty(FfmpegReader.SIMD_PROPERTY);
            avutil.av_force_cpu_flags(-1); // back to detection, for the other tests
        }
    }

    @Test
    void slowConsumerMakesDropsNotQueues() throws Exception {
        FrameSource s = open("file:" + vtest, true, 0, false);
        Frame first = s.take(20, TimeUnit.SECONDS);
        assertNotNull(first);
        long seq1 = first.sequence();
        first.close();
        SourceStatus st = await(s, x -> x.dropped() > 20);
        try (Frame next = s.take(20, TimeUnit.SECONDS)) {
            assertTrue(next.sequence() > seq1 + 20, "consumer gets the newest frame: " + next.sequence());
        }
        assertTrue(st.decoded() > st.dropped());
    }

    @Test
    void loopsShortClipWithIncreasingSequence() throws Exception {
        Path clip = clip(4, "four.avi");
        FrameSource s = open(clip.toUri().toString(), true, 0, false);
        long last = 0;
        while (last < 12) {
            try (Frame f = s.take(20, TimeUnit.SECONDS)) {
                assertNotNull(f, "status " + s.status());
                assertTrue(f.sequence() > last);
                last = f.sequence();
            }
        }
        SourceStatus st = s.status();
        assertTrue(st.decoded() >= 12, "looped past the 4 frames: " + st);
        assertEquals(0, st.reconnects());
        assertNotEquals(State.ENDED, st.state());
    }

    @Test
    void realtimePacingPlaysAtNativeRate() throws Exception {
        Path clip = clip(6, "six.avi"); // 10 fps
        FrameSource s = open(clip.toString(), false, 0, true);
        long t0 = System.nanoTime();
        await(s, x -> x.state() == State.ENDED);
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        // 6 frames at 10 fps: 5 intervals of 100 ms between the first and last publish
        assertTrue(ms >= 450, "paced, took " + ms + " ms");
    }

    @Test
    void missingFileRetriesThenRecoversWhenCreated() throws Exception {
        Path target = tmp.resolve("later.avi");
        FrameSource s = open("file:" + target, false, 0, false);
        SourceStatus st = await(s, x -> x.reconnects() >= 2);
        assertEquals(State.RECONNECTING, st.state());
        assertTrue(st.error().contains(target.toString()) && st.error().contains("no such file"), st.error());
        Path clip = clip(3, "src.avi");
        Files.move(clip, target, StandardCopyOption.ATOMIC_MOVE);
        try (Frame f = s.take(20, TimeUnit.SECONDS)) {
            assertNotNull(f, "recovered, status " + s.status());
            assertEquals(768, f.image().width());
        }
    }

    @Test
    void unreachableRtspFailsWithinTimeoutsAndRetries() throws Exception {
        int port;
        try (java.net.ServerSocket ss = new java.net.ServerSocket(0)) {
            port = ss.getLocalPort(); // closed again: nothing listens there
        }
        String url = "rtsp://127.0.0.1:" + port + "/x";
        FrameSource s = open(url, false, 0, false);
        SourceStatus st = await(s, x -> x.reconnects() >= 2);
        assertEquals(State.RECONNECTING, st.state());
        assertTrue(st.error().startsWith(url + ": "), st.error());
        assertTrue(st.error().contains("cannot open: Connection refused"), st.error());
        assertNull(s.take(0, TimeUnit.MILLISECONDS));
    }

    @Test
    void silentRtspServerIsBoundedByTheOpenTimeout() throws Exception {
        // accepts connections and never answers: only FFmpeg's socket timeout gets the source out
        try (java.net.ServerSocket ss = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            List<java.net.Socket> accepted = java.util.Collections.synchronizedList(new ArrayList<>());
            Thread acceptor = new Thread(() -> {
                try {
                    while (true) accepted.add(ss.accept());
                } catch (IOException e) {
                    // closed
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
            String url = "rtsp://127.0.0.1:" + ss.getLocalPort() + "/x";
            FrameSource s = factory.open(new SourceConfig(url, false, 0, false, 50, 400, 1000));
            opened.add(s);
            SourceStatus st = await(s, x -> x.error() != null);
            assertEquals(State.RECONNECTING, st.state());
            assertTrue(st.error().startsWith(url + ": cannot open: no usable answer within"), st.error());
            // close while the next attempt is blocked on the silent server: the thread still ends
            await(s, x -> x.reconnects() >= 1);
            s.close();
            assertNoCaptureThreads();
            for (java.net.Socket c : accepted) c.close();
        }
    }

    @Test
    void httpStreamDecodesAndReconnectsAtItsEnd() throws Exception {
        byte[] body = Files.readAllBytes(clip(5, "http.avi"));
        com.sun.net.httpserver.HttpServer http = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 0);
        java.util.concurrent.atomic.AtomicInteger requests = new java.util.concurrent.atomic.AtomicInteger();
        http.createContext("/cam.avi", ex -> {
            requests.incrementAndGet();
            ex.getResponseHeaders().add("Content-Type", "video/x-msvideo");
            ex.sendResponseHeaders(200, body.length);
            try (var out = ex.getResponseBody()) {
                out.write(body);
            }
        });
        http.start();
        try {
            String url = "http://127.0.0.1:" + http.getAddress().getPort() + "/cam.avi";
            FrameSource s = open(url, false, 0, false);
            try (Frame f = s.take(20, TimeUnit.SECONDS)) {
                assertNotNull(f, "status " + s.status());
                assertEquals(768, f.image().width());
            }
            // a stream's end is a disconnection: it reconnects (a file would end)
            SourceStatus st = await(s, x -> x.reconnects() >= 2 && x.decoded() >= 10);
            assertNotEquals(State.ENDED, st.state());
            assertTrue(requests.get() >= 2);
            long seq = 0;
            for (int i = 0; i < 3; i++) {
                try (Frame f = s.take(20, TimeUnit.SECONDS)) {
                    assertNotNull(f);
                    assertTrue(f.sequence() > seq, "sequence keeps increasing across reconnects");
                    seq = f.sequence();
                }
            }
            s.close();
        } finally {
            http.stop(0);
        }
    }

    @Test
    void randomBytesGiveAClearError() throws Exception {
        Path junk = tmp.resolve("junk.avi");
        byte[] bytes = new byte[200_000];
        new Random(42).nextBytes(bytes);
        Files.write(junk, bytes);
        FrameSource s = open(junk.toString(), false, 0, false);
        SourceStatus st = await(s, x -> x.error() != null);
        assertEquals(State.RECONNECTING, st.state());
        assertTrue(st.error().startsWith(junk + ": "), st.error());
        assertEquals(0, st.decoded());
    }

    @Test
    void truncatedAviDecodesWhatIsThereThenEnds() throws Exception {
        Path cut = tmp.resolve("cut.avi");
        byte[] all = Files.readAllBytes(vtest);
        Files.write(cut, java.util.Arrays.copyOf(all, all.length / 3));
        FrameSource s = open(cut.toString(), false, 0, false);
        SourceStatus st = await(s, x -> x.state() == State.ENDED || x.state() == State.RECONNECTING);
        if (st.state() == State.ENDED) {
            assertTrue(st.decoded() > 0 && st.decoded() < 795, "part of the file: " + st);
        } else {
            assertTrue(st.error().startsWith(cut + ": "), st.error());
        }
    }

    @Test
    void headerOnlyAviIsAnError() throws Exception {
        Path cut = tmp.resolve("head.avi");
        Files.write(cut, java.util.Arrays.copyOf(Files.readAllBytes(vtest), 2000));
        FrameSource s = open(cut.toString(), false, 0, false);
        SourceStatus st = await(s, x -> x.error() != null);
        assertEquals(State.RECONNECTING, st.state());
        assertTrue(st.error().startsWith(cut + ": "), st.error());
    }

    @Test
    void imageFolderInNameOrderAsBgr() throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("imgs"));
        int[] rgb = {0xff0000, 0x00ff00, 0x0000ff};
        String[] names = {"b.png", "c.png", "a.png"};
        for (int i = 0; i < 3; i++) {
            BufferedImage img = new BufferedImage(32, 24, BufferedImage.TYPE_INT_RGB);
            for (int y = 0; y < 24; y++) for (int x = 0; x < 32; x++) img.setRGB(x, y, rgb[i]);
            ImageIO.write(img, "png", dir.resolve(names[i]).toFile());
        }
        BufferedImage white = new BufferedImage(32, 24, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 24; y++) for (int x = 0; x < 32; x++) white.setRGB(x, y, 0xffffff);
        assertTrue(ImageIO.write(white, "jpg", dir.resolve("0.JPG").toFile()));
        Files.write(dir.resolve("b2.jpg"), new byte[] {1, 2, 3, 4}); // unreadable: skipped
        Files.writeString(dir.resolve("notes.txt"), "ignored");
        FrameSource s = open("dir:" + dir, false, 0, false);
        // 0.JPG (white), a.png (blue), b.png (red), [b2.jpg skipped], c.png (green): newest wins
        SourceStatus st = await(s, x -> x.state() == State.ENDED);
        assertEquals(4, st.decoded());
        try (Frame f = s.take(1, TimeUnit.SECONDS)) {
            ImageView v = f.image();
            assertEquals(32, v.width());
            assertEquals(24, v.height());
            // last in name order: c.png, pure green -> B=0, G=255, R=0
            assertEquals(0, v.bgr().get(0) & 0xff);
            assertEquals(255, v.bgr().get(1) & 0xff);
            assertEquals(0, v.bgr().get(2) & 0xff);
        }
        // one at a time, in order, with BGR bytes: loop and take each
        FrameSource l = open("dir:" + dir, true, 0, true); // realtime at the default 1 fps folder rate
        int[][] expectBgr = {{255, 0, 0}, {0, 0, 255}, {0, 255, 0}}; // a blue, b red, c green
        try (Frame f = l.take(20, TimeUnit.SECONDS)) {
            ByteBuffer b = f.image().bgr();
            for (int i = 0; i < 3; i++) assertTrue((b.get(i) & 0xff) > 240, "0.JPG is white");
        }
        try (Frame f = l.take(20, TimeUnit.SECONDS)) {
            ByteBuffer b = f.image().bgr();
            assertArrayEquals(expectBgr[0], new int[] {b.get(0) & 0xff, b.get(1) & 0xff, b.get(2) & 0xff});
        }
        try (Frame f = l.take(20, TimeUnit.SECONDS)) {
            ByteBuffer b = f.image().bgr();
            assertArrayEquals(expectBgr[1], new int[] {b.get(0) & 0xff, b.get(1) & 0xff, b.get(2) & 0xff});
        }
        SourceStatus ls = await(l, x -> x.error() != null);
        assertTrue(ls.error().contains("b2.jpg"), "skipped image reported: " + ls.error());
        assertEquals(State.RUNNING, ls.state());
    }

    @Test
    void emptyOrMissingFolderIsAnError() throws Exception {
        Path empty = Files.createDirectory(tmp.resolve("empty"));
        FrameSource s = open("dir:" + empty, true, 0, false);
        SourceStatus st = await(s, x -> x.error() != null);
        assertEquals(State.RECONNECTING, st.state());
        assertTrue(st.error().contains("no .jpg/.jpeg/.png images"), st.error());
        FrameSource m = open("dir:" + tmp.resolve("nope"), true, 0, false);
        assertTrue(await(m, x -> x.error() != null).error().contains("folder not found"));
    }

    @Test
    void absentCameraIsAnError() throws Exception {
        String dev = "/dev/video" + 97;
        FrameSource s = open("v4l2:" + dev, false, 0, false);
        SourceStatus st = await(s, x -> x.error() != null);
        assertEquals(State.RECONNECTING, st.state());
        assertTrue(st.error().contains("no such camera device: " + dev), st.error());
    }

    @Test
    void closeWhileDecodingStopsTheThread() throws Exception {
        FrameSource s = open(vtest.toString(), true, 0, false);
        Frame held = s.take(20, TimeUnit.SECONDS);
        assertNotNull(held);
        await(s, x -> x.decoded() > 30);
        s.close();
        assertEquals(State.CLOSED, s.status().state());
        assertFalse(captureThreadsAlive(), "a file source stops within close()");
        // the frame lent before close is still readable, then given back
        assertEquals(768, held.image().width());
        held.image().bgr().get(768 * 576 * 3 - 1);
        held.close();
        held.close();
    }

    @Test
    void badUriIsRejectedAtOnce() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> factory.open(new SourceConfig("gopher://x/y", false, 0, false, 10, 10, 10)));
        assertTrue(e.getMessage().contains("gopher"));
        assertNoCaptureThreads();
    }
}
