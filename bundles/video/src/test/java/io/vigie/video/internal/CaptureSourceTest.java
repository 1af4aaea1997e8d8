package io.vigie.video.internal;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

import org.junit.jupiter.api.Test;

import io.vigie.api.video.Frame;
import io.vigie.api.video.ImageView;
import io.vigie.api.video.SourceConfig;
import io.vigie.api.video.SourceStatus;
import io.vigie.api.video.SourceStatus.State;

/** The capture loop with scripted readers: states, sequence, drops, back-off, close. No natives. */
class CaptureSourceTest {

    /** A scripted input shared by all the readers opened on it. */
    static final class FakeInput {
        volatile boolean available = true;
        volatile int framesPerPass = 5;
        volatile int failAtIndexOnce = -1; // global read index that throws once
        final AtomicInteger reads = new AtomicInteger();
        final AtomicInteger opens = new AtomicInteger();
        final AtomicInteger closes = new AtomicInteger();

        FrameReader reader() {
            return new FrameReader() {
                final ByteBuffer pixels = ByteBuffer.allocate(2 * 16); // 4x2 BGR, stride 16 (padded)
                int inPass;
                boolean open;

                @Override
                public void open() throws IOException {
                    opens.incrementAndGet();
                    if (!available) throw new IOException("not found: /fake");
                    open = true;
                }

                @Override
                public double fps() { return 25; }

                @Override
                public ImageView read() throws IOException {
                    assertTrue(open);
                    if (inPass++ >= framesPerPass) return null;
                    int i = reads.incrementAndGet();
                    if (i == failAtIndexOnce) {
                        failAtIndexOnce = -1;
                        throw new IOException("decode failed: boom");
                    }
                    pixels.put(0, (byte) i);
                    pixels.put(16 + 11, (byte) (i + 1));
                    return new ImageView(4, 2, 16, pixels);
                }

                @Override
                public void close() {
                    if (open) closes.incrementAndGet();
                    open = false;
                }
            };
        }
    }

    static SourceConfig config(String uri, boolean loop) {
        return new SourceConfig(uri, loop, 0, false, 5, 40, 1000);
    }

    static CaptureSource start(SourceUri uri, SourceConfig cfg, FakeInput in) {
        return start(uri, cfg, in, Memory.DIRECT);
    }

    static CaptureSource start(SourceUri uri, SourceConfig cfg, FakeInput in, Memory mem) {
        return new CaptureSource(uri, cfg, in::reader, 3, mem, null).start();
    }

