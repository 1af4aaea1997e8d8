package io.vigie.view.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import javax.imageio.ImageIO;

import org.bytedeco.javacpp.Pointer;
import org.junit.jupiter.api.Test;

import io.vigie.api.detect.FrameResult;
import io.vigie.api.video.ImageView;
import io.vigie.view.Fixtures;

class AnnotatorJpegTest {
    static {
        System.setProperty("java.awt.headless", "true");
    }

    private static final FrameResult RESULT = Fixtures.result(1, List.of(Fixtures.person(0.25f, 0.25f, 0.75f, 0.75f)),
            List.of(Fixtures.zone("door", true, 1)));

    @Test
    void bgrBytesMapToRgbPixelsHonouringStride() {
        for (int kind = 0; kind < 3; kind++) { // heap, direct, read-only heap
            boolean direct = kind == 1;
            int w = 4, h = 2, stride = w * 3 + 5;
            ByteBuffer b = direct ? ByteBuffer.allocateDirect(stride * h) : ByteBuffer.allocate(stride * h);
            // pixel (1,1) = B 10, G 20, R 30; padding bytes are garbage
            for (int i = 0; i < stride * h; i++) b.put(i, (byte) 0x7f);
            b.put(stride + 3, (byte) 10).put(stride + 4, (byte) 20).put(stride + 5, (byte) 30);
            b.position(7); // the view's buffer position does not matter
            ImageView view = new ImageView(w, h, stride, kind == 2 ? b.asReadOnlyBuffer() : b);
            BufferedImage img = Annotator.toImage(view);
            assertEquals(BufferedImage.TYPE_3BYTE_BGR, img.getType());
            assertEquals(0x1e140a, img.getRGB(1, 1) & 0xffffff);
            assertEquals(0x7f7f7f, img.getRGB(0, 0) & 0xffffff);
            try (Picture p = Picture.copyOf(view)) {
                BufferedImage back = p.toBufferedImage();
                assertEquals(w, p.width());
                assertEquals(h, p.height());
                assertArrayEquals(img.getRGB(0, 0, w, h, null, 0, w), back.getRGB(0, 0, w, h, null, 0, w), "kind " + kind);
            }
        }
    }

    @Test
    void boxEdgeChangesPixelsAndZoneColourFollowsIntrusion() throws Exception {
        ImageView view = Fixtures.grey(320, 240, 0, false);
        BufferedImage img;
        try (Picture p = Picture.copyOf(view)) {
            new Annotator().annotate(p, RESULT, "overlay");
            img = p.toBufferedImage();
        }
        // left edge of the box at x = 80, halfway down: box colour
        assertEquals(Annotator.BOX.getRGB() & 0xffffff, img.getRGB(80, 120) & 0xffffff);
        // zone outline at x = 32 (0.1 * 320), y = 200: intrusion red (anti-aliased edges, so "mostly red")
        int zone = img.getRGB(32, 200);
        assertTrue(((zone >> 16) & 0xff) > 200 && ((zone >> 8) & 0xff) < 60 && (zone & 0xff) < 60, Integer.toHexString(zone));
        // inside the zone, away from box and labels: grey tinted towards red by the translucent fill, not replaced
        int inside = img.getRGB(270, 200);
        int r = (inside >> 16) & 0xff, g = (inside >> 8) & 0xff;
        assertTrue(r > 128 && r < 200 && g < 128 && g > 60, "fill " + Integer.toHexString(inside));
        // the box interior centre is only tinted, not box-coloured
        assertTrue((img.getRGB(160, 120) & 0xffffff) != (Annotator.BOX.getRGB() & 0xffffff));
        int changed = 0;
        int[] before = Annotator.toImage(view).getRGB(0, 0, 320, 240, null, 0, 320);
        int[] after = img.getRGB(0, 0, 320, 240, null, 0, 320);
        for (int i = 0; i < after.length; i++) if (after[i] != before[i]) changed++;
        assertTrue(changed > 1000, "annotation changed only " + changed + " pixels");
        // overlay line: dark translucent background over grey at the top-left corner, white text on it
        assertTrue((img.getRGB(5, 5) & 0xff) < 100, "overlay background missing");
        int brightest = 0;
        for (int x = 4; x < 60; x++) for (int y = 4; y < 16; y++) brightest = Math.max(brightest, img.getRGB(x, y) & 0xff);
        assertTrue(brightest > 200, "overlay text missing: " + brightest);
        assertEquals(0x00dc00, Annotator.zoneColor(Fixtures.zone("z", false, 0)).getRGB() & 0xffffff);
        assertEquals(0xffdc00, Annotator.zoneColor(Fixtures.zone("z", false, 2)).getRGB() & 0xffffff);
        // for a look at it: target/annotated.png
        Path out = Path.of(System.getProperty("vigie.target", "target"), "annotated.png");
        Files.createDirectories(out.getParent());
        ImageIO.write(sample(), "png", out.toFile());
    }

