package io.vigie.video.internal;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

import io.vigie.api.video.ImageView;

/** The plain cores: URI parsing, back-off, pacing, buffer pool, hand-off slot. No natives. */
class CoreTest {

    @Test
    void parsesUris() {
        assertEquals(new SourceUri(SourceUri.Kind.FILE, "/x/v.avi", "file:/x/v.avi"), SourceUri.parse("file:/x/v.avi"));
        assertEquals("/x/a b.avi", SourceUri.parse("file:///x/a%20b.avi").target());
        assertEquals(SourceUri.Kind.FILE, SourceUri.parse("/data/v.mp4").kind());
        assertEquals(SourceUri.Kind.FILE, SourceUri.parse("relative/v.mp4").kind());
        SourceUri cam = SourceUri.parse("v4l2:/dev/video0");
        assertEquals(SourceUri.Kind.CAMERA, cam.kind());
        assertEquals("/dev/video0", cam.target());
        assertEquals(SourceUri.Kind.CAMERA, SourceUri.parse("/dev/video2").kind());
        assertTrue(SourceUri.Kind.CAMERA.live());
        SourceUri dir = SourceUri.parse("dir:/imgs");
        assertEquals(SourceUri.Kind.DIR, dir.kind());
        assertEquals("/imgs", dir.target());
        assertFalse(SourceUri.Kind.DIR.live());
        for (String s : new String[] {"rtsp://cam/x", "RTSP://cam:554/x", "http://h/v.mjpg", "https://h/s.m3u8"}) {
            SourceUri u = SourceUri.parse(s);
            assertEquals(SourceUri.Kind.STREAM, u.kind(), s);
            assertEquals(s, u.target());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SourceUri.parse("ftp://h/x"));
        assertTrue(e.getMessage().contains("ftp"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> SourceUri.parse("  "));
        assertThrows(IllegalArgumentException.class, () -> SourceUri.parse("rtsp://"));
        assertThrows(IllegalArgumentException.class, () -> SourceUri.parse("v4l2:"));
        assertThrows(IllegalArgumentException.class, () -> SourceUri.parse("dir:"));
    }

    @Test
    void ffmpegOptionsPerKind() {
        FfmpegReader cam = FfmpegReader.of(SourceUri.parse("v4l2:/dev/video0?video_size=640x480&framerate=15"), 1000);
        assertEquals("/dev/video0", cam.input());
        assertEquals("640x480", cam.options().get("video_size"));
        assertEquals("15", cam.options().get("framerate"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> FfmpegReader.of(SourceUri.parse("v4l2:/dev/video0?x=1;rm"), 1000));
        assertTrue(e.getMessage().contains("bad camera option"), e.getMessage());
        FfmpegReader rtsp = FfmpegReader.of(SourceUri.parse("rtsp://cam/live"), 3000);
        assertEquals("tcp", rtsp.options().get("rtsp_transport"));
        assertEquals("3000000", rtsp.options().get("timeout"), "µs");
        assertEquals("3000000", rtsp.options().get("rw_timeout"));
        FfmpegReader http = FfmpegReader.of(SourceUri.parse("http://cam/video.mjpg"), 0);
        assertEquals("10000000", http.options().get("timeout"), "never 'forever'");
        assertTrue(FfmpegReader.of(SourceUri.parse("/v.avi"), 1000).options().isEmpty());
    }

    @Test
    void backoffDoublesUpToMaxAndResets() {
        Backoff b = new Backoff(100, 1000);
        assertEquals(100, b.next());
        assertEquals(200, b.next());
        assertEquals(400, b.next());
        assertEquals(800, b.next());
        assertEquals(1000, b.next());
        assertEquals(1000, b.next());
        b.reset();
        assertEquals(100, b.next());
        Backoff huge = new Backoff(1, Long.MAX_VALUE);
        for (int i = 0; i < 80; i++) assertTrue(huge.next() > 0, "no overflow");
        assertThrows(IllegalArgumentException.class, () -> new Backoff(0, 10));
        assertThrows(IllegalArgumentException.class, () -> new Backoff(10, 5));
    }

    @Test
    void pacerUsesSlowerOfCapAndNativeRate() {
        assertEquals(0, new Pacer(0, 25, false).intervalNanos(), "unlimited, not realtime");
        assertEquals(40_000_000L, new Pacer(0, 25, true).intervalNanos(), "realtime at 25 fps");
        assertEquals(100_000_000L, new Pacer(10, 25, true).intervalNanos(), "cap 10 fps is slower");
        assertEquals(40_000_000L, new Pacer(100, 25, true).intervalNanos(), "native 25 fps is slower");
        assertEquals(0, new Pacer(0, 0, true).intervalNanos(), "unknown native rate");
        assertEquals(200_000_000L, new Pacer(5, 0, false).intervalNanos());
    }

    @Test
    void pacerKeepsCadenceWithoutBursts() {
        Pacer p = new Pacer(10, 0, false); // 100 ms
        long ms = 1_000_000;
        assertEquals(0, p.waitNanos(0), "first frame at once");
        p.published(0);
        assertEquals(100 * ms, p.waitNanos(0));
        assertEquals(30 * ms, p.waitNanos(70 * ms));
        p.published(105 * ms); // a little late: cadence kept (next due at 200)
        assertEquals(95 * ms, p.waitNanos(105 * ms));
        p.published(200 * ms);
        // consumer stalled for a second: restart from now instead of bursting to catch up
        p.published(1300 * ms);
        assertEquals(100 * ms, p.waitNanos(1300 * ms));
        Pacer none = new Pacer(0, 0, false);
        none.published(0);
        assertEquals(0, none.waitNanos(0));
    }

    @Test
    void bufferPoolBoundsAndRecycles() throws Exception {
        BufferPool pool = new BufferPool(2, Memory.DIRECT);
        ByteBuffer a = pool.tryAcquire(100);
        ByteBuffer b = pool.tryAcquire(100);
        assertTrue(a.isDirect());
        assertNotSame(a, b);
        assertNull(pool.tryAcquire(100), "only 2 buffers");
        assertNull(pool.acquire(100, 10, TimeUnit.MILLISECONDS), "times out");
        assertEquals(2, pool.lent());
        pool.release(a);
        assertSame(a, pool.tryAcquire(50), "reused");
        pool.release(a);
        ByteBuffer bigger = pool.tryAcquire(1000);
        assertNotSame(a, bigger, "too small: replaced");
        assertTrue(bigger.capacity() >= 1000);
        assertEquals(2, pool.lent());
        // a waiter is woken by a release from another thread
        Thread t = new Thread(() -> pool.release(b));
        t.start();
        assertSame(b, pool.acquire(100, 10, TimeUnit.SECONDS));
        t.join();
        // after close: waiters return null and returned buffers are dropped
        pool.close();
        assertNull(pool.acquire(10, 10, TimeUnit.SECONDS));
        pool.release(bigger);
        assertNull(pool.tryAcquire(10));
        assertThrows(IllegalArgumentException.class, () -> new BufferPool(1, Memory.DIRECT));
    }

    @Test
    void bufferPoolFreesDeterministically() {
        CountingMemory mem = new CountingMemory();
        BufferPool pool = new BufferPool(3, mem);
        ByteBuffer a = pool.tryAcquire(100);
        ByteBuffer b = pool.tryAcquire(100);
        pool.release(a);
        ByteBuffer big = pool.tryAcquire(500); // a was too small: freed and replaced
        assertEquals(3, mem.allocations);
        assertEquals(2, mem.live.size());
        pool.release(big);
        pool.close(); // idle 'big' freed now, lent 'b' stays usable
        assertEquals(1, mem.live.size());
        assertTrue(mem.live.contains(b));
        b.put(0, (byte) 7);
        pool.release(b); // given back after close: freed
        assertTrue(mem.live.isEmpty());
    }

    @Test
    void slotKeepsOnlyNewest() throws Exception {
        FrameSlot<String> slot = new FrameSlot<>();
        assertNull(slot.take(0, TimeUnit.MILLISECONDS));
        assertNull(slot.take(20, TimeUnit.MILLISECONDS), "times out when empty");
        assertNull(slot.publish("a"));
        assertEquals("a", slot.publish("b"), "untaken item handed back");
        assertEquals("b", slot.take(1, TimeUnit.SECONDS));
        assertNull(slot.publish("c"));
        assertEquals("c", slot.reclaim());
        assertNull(slot.reclaim());

        // a blocked taker is woken by a publish
        AtomicReference<String> got = new AtomicReference<>();
        Thread taker = new Thread(() -> {
            try {
                got.set(slot.take(30, TimeUnit.SECONDS));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        taker.start();
        while (taker.getState() != Thread.State.TIMED_WAITING && taker.isAlive()) Thread.onSpinWait();
        slot.publish("d");
        taker.join(10_000);
        assertEquals("d", got.get());

        slot.publish("e");
        slot.finish();
        assertEquals("e", slot.take(1, TimeUnit.SECONDS), "last item still taken after finish");
        assertNull(slot.take(30, TimeUnit.SECONDS), "then null at once");
        assertEquals("f", slot.publish("f"), "publish after finish hands the item back");
    }

    @Test
    void copyDropsRowPadding() {
        // 2x2 image, stride 8 (2 bytes padding per row)
        ByteBuffer src = ByteBuffer.allocate(16);
        for (int i = 0; i < 16; i++) src.put(i, (byte) i);
        ImageView v = new ImageView(2, 2, 8, src);
        ByteBuffer dst = ByteBuffer.allocateDirect(12);
        CaptureSource.copy(v, dst, 6);
        assertEquals(12, dst.remaining());
        byte[] out = new byte[12];
        dst.get(out);
        assertArrayEquals(new byte[] {0, 1, 2, 3, 4, 5, 8, 9, 10, 11, 12, 13}, out);
    }

    @Test
    void simdIsOffOnlyForAnExplicitFalse() {
        for (String off : new String[] { "false", "FALSE", " False " }) assertTrue(FfmpegReader.simdOff(off), off);
        for (String on : new String[] { null, "", "true", "0", "no", "off", "false;rm -rf /", "f".repeat(100_000) })
            assertFalse(FfmpegReader.simdOff(on), String.valueOf(on).length() > 20 ? "long" : on);
    }
}