    static SourceStatus await(CaptureSource s, Predicate<SourceStatus> p) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < end) {
            SourceStatus st = s.status();
            if (p.test(st)) return st;
            Thread.sleep(2);
        }
        fail("condition not reached; last status " + s.status());
        return null;
    }

    @Test
    void endWithoutLoopEndsAndCountsDrops() throws Exception {
        FakeInput in = new FakeInput();
        SourceUri uri = SourceUri.parse("file:/fake.avi");
        try (CaptureSource s = start(uri, config("file:/fake.avi", false), in)) {
            SourceStatus st = await(s, x -> x.state() == State.ENDED);
            assertEquals(5, st.decoded());
            assertEquals(4, st.dropped(), "nobody took: all but the newest replaced");
            assertEquals(0, st.reconnects());
            assertEquals(4, st.width());
            assertEquals(2, st.height());
            assertEquals(25.0, st.fps());
            assertNull(st.error());
            try (Frame f = s.take(1, TimeUnit.SECONDS)) {
                assertEquals(5, f.sequence(), "newest frame kept");
                ImageView v = f.image();
                assertEquals(12, v.stride(), "packed rows");
                assertEquals(5, v.bgr().get(0));
                assertEquals(6, v.bgr().get(12 + 11), "second row copied without padding");
                assertTrue(v.bgr().isDirect());
            }
            assertTimeoutPreemptively(Duration.ofSeconds(10), () -> assertNull(s.take(1, TimeUnit.HOURS)),
                    "ended and empty: take returns at once");
            s.thread().join(10_000);
            assertFalse(s.thread().isAlive());
            assertEquals(in.opens.get(), in.closes.get(), "reader closed");
        }
    }

    @Test
    void loopKeepsSequenceIncreasing() throws Exception {
        FakeInput in = new FakeInput();
        in.framesPerPass = 3;
        try (CaptureSource s = start(SourceUri.parse("dir:/fake"), config("dir:/fake", true), in)) {
            long last = 0;
            while (last < 20) {
                try (Frame f = s.take(10, TimeUnit.SECONDS)) {
                    assertNotNull(f, "frames keep coming when looping");
                    assertTrue(f.sequence() > last, f.sequence() + " after " + last);
                    assertEquals((byte) f.sequence(), f.image().bgr().get(0), "pixels match the frame");
                    last = f.sequence();
                }
            }
            SourceStatus st = s.status();
            assertEquals(State.RUNNING, st.state());
            assertEquals(0, st.reconnects(), "a loop is not a reconnect");
            assertTrue(in.opens.get() > 3, "reopened at each end");
        }
    }

    @Test
    void missingInputRetriesWithBackoffThenRecovers() throws Exception {
        FakeInput in = new FakeInput();
        in.available = false;
        in.framesPerPass = Integer.MAX_VALUE;
        try (CaptureSource s = start(SourceUri.parse("/data/cam.avi"), config("/data/cam.avi", false), in)) {
            SourceStatus st = await(s, x -> x.reconnects() >= 3);
            assertEquals(State.RECONNECTING, st.state());
            assertTrue(st.error().contains("/data/cam.avi") && st.error().contains("not found"), st.error());
            assertNull(s.take(0, TimeUnit.MILLISECONDS));
            in.available = true;
            try (Frame f = s.take(20, TimeUnit.SECONDS)) {
                assertNotNull(f, "recovers when the input appears");
            }
            st = await(s, x -> x.state() == State.RUNNING);
            assertNull(st.error(), "error cleared once running");
        }
    }

    @Test
    void liveEndAndMidStreamErrorsReconnectWithMonotonicSequence() throws Exception {
        FakeInput in = new FakeInput();
        in.framesPerPass = 4;
        in.failAtIndexOnce = 3;
        SourceUri uri = SourceUri.parse("rtsp://cam.local/x");
        try (CaptureSource s = start(uri, config(uri.text(), false), in)) {
            SourceStatus st = await(s, x -> x.reconnects() >= 3);
            assertNotEquals(State.ENDED, st.state(), "a live input never ends");
            long last = 0;
            for (int i = 0; i < 5; i++) {
                try (Frame f = s.take(10, TimeUnit.SECONDS)) {
                    assertNotNull(f);
                    assertTrue(f.sequence() > last);
                    last = f.sequence();
                }
            }
            String err = await(s, x -> x.error() != null).error();
            assertTrue(err.startsWith("rtsp://cam.local/x: "), err);
            assertTrue(err.contains("boom") || err.contains("stream ended"), err);
        }
        assertEquals(in.opens.get(), in.closes.get(), "every opened reader closed");
    }

    @Test
    void framesLentAtCloseStayValidAndCloseIsIdempotent() throws Exception {
        FakeInput in = new FakeInput();
        in.framesPerPass = Integer.MAX_VALUE;
        CountingMemory mem = new CountingMemory();
        CaptureSource s = start(SourceUri.parse("/x.avi"), config("/x.avi", true), in, mem);
        Frame a = s.take(10, TimeUnit.SECONDS);
        Frame b = s.take(10, TimeUnit.SECONDS);
        assertNotNull(a);
        assertNotNull(b);
        // the consumer holds 2 of 3 buffers: the producer keeps going by recycling the untaken frame
        await(s, x -> x.dropped() > 10);
        s.close();
        assertFalse(s.thread().isAlive(), "capture thread stopped by close()");
        assertEquals(2, mem.live.size(), "only the 2 lent buffers left");
        assertEquals(State.CLOSED, s.status().state());
        assertNull(s.take(1, TimeUnit.MILLISECONDS));
        assertEquals((byte) a.sequence(), a.image().bgr().get(0), "lent frame still intact");
        assertEquals((byte) b.sequence(), b.image().bgr().get(0));
        assertTrue(b.sequence() > a.sequence());
        a.close();
        a.close();
        b.close();
        assertThrows(IllegalStateException.class, a::image);
        assertTrue(mem.live.isEmpty(), "every buffer freed once the lent frames are closed");
        assertTrue(mem.allocations <= 3, "never more than the pool size: " + mem.allocations);
        s.close();
        assertEquals(in.opens.get(), in.closes.get());
    }

    @Test
    void maxFpsOnLiveInputSkipsWithoutDropsOrBacklog() throws Exception {
        FakeInput in = new FakeInput();
        in.framesPerPass = Integer.MAX_VALUE;
        SourceUri uri = SourceUri.parse("rtsp://cam/x");
        // one frame per ~17 minutes: only the first is published, the rest are read and skipped
        SourceConfig cfg = new SourceConfig(uri.text(), false, 0.001, true, 5, 40, 1000);
        try (CaptureSource s = start(uri, cfg, in)) {
            try (Frame f = s.take(10, TimeUnit.SECONDS)) {
                assertEquals(1, f.sequence());
            }
            SourceStatus st = await(s, x -> x.decoded() > 100);
            assertEquals(0, st.dropped(), "skipping for the rate cap is not dropping");
            assertNull(s.take(20, TimeUnit.MILLISECONDS), "nothing else published");
        }
    }

    @Test
    void maxFpsOnRecordedInputWaitsAndCloseInterruptsTheWait() throws Exception {
        FakeInput in = new FakeInput();
        in.framesPerPass = Integer.MAX_VALUE;
        SourceUri uri = SourceUri.parse("/x.avi");
        CaptureSource s = start(uri, new SourceConfig(uri.text(), false, 0.001, false, 5, 40, 1000), in);
        try (Frame f = s.take(10, TimeUnit.SECONDS)) {
            assertEquals(1, f.sequence());
        }
        SourceStatus st = await(s, x -> x.decoded() == 2);
        assertEquals(State.RUNNING, st.state());
        assertEquals(2, in.reads.get(), "a recorded input is not read ahead while waiting");
        assertTimeoutPreemptively(Duration.ofSeconds(10), s::close);
        assertFalse(s.thread().isAlive());
    }

    @Test
    void closeWhileBackingOffReturnsPromptly() throws Exception {
        FakeInput in = new FakeInput();
        in.available = false;
        SourceConfig slow = new SourceConfig("/x.avi", false, 0, false, 60_000, 60_000, 1000);
        CaptureSource s = start(SourceUri.parse("/x.avi"), slow, in);
        await(s, x -> x.state() == State.RECONNECTING);
        assertTimeoutPreemptively(Duration.ofSeconds(10), s::close, "a 60 s back-off does not delay close");
        assertFalse(s.thread().isAlive());
        assertEquals(0, s.status().reconnects());
    }

    /**
     * A camera's password never leaves the capture: FFmpeg quotes its input in errors ("Could not open input
     * \"rtsp://admin:pw@cam/s\""), and the status error reaches /vigie/api/status (viewers) and MQTT status replies.
     */
    @Test
    void credentialsOfAStreamNeverReachStatusThreadNamesOrMessages() throws Exception {
        String raw = "rtsp://admin:s3cret@cam.local:554/live";
        SourceUri uri = SourceUri.parse(raw);
        FrameReader quoting = new FrameReader() {
            @Override
            public void open() throws IOException {
                throw new IOException("cannot open: Could not open input \"" + raw + "\"");
            }

            @Override
            public double fps() { return 0; }

            @Override
            public ImageView read() { return null; }

            @Override
            public void close() { }
        };
        CaptureSource s = new CaptureSource(uri, config(raw, false), () -> quoting, 3, Memory.DIRECT, null).start();
        try {
            SourceStatus st = await(s, x -> x.error() != null);
            assertFalse(st.error().contains("s3cret"), st.error());
            assertTrue(st.error().contains("rtsp://admin:***@cam.local:554/live"), st.error());
            assertFalse(s.thread().getName().contains("s3cret"), s.thread().getName());
            assertFalse(uri.toString().contains("s3cret"), uri.toString());
            assertEquals(raw, uri.target(), "FFmpeg still gets the real URL");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> SourceUri.parse("gopher://u:s3cret@h/x"));
            assertFalse(e.getMessage().contains("s3cret"), e.getMessage());
        } finally {
            s.close();
        }
    }
}
