package io.vigie.web.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import io.vigie.api.video.ImageView;
import io.vigie.view.Fixtures;

class FrameHubMjpegTest {
    private final AtomicInteger renders = new AtomicInteger();
    private final AtomicLong clock = new AtomicLong();
    private final ImageView img = Fixtures.grey(8, 8, 0, false);

    private FrameHub hub(int max) {
        return new FrameHub((r, i) -> {
            renders.incrementAndGet();
            return ("jpeg" + r.sequence()).getBytes(StandardCharsets.US_ASCII);
        }, max, clock::get);
    }

    @Test
    void wantsImagesOnlyWhileAViewerIsOpenAndViewersAreBounded() throws Exception {
        FrameHub h = hub(2);
        assertFalse(h.wantsImages());
        FrameHub.Viewer a = h.open();
        FrameHub.Viewer b = h.open();
        assertTrue(h.wantsImages());
        assertThrows(FrameHub.TooManyViewersException.class, h::open);
        a.close();
        a.close(); // twice is harmless
        assertTrue(h.wantsImages());
        assertEquals(1, h.viewers());
        b.close();
        assertFalse(h.wantsImages());
        assertEquals(0, h.viewers());
    }

    /** The detector's side of {@link FrameHub#wantsImages()}: pixels (a copy) only when the hub wants them. */
    private int publishLikeTheDetector(FrameHub h, long seq) {
        boolean copy = h.wantsImages();
        h.publish(Fixtures.result(seq, List.of(), List.of()), copy ? img : null);
        return copy ? 1 : 0;
    }

    @Test
    void noViewerNoCopyNoEncode() throws Exception {
        FrameHub h = hub(2);
        int copies = 0;
        for (int i = 0; i < 90; i++) {
            clock.set(i * 33_333_333L);
            copies += publishLikeTheDetector(h, i + 1);
        }
        assertEquals(0, copies, "no viewer: no frame copied");
        assertEquals(0, renders.get(), "no viewer: nothing encoded");
        assertNull(h.latestIfFresh(Long.MAX_VALUE));
        // a viewer that came and went leaves nothing running either
        h.open(10).close();
        for (int i = 90; i < 180; i++) {
            clock.set(i * 33_333_333L);
            copies += publishLikeTheDetector(h, i + 1);
        }
        assertEquals(0, copies);
        assertEquals(0, h.encodes());
    }

    @Test
    void twoTenFpsViewersOfAThirtyFpsSourceShareAtMostTenEncodesPerSecond() throws Exception {
        FrameHub h = hub(4);
        clock.set(5_000_000L);
        FrameHub.Viewer a = h.open(10);
        FrameHub.Viewer b = null;
        int copies = 0;
        int takenA = 0;
        int takenB = 0;
        int shared = 0;
        for (int i = 0; i < 90; i++) { // 3 s of a 30 fps source
            clock.set(5_000_000L + i * 33_333_333L);
            if (i == 4) b = h.open(10); // the second viewer arrives later, off the first one's phase
            copies += publishLikeTheDetector(h, i + 1);
            FrameHub.Encoded ea = a.poll();
            FrameHub.Encoded eb = b == null ? null : b.poll();
            if (ea != null) takenA++;
            if (eb != null) takenB++;
            if (ea != null && eb != null) {
                assertSame(ea.jpeg(), eb.jpeg(), "one encoding for both viewers");
                shared++;
            }
        }
        assertTrue(takenA >= 27 && takenA <= 31, "viewer a took " + takenA + " frames in 3 s at 10 fps");
        assertTrue(takenB >= 25 && takenB <= 30, "viewer b took " + takenB);
        assertTrue(renders.get() <= 31, renders.get() + " encodes in 3 s: more than 10/s");
        assertEquals(renders.get(), h.encodes());
        assertTrue(shared >= takenB - 1, "b's frames are a's frames: " + shared + " of " + takenB);
        assertTrue(copies <= renders.get() + 1, copies + " copies for " + renders.get() + " encodes: copies nobody took");
    }

    @Test
    void aViewerBusyWithItsLastFrameCausesNoCopies() throws Exception {
        FrameHub h = hub(2);
        clock.set(-7_000_000_000L); // System.nanoTime may be negative: a new viewer is due at once all the same
        FrameHub.Viewer v = h.open(10);
        assertTrue(h.wantsImages());
        assertEquals(1, publishLikeTheDetector(h, 1));
        assertNotNull(v.poll());
        // due again 100 ms later, but still writing its last frame (no poll/next since): nothing to copy for it
        clock.addAndGet(500_000_000L);
        assertFalse(h.wantsImages());
        assertNull(v.poll(), "nothing newer was published");
        assertTrue(h.wantsImages(), "back for more: the next frame is copied");
    }