    /** A 768x576 gradient (vtest.avi's size) with two zones, two boxes and the status line, as the stream shows it. */
    private static BufferedImage sample() {
        ImageView view = Fixtures.grey(768, 576, 0, false);
        for (int y = 0; y < 576; y++) {
            for (int x = 0; x < 768; x++) {
                int i = (y * 768 + x) * 3;
                view.bgr().put(i, (byte) (x / 4)).put(i + 1, (byte) (y / 3)).put(i + 2, (byte) ((x + y) / 6));
            }
        }
        FrameResult r = Fixtures.result(42, List.of(Fixtures.person(0.3f, 0.2f, 0.45f, 0.8f),
                Fixtures.person(0.6f, 0.35f, 0.7f, 0.7f)), List.of(Fixtures.zone("door", true, 2),
                        new io.vigie.api.detect.ZoneState("yard", List.of(new float[] { 0.05f, 0.6f },
                                new float[] { 0.3f, 0.95f }, new float[] { 0.02f, 0.95f }), 0, false)));
        return new Annotator().draw(view, r, "12.0 fps | 40 ms | ssd-mobilenet-v2 INT8 | #42");
    }

    @Test
    void jpegDecodesBackWithSizeAndQualityMatters() throws Exception {
        JpegEncoder enc = new JpegEncoder();
        byte[] hi;
        byte[] lo;
        try (Picture p = Picture.copyOf(Fixtures.grey(320, 240, 6, true))) {
            new Annotator().annotate(p, Fixtures.result(7, List.of(Fixtures.person(0.1f, 0.2f, 0.5f, 0.9f)),
                    List.of(Fixtures.zone("yard", false, 0))), "12.0 fps | 40 ms | x | #7");
            hi = enc.encode(p, 95);
            lo = enc.encode(p, 10);
            assertThrows(IllegalArgumentException.class, () -> enc.encode(p, 0));
            enc.close();
            assertThrows(IllegalStateException.class, () -> enc.encode(p, 80));
        }
        assertEquals((byte) 0xFF, hi[0]);
        assertEquals((byte) 0xD8, hi[1]);
        BufferedImage back = ImageIO.read(new ByteArrayInputStream(hi));
        assertNotNull(back);
        assertEquals(320, back.getWidth());
        assertEquals(240, back.getHeight());
        assertTrue(lo.length < hi.length, "quality 10 (" + lo.length + ") not smaller than 95 (" + hi.length + ")");
        // the box edge survives compression (cyan-ish: blue and green high, red low)
        int p = back.getRGB(32, 150);
        assertTrue(((p >> 16) & 0xff) < 100 && (p & 0xff) > 150, Integer.toHexString(p));
    }

    @Test
    void bufferedImageMethodsDrawAndEncodeTheSamePicture() throws Exception {
        ImageView view = Fixtures.grey(160, 120, 4, false);
        var result = Fixtures.result(3, List.of(Fixtures.person(0.2f, 0.2f, 0.6f, 0.8f)),
                List.of(Fixtures.zone("gate", false, 1)));
        BufferedImage drawn = new Annotator().draw(view, result, "#3");
        BufferedImage byHand = Annotator.toImage(view);
        new Annotator().annotate(byHand, result, "#3");
        BufferedImage rgb = new BufferedImage(160, 120, BufferedImage.TYPE_INT_RGB); // converted and back
        rgb.getGraphics().drawImage(Annotator.toImage(view), 0, 0, null);
        new Annotator().annotate(rgb, result, "#3");
        int[] expected = drawn.getRGB(0, 0, 160, 120, null, 0, 160);
        assertArrayEquals(expected, byHand.getRGB(0, 0, 160, 120, null, 0, 160));
        assertArrayEquals(expected, rgb.getRGB(0, 0, 160, 120, null, 0, 160));
        // without a result nor overlay the frame stays as it came
        int[] bare = new Annotator().draw(view, null, null).getRGB(0, 0, 160, 120, null, 0, 160);
        assertArrayEquals(Annotator.toImage(view).getRGB(0, 0, 160, 120, null, 0, 160), bare);
        try (JpegEncoder enc = new JpegEncoder(); Picture p = Picture.copyOf(drawn)) {
            assertArrayEquals(enc.encode(p, 80), enc.encode(drawn, 80));
        }
    }

    @Test
    void scaledPictureKeepsAspect() {
        try (Picture p = Picture.copyOf(Fixtures.grey(320, 240, 0, true)); Picture s = p.scaledToWidth(100)) {
            assertEquals(100, s.width());
            assertEquals(75, s.height());
            assertEquals(0x808080, s.toBufferedImage().getRGB(50, 30) & 0xffffff);
        }
    }

    @Test
    void manyFramesLeaveNoNativeMemoryBehind() throws Exception {
        ImageView view = Fixtures.grey(768, 576, 0, false);
        Annotator annotator = new Annotator();
        JpegEncoder enc = new JpegEncoder();
        Runnable frame = () -> {
            try (Picture p = Picture.copyOf(view); Picture s = p.scaledToWidth(320)) {
                annotator.annotate(p, RESULT, "#1");
                assertTrue(enc.encode(p, 75).length > 0);
                assertTrue(enc.encode(s, 75).length > 0);
            } catch (java.io.IOException e) {
                throw new AssertionError(e);
            }
        };
        for (int i = 0; i < 20; i++) frame.run(); // warm up (lazy native state)
        long count = Pointer.totalCount();
        long bytes = Pointer.totalBytes();
        long rss = Pointer.physicalBytes();
        for (int i = 0; i < 300; i++) frame.run(); // 300 x 1.3 MB frames: a leak would show in hundreds of MB
        assertEquals(count, Pointer.totalCount(), "JavaCPP pointers still allocated");
        assertEquals(bytes, Pointer.totalBytes(), "JavaCPP bytes still allocated");
        long grown = Pointer.physicalBytes() - rss;
        assertTrue(grown < 64L << 20, "resident memory grew by " + (grown >> 20) + " MB over 300 frames");
    }
}
