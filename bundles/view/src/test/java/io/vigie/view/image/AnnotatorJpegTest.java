package io.vigie.view.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.util.List;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.Test;

import io.vigie.api.video.ImageView;
import io.vigie.view.Fixtures;

class AnnotatorJpegTest {
    static {
        System.setProperty("java.awt.headless", "true");
    }

    @Test
    void bgrBytesMapToRgbPixelsHonouringStride() {
        int w = 4, h = 2, stride = w * 3 + 5;
        ByteBuffer b = ByteBuffer.allocateDirect(stride * h);
        // pixel (1,1) = B 10, G 20, R 30; padding bytes are garbage
        for (int i = 0; i < stride * h; i++) b.put(i, (byte) 0x7f);
        b.put(stride + 3, (byte) 10).put(stride + 4, (byte) 20).put(stride + 5, (byte) 30);
        BufferedImage img = Annotator.toImage(new ImageView(w, h, stride, b));
        assertEquals(BufferedImage.TYPE_3BYTE_BGR, img.getType());
        assertEquals(0x1e140a, img.getRGB(1, 1) & 0xffffff);
        assertEquals(0x7f7f7f, img.getRGB(0, 0) & 0xffffff);
    }

    @Test
    void boxEdgeChangesPixelsAndZoneColourFollowsIntrusion() {
        BufferedImage img = Annotator.toImage(Fixtures.grey(320, 240, 0, false));
        int[] before = img.getRGB(0, 0, 320, 240, null, 0, 320);
        Annotator annotator = new Annotator();
        annotator.annotate(img, Fixtures.result(1, List.of(Fixtures.person(0.25f, 0.25f, 0.75f, 0.75f)),
                List.of(Fixtures.zone("door", true, 1))), "overlay");
        // left edge of the box at x = 80, halfway down: box colour
        int edge = img.getRGB(80, 120) & 0xffffff;
        assertEquals(Annotator.BOX.getRGB() & 0xffffff, edge);
        // zone outline at x = 32 (0.1 * 320), y = 200: intrusion red
        int zone = img.getRGB(32, 200) & 0xffffff;
        assertEquals(0xff0000, zone);
        // the box interior centre is only tinted by the zone fill, not replaced
        int centre = img.getRGB(160, 120) & 0xffffff;
        assertTrue(centre != (Annotator.BOX.getRGB() & 0xffffff));
        int changed = 0;
        int[] after = img.getRGB(0, 0, 320, 240, null, 0, 320);
        for (int i = 0; i < after.length; i++) if (after[i] != before[i]) changed++;
        assertTrue(changed > 1000, "annotation changed only " + changed + " pixels");
        if (annotator.textFailure() == null) {
            // overlay line: dark translucent background over grey at the top-left corner
            int p = img.getRGB(5, 5) & 0xff;
            assertTrue(p < 100, "overlay background missing: " + p);
        } else {
            System.err.println("this JRE cannot draw text: " + annotator.textFailure());
        }
        assertEquals(0x00dc00, Annotator.zoneColor(Fixtures.zone("z", false, 0)).getRGB() & 0xffffff);
        assertEquals(0xffdc00, Annotator.zoneColor(Fixtures.zone("z", false, 2)).getRGB() & 0xffffff);
    }

    @Test
    void jpegDecodesBackWithSizeAndQualityMatters() throws Exception {
        BufferedImage img = Annotator.toImage(Fixtures.grey(320, 240, 6, true));
        new Annotator().annotate(img, Fixtures.result(7, List.of(Fixtures.person(0.1f, 0.2f, 0.5f, 0.9f)),
                List.of(Fixtures.zone("yard", false, 0))), "12.0 fps | 40 ms | x | #7");
        JpegEncoder enc = new JpegEncoder();
        byte[] hi = enc.encode(img, 95);
        byte[] lo = enc.encode(img, 10);
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
        assertThrows(IllegalArgumentException.class, () -> enc.encode(img, 0));
        enc.close();
        assertThrows(IllegalStateException.class, () -> enc.encode(img, 80));
    }

    @Test
    void openCvAndImageIoEncodeTheSamePicture() throws Exception {
        BufferedImage img = Annotator.toImage(Fixtures.grey(320, 240, 6, true));
        new Annotator().annotate(img, Fixtures.result(7, List.of(Fixtures.person(0.1f, 0.2f, 0.5f, 0.9f)),
                List.of(Fixtures.zone("yard", true, 1))), "#7");
        try (JpegEncoder fast = new JpegEncoder(); JpegEncoder imageIo = new JpegEncoder(false)) {
            assertTrue(fast.usesNative(), "bytedeco natives are on the test class path");
            assertFalse(imageIo.usesNative());
            BufferedImage a = ImageIO.read(new ByteArrayInputStream(fast.encode(img, 80)));
            BufferedImage b = ImageIO.read(new ByteArrayInputStream(imageIo.encode(img, 80)));
            assertEquals(320, a.getWidth());
            assertEquals(240, a.getHeight());
            long diff = 0;
            for (int y = 0; y < 240; y++) {
                for (int x = 0; x < 320; x++) {
                    int p = a.getRGB(x, y), q = b.getRGB(x, y);
                    for (int s = 0; s < 24; s += 8) diff += Math.abs(((p >> s) & 0xff) - ((q >> s) & 0xff));
                }
            }
            assertTrue(diff / (320.0 * 240 * 3) < 2.0, "mean channel difference " + diff / (320.0 * 240 * 3));
            // colour order: the intrusion zone's red tint stays red through the native path (BGR bytes, not RGB)
            int inside = a.getRGB(240, 120); // inside the zone, right of the person box
            assertTrue(((inside >> 16) & 0xff) > (inside & 0xff) + 30, Integer.toHexString(inside));
            // a new frame size reallocates the native buffer
            BufferedImage small = Annotator.toImage(Fixtures.grey(64, 48, 3, false));
            assertEquals(64, ImageIO.read(new ByteArrayInputStream(fast.encode(small, 80))).getWidth());
        }
    }

    @Test
    void onlyPackedBgrImagesTakeTheNativePath() {
        assertTrue(NativeJpeg.packedBgr(Annotator.toImage(Fixtures.grey(32, 16, 2, true))));
        assertFalse(NativeJpeg.packedBgr(new BufferedImage(32, 16, BufferedImage.TYPE_INT_RGB)));
        assertFalse(NativeJpeg.packedBgr(Annotator.toImage(Fixtures.grey(32, 16, 2, true)).getSubimage(1, 1, 8, 8)),
                "a sub-image's buffer holds more than its pixels");
    }

    @Test
    void drawIsToImageThenAnnotate() {
        ImageView view = Fixtures.grey(160, 120, 4, false);
        var result = Fixtures.result(3, List.of(Fixtures.person(0.2f, 0.2f, 0.6f, 0.8f)),
                List.of(Fixtures.zone("gate", false, 1)));
        BufferedImage drawn = new Annotator().draw(view, result, "#3");
        BufferedImage byHand = Annotator.toImage(view);
        new Annotator().annotate(byHand, result, "#3");
        assertArrayEquals(byHand.getRGB(0, 0, 160, 120, null, 0, 160), drawn.getRGB(0, 0, 160, 120, null, 0, 160));
        // without a result nor overlay the frame stays as it came
        int[] bare = new Annotator().draw(view, null, null).getRGB(0, 0, 160, 120, null, 0, 160);
        assertArrayEquals(Annotator.toImage(view).getRGB(0, 0, 160, 120, null, 0, 160), bare);
    }
}