    @Test
    void encodesOncePerFrameSharedByAllClientsAndSkipsFramesNobodyTook() throws Exception {
        FrameHub h = hub(4);
        for (int s = 1; s <= 100; s++) h.publish(Fixtures.result(s, List.of(), List.of()), img);
        assertEquals(0, renders.get(), "nothing encoded before a client asks");
        FrameHub.Encoded e1 = h.next(0, 100);
        FrameHub.Encoded e2 = h.next(0, 100);
        assertEquals(100, e1.sequence(), "a late client gets the newest frame, not a backlog");
        assertSame(e1.jpeg(), e2.jpeg());
        assertEquals(1, renders.get());
        assertNull(h.next(e1.version(), 20), "no newer frame: timeout");
        h.publish(Fixtures.result(101, List.of(), List.of()), img);
        assertEquals(101, h.next(e1.version(), 100).sequence());
        assertEquals(2, h.encodes());
    }

    @Test
    void publisherNeverWaitsForABlockedClient() throws Exception {
        FrameHub h = hub(2);
        CountDownLatch writing = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        // A client whose socket is stuck: its write blocks until released.
        OutputStream stuck = new OutputStream() {
            @Override
            public void write(int b) {
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                writing.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    throw new IOException(e);
                }
            }
        };
        Thread client = new Thread(() -> {
            try (FrameHub.Viewer v = h.open()) {
                new MjpegSession(h, v).run(stuck, () -> true, 2);
            } catch (Exception e) {
                // ends when the hub closes
            }
        });
        client.start();
        h.publish(Fixtures.result(1, List.of(), List.of()), img);
        assertTrue(writing.await(5, TimeUnit.SECONDS));
        // The client is blocked inside write: 10 000 publishes must still complete on this thread.
        for (int s = 2; s <= 10_001; s++) h.publish(Fixtures.result(s, List.of(), List.of()), img);
        assertEquals(1, renders.get(), "frames nobody took are not encoded");
        release.countDown();
        client.join(5_000);
        assertFalse(client.isAlive());
        assertEquals(2, renders.get(), "the released client skipped straight to the newest frame");
        h.close();
    }

    @Test
    void multipartPartsAreFramedWithBoundaryHeadersAndLength() throws Exception {
        FrameHub h = hub(2);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Thread pub = new Thread(() -> {
            for (int s = 1; s <= 3; s++) {
                h.publish(Fixtures.result(s, List.of(), List.of()), img);
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        pub.start();
        long n;
        try (FrameHub.Viewer v = h.open()) {
            n = new MjpegSession(h, v).run(out, () -> true, 2);
        }
        pub.join();
        assertEquals(2, n);
        byte[] bytes = out.toByteArray();
        String s = new String(bytes, StandardCharsets.ISO_8859_1);
        String[] parts = s.split("--" + MjpegWriter.BOUNDARY + "\r\n", -1);
        assertEquals("", parts[0], "stream starts with the boundary");
        assertEquals(3, parts.length);
        for (int i = 1; i < parts.length; i++) {
            String p = parts[i];
            int hdrEnd = p.indexOf("\r\n\r\n");
            String headers = p.substring(0, hdrEnd);
            assertTrue(headers.contains("Content-Type: image/jpeg"), headers);
            int len = Integer.parseInt(headers.replaceAll("(?s).*Content-Length: (\\d+).*", "$1"));
            String body = p.substring(hdrEnd + 4);
            assertEquals(len + 2, body.length(), "body is exactly Content-Length bytes + CRLF");
            assertTrue(body.endsWith("\r\n"));
            assertTrue(body.startsWith("jpeg"));
        }
        assertTrue(MjpegWriter.CONTENT_TYPE.endsWith("boundary=" + MjpegWriter.BOUNDARY));
    }

    @Test
    void snapshotFreshnessAndCloseWakesWaiters() throws Exception {
        FrameHub h = hub(2);
        assertNull(h.latestIfFresh(1000));
        h.publish(Fixtures.result(5, List.of(), List.of()), img);
        assertNotNull(h.latestIfFresh(1000));
        clock.addAndGet(2000);
        assertNull(h.latestIfFresh(1000), "stale frame is not served as a snapshot");
        long v = h.currentVersion();
        Thread waiter = new Thread(() -> {
            try {
                assertNull(h.next(v, 60_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        waiter.start();
        h.close();
        waiter.join(5_000);
        assertFalse(waiter.isAlive(), "close() wakes waiting clients");
        assertThrows(IllegalStateException.class, h::open);
    }

    @Test
    void renderFailureIsSkippedNotRetriedForever() throws Exception {
        FrameHub h = new FrameHub((r, i) -> {
            renders.incrementAndGet();
            if (r.sequence() == 1) throw new IOException("boom");
            return new byte[] { 1, 2, 3 };
        }, 2, clock::get);
        h.publish(Fixtures.result(1, List.of(), List.of()), img);
        FrameHub.Encoded e = h.next(0, 100);
        assertNull(e.jpeg());
        assertNull(h.next(0, 100).jpeg());
        assertEquals(1, renders.get(), "failed frame is not rendered again");
        assertEquals(1, h.renderFailures());
        h.publish(Fixtures.result(2, List.of(), List.of()), img);
        assertArrayEquals(new byte[] { 1, 2, 3 }, h.next(e.version(), 100).jpeg());
    }
}
