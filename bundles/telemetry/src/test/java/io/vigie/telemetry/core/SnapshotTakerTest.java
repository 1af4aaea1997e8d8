package io.vigie.telemetry.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.Test;

import io.vigie.api.detect.FrameResult;
import io.vigie.api.video.ImageView;
import io.vigie.view.image.Annotator;
import io.vigie.view.image.JpegEncoder;

class SnapshotTakerTest {
    @Test
    void pixelsAreWantedOnlyWhileASnapshotIsPending() throws Exception {
        SnapshotTaker t = new SnapshotTaker(true, 100_000, 640, 80);
        assertFalse(t.wanted());
        t.offer(Frames.frame(1, 10, 1), Images.bgr(64, 48, false)); // nobody waits: ignored
        CompletableFuture<Snapshot> a = t.request();
        CompletableFuture<Snapshot> b = t.request();
        assertTrue(t.wanted());
        t.offer(Frames.frame(2, 10, 1), null); // a frame without pixels does not complete anything
        assertFalse(a.isDone());
        t.offer(Frames.frame(3, 10, 1), Images.bgr(64, 48, false));
        Snapshot s = a.get(1, TimeUnit.SECONDS);
        assertEquals(s, b.get(1, TimeUnit.SECONDS), "one encoding shared by every waiter");
        assertEquals(3, s.sequence());
        assertEquals(Frames.INT8, s.model());
        BufferedImage img = ImageIO.read(new ByteArrayInputStream(s.jpeg()));
        assertNotNull(img, "a decodable JPEG");
        assertEquals(64, img.getWidth());
        assertEquals(48, img.getHeight());
        assertFalse(t.wanted(), "nothing pending any more");
    }

    /**
     * Drawn and encoded by io.vigie.view, as the web's stream and snapshot.jpg are
     * (WebComponentJettyTest): same pixels, same colours, same encoder, so the same bytes.
     */
    @Test
    void annotatedLikeTheWebByTheSharedAnnotator() throws Exception {
        ImageView frame = Images.bgr(64, 48, false);
        FrameResult r = Frames.frame(4, 10, 2);
        Snapshot s = new SnapshotTaker(true, 100_000, 640, 80).encode(r, frame);
        byte[] shared;
        try (JpegEncoder enc = new JpegEncoder()) {
            shared = enc.encode(new Annotator().draw(frame, r, null), 80);
        }
        assertArrayEquals(shared, s.jpeg());
        assertTrue(s.annotated());
        byte[] raw = new SnapshotTaker(false, 100_000, 640, 80).encode(r, frame).jpeg();
        assertFalse(Arrays.equals(raw, s.jpeg()), "annotation changed the picture");
    }

    @Test
    void cancelledRequestStopsWantingPixels() {
        SnapshotTaker t = new SnapshotTaker(false, 100_000, 640, 80);
        CompletableFuture<Snapshot> f = t.request();
        assertTrue(t.wanted());
        f.cancel(false);
        assertFalse(t.wanted());
    }

    @Test
    void scaledToMaxWidthAndSizeCapped() throws Exception {
        SnapshotTaker t = new SnapshotTaker(true, 20_000, 320, 95);
        Snapshot s = t.encode(Frames.frame(1, 10, 2), Images.bgr(640, 480, true));
        assertTrue(s.jpeg().length <= 20_000, "capped: " + s.jpeg().length);
        assertTrue(s.width() <= 320 && s.width() >= 16, "width " + s.width());
        BufferedImage img = ImageIO.read(new ByteArrayInputStream(s.jpeg()));
        assertEquals(s.width(), img.getWidth());
        assertEquals(s.height(), img.getHeight());
    }

    @Test
    void impossibleCapFailsTheRequestsClearly() {
        SnapshotTaker t = new SnapshotTaker(false, 1024, 8192, 90);
        CompletableFuture<Snapshot> f = t.request();
        t.offer(Frames.frame(1, 10, 0), Images.bgr(1024, 1024, true));
        ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(1, TimeUnit.SECONDS));
        assertTrue(e.getCause().getMessage().contains("snapshot.max.bytes=1024"), e.getCause().getMessage());
    }

    /** Prints (does not assert) the encode cost of a vtest-sized frame with the default settings. */
    @Test
    void encodeCostOfAVtestSizedFrame() throws Exception {
        TelemetrySettings d = TelemetrySettings.defaults();
        SnapshotTaker t = new SnapshotTaker(true, d.snapshotMaxBytes(), d.snapshotMaxWidth(), d.snapshotQuality());
        ImageView frame = Images.bgr(768, 576, false);
        Snapshot s = null;
        for (int i = 0; i < 5; i++) s = t.encode(Frames.frame(i, 10, 3), frame); // warm-up
        int n = 20;
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) s = t.encode(Frames.frame(i, 10, 3), frame);
        System.out.printf("snapshot 768x576 -> %dx%d annotated JPEG q%d: %.1f ms, %d bytes%n", s.width(), s.height(),
                d.snapshotQuality(), (System.nanoTime() - t0) / 1e6 / n, s.jpeg().length);
        assertEquals(640, s.width());
    }
}
