package io.vigie.detector.cv;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;

import org.junit.jupiter.api.Test;

import io.vigie.api.video.ImageView;
import io.vigie.detector.core.GreyFrame;
import io.vigie.detector.core.MotionGate;

/** The OpenCV grey scaler on this machine's natives, feeding the real gate. */
class CvGreyScalerTest {
    static final int W = 768, H = 576;

    /** A mid-grey 768×576 BGR frame (rows padded to {@code stride}) with a white w×h block at (x, y). */
    static ImageView frame(ByteBuffer buf, int stride, int x, int y, int w, int h) {
        for (int j = 0; j < H; j++) {
            for (int i = 0; i < W * 3; i++) {
                int px = i / 3;
                boolean in = px >= x && px < x + w && j >= y && j < y + h;
                buf.put(j * stride + i, (byte) (in ? 250 : 90));
            }
        }
        return new ImageView(W, H, stride, buf);
    }

    @Test
    void aBlockMovedInTheFrameIsMotionAtItsScaledPlace() {
        MotionGate gate = new MotionGate();
        gate.configure(new MotionGate.Settings(true, 25, 0.001f, 60_000, 60_000));
        int stride = W * 3 + 64; // padded rows must be honoured
        ByteBuffer buf = ByteBuffer.allocateDirect(stride * H);
        try (CvGreyScaler cv = new CvGreyScaler()) {
            GreyFrame g = cv.grey(frame(buf, stride, 0, 0, 0, 0));
            assertEquals(160, g.width());
            assertEquals(120, g.height());
            assertEquals(MotionGate.Reason.FIRST, gate.decide(g, 0, false, false).reason());
            assertEquals(MotionGate.Reason.STILL, gate.decide(cv.grey(frame(buf, stride, 0, 0, 0, 0)), 100, false, false)
                    .reason());
            // a 48×96 block at (480, 240): 10×20 grey pixels at (100, 50), widened by the blur
            MotionGate.Decision d = gate.decide(cv.grey(frame(buf, stride, 480, 240, 48, 96)), 200, false, false);
            assertEquals(MotionGate.Reason.MOTION, d.reason());
            MotionGate.Box b = d.box();
            assertTrue(b.x0() >= 97 && b.x0() <= 100 && b.x1() >= 110 && b.x1() <= 113, "x " + b);
            assertTrue(b.y0() >= 47 && b.y0() <= 50 && b.y1() >= 70 && b.y1() <= 73, "y " + b);
        }
    }

    @Test
    void heapAndDirectFramesGiveTheSameGreyFrame() {
        ByteBuffer direct = ByteBuffer.allocateDirect(W * 3 * H);
        ByteBuffer heap = ByteBuffer.allocate(W * 3 * H);
        try (CvGreyScaler cv = new CvGreyScaler()) {
            byte[] a = cv.grey(frame(direct, W * 3, 100, 100, 200, 50)).pixels().clone();
            byte[] b = cv.grey(frame(heap, W * 3, 100, 100, 200, 50)).pixels();
            assertArrayEquals(a, b);
            assertEquals(250 & 0xff, a[26 * 160 + 40] & 0xff, "inside the block, away from its edges");
            assertEquals(90, a[5 * 160 + 5] & 0xff, "background");
        }
    }
}
