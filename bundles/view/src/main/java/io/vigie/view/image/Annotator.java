package io.vigie.view.image;

import static org.bytedeco.opencv.global.opencv_core.CV_32SC2;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC1;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_core.add;
import static org.bytedeco.opencv.global.opencv_imgproc.FONT_HERSHEY_SIMPLEX;
import static org.bytedeco.opencv.global.opencv_imgproc.LINE_8;
import static org.bytedeco.opencv.global.opencv_imgproc.LINE_AA;
import static org.bytedeco.opencv.global.opencv_imgproc.fillPoly;
import static org.bytedeco.opencv.global.opencv_imgproc.getTextSize;
import static org.bytedeco.opencv.global.opencv_imgproc.polylines;
import static org.bytedeco.opencv.global.opencv_imgproc.putText;
import static org.bytedeco.opencv.global.opencv_imgproc.rectangle;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.nio.ByteBuffer;
import java.util.List;

import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.MatVector;
import org.bytedeco.opencv.opencv_core.Point;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.bytedeco.opencv.opencv_core.Size;

import io.vigie.api.detect.FrameResult;
import io.vigie.api.detect.ZoneState;
import io.vigie.api.inference.Detection;
import io.vigie.api.video.ImageView;

/**
 * Draws a frame's result (boxes with label and score, zones with name and persons, one optional status
 * line) onto a {@link Picture} with OpenCV (the peer stack's drawing cost, a fraction of Java2D's on a
 * copied {@code BufferedImage}). Stateless: safe to share between threads. Native temporaries live in a
 * {@link PointerScope} per call, so nothing is left for the garbage collector.
 */
public final class Annotator {
    static final Color BOX = new Color(0, 200, 255);
    static final Color ZONE_INTRUSION = new Color(255, 0, 0);
    static final Color ZONE_OCCUPIED = new Color(255, 220, 0);
    static final Color ZONE_EMPTY = new Color(0, 220, 0);
    private static final Color OVERLAY_BG = new Color(0, 0, 0, 170);

    /** Copies a packed BGR view into a TYPE_3BYTE_BGR image (same byte order, so a plain row copy). */
    public static BufferedImage toImage(ImageView view) {
        BufferedImage img = new BufferedImage(view.width(), view.height(), BufferedImage.TYPE_3BYTE_BGR);
        byte[] dst = ((DataBufferByte) img.getRaster().getDataBuffer()).getData();
        ByteBuffer src = view.bgr();
        int row = view.width() * 3;
        for (int y = 0; y < view.height(); y++) {
            src.get(y * view.stride(), dst, y * row, row);
        }
        return img;
    }

    /**
     * The frame's pixels with the result drawn on them, as a {@code BufferedImage} (Java2D callers; the
     * stream and the snapshots use {@link Picture#copyOf(ImageView)} and {@link #annotate(Picture, FrameResult,
     * String)} instead, which skip this copy).
     *
     * @param result  what to draw, or null for the bare frame
     * @param overlay status text for the top line, or null for none
     */
    public BufferedImage draw(ImageView view, FrameResult result, String overlay) {
        try (Picture p = Picture.copyOf(view)) {
            annotate(p, result, overlay);
            return p.toBufferedImage();
        }
    }

    /**
     * Draws onto a {@code BufferedImage} in place (through a native copy and back).
     *
     * @param overlay status text for the top line, or null for none
     */
    public void annotate(BufferedImage img, FrameResult result, String overlay) {
        BufferedImage bgr = Picture.asBgr(img);
        try (Picture p = Picture.copyOf(bgr)) {
            annotate(p, result, overlay);
            p.copyTo(bgr);
        }
        if (bgr != img) {
            java.awt.Graphics g = img.getGraphics();
            try {
                g.drawImage(bgr, 0, 0, null);
            } finally {
                g.dispose();
            }
        }
    }

    /**
     * Draws onto the picture in place.
     *
     * @param result  what to draw, or null for nothing but the overlay
     * @param overlay status text for the top line, or null for none
     */
    public void annotate(Picture picture, FrameResult result, String overlay) {
        Mat img = picture.mat();
        int w = picture.width();
        int h = picture.height();
        int stroke = Math.max(2, Math.round(Math.min(w, h) / 240f));
        try (PointerScope scope = new PointerScope()) {
            if (result != null) {
                for (ZoneState z : result.zones()) {
                    drawZone(img, z, w, h, stroke);
                }
                for (Detection d : result.detections()) {
                    drawBox(img, d, w, h, stroke);
                }
            }
            if (overlay != null && !overlay.isEmpty()) {
                label(img, overlay, 4, 4, OVERLAY_BG, Color.WHITE, Math.max(12, h / 40));
            }
        }
    }

    /** Colour of a zone outline: red during an intrusion, yellow when occupied, green when empty. */
    public static Color zoneColor(ZoneState z) {
        return z.intrusion() ? ZONE_INTRUSION : z.persons() > 0 ? ZONE_OCCUPIED : ZONE_EMPTY;
    }

    private static void drawZone(Mat img, ZoneState z, int w, int h, int stroke) {
        List<float[]> pts = z.polygon();
        int[] xy = new int[pts.size() * 2];
        int n = 0;
        int x0 = Integer.MAX_VALUE, y0 = Integer.MAX_VALUE, x1 = Integer.MIN_VALUE, y1 = Integer.MIN_VALUE;
        for (float[] p : pts) {
            if (p == null || p.length < 2) continue;
            int x = Math.round(p[0] * w);
            int y = Math.round(p[1] * h);
            xy[2 * n] = x;
            xy[2 * n + 1] = y;
            n++;
            x0 = Math.min(x0, x);
            y0 = Math.min(y0, y);
            x1 = Math.max(x1, x);
            y1 = Math.max(y1, y);
        }
        if (n < 2) return;
        Color c = zoneColor(z);
        MatVector poly = new MatVector(new Mat(n, 1, CV_32SC2, new IntPointer(xy)));
        // translucent fill, only inside the polygon's bounding box
        Rect box = clip(x0, y0, x1 - x0 + 1, y1 - y0 + 1, w, h);
        if (box != null) tint(img, box, n == 4 && isBox(xy, x0, y0, x1, y1) ? null : poly, c, z.intrusion() ? 60 : 30);
        polylines(img, poly, true, scalar(c), stroke, LINE_AA, 0);
        label(img, z.name() + (z.persons() > 0 ? " (" + z.persons() + ")" : ""), xy[0], xy[1], c, Color.BLACK,
                Math.max(11, h / 48));
    }

    /**
     * pixel * (1 - a) + colour * a over the box, or over the polygon inside it: a scale (convertTo) and a
     * saturating add, several times cheaper than addWeighted (floating point) on a full-frame zone.
     */
    private static void tint(Mat img, Rect box, MatVector polygonOrNull, Color c, int alpha) {
        double a = alpha / 255.0;
        Mat roi = new Mat(img, box);
        Mat colour = solid(box.width(), box.height(), new Scalar(c.getBlue() * a, c.getGreen() * a, c.getRed() * a, 0));
        if (polygonOrNull == null) {
            roi.convertTo(roi, -1, 1 - a, 0);
            add(roi, colour, roi);
        } else {
            Mat tinted = new Mat();
            roi.convertTo(tinted, -1, 1 - a, 0);
            add(tinted, colour, tinted);
            Mat mask = new Mat(roi.size(), CV_8UC1, Scalar.all(0));
            fillPoly(mask, polygonOrNull, Scalar.all(255), LINE_8, 0, new Point(-box.x(), -box.y()));
            tinted.copyTo(roi, mask);
        }
    }

    /**
     * A BGR plane of one colour. Mat(size, type, Scalar) fills pixel by pixel (~1 ms for 768x576 here):
     * fill one row, then double the filled rows with row copies (memcpy).
     */
    private static Mat solid(int w, int h, Scalar colour) {
        Mat m = new Mat(h, w, CV_8UC3);
        new Mat(m, new Rect(0, 0, w, 1)).put(colour);
        for (int done = 1; done < h; done *= 2) {
            int n = Math.min(done, h - done);
            new Mat(m, new Rect(0, 0, w, n)).copyTo(new Mat(m, new Rect(0, done, w, n)));
        }
        return m;
    }

    /** Four corners of their own bounding box (a rectangle zone, e.g. the whole frame): no mask needed. */
    private static boolean isBox(int[] xy, int x0, int y0, int x1, int y1) {
        int corners = 0;
        for (int i = 0; i < 4; i++) {
            int x = xy[2 * i], y = xy[2 * i + 1];
            if ((x != x0 && x != x1) || (y != y0 && y != y1)) return false;
            corners |= 1 << ((x == x0 ? 0 : 1) + (y == y0 ? 0 : 2));
        }
        return corners == 0b1111 && x0 != x1 && y0 != y1;
    }

    private static void drawBox(Mat img, Detection d, int w, int h, int stroke) {
        int x0 = clamp(Math.round(d.xmin() * w), 0, w - 1);
        int y0 = clamp(Math.round(d.ymin() * h), 0, h - 1);
        int x1 = clamp(Math.round(d.xmax() * w), 0, w - 1);
        int y1 = clamp(Math.round(d.ymax() * h), 0, h - 1);
        // axis-aligned: anti-aliasing would only blur the edges
        rectangle(img, new Point(x0, y0), new Point(x0 + Math.max(1, x1 - x0), y0 + Math.max(1, y1 - y0)), scalar(BOX),
                stroke, LINE_8, 0);
        String text = d.label() + " " + Math.round(d.score() * 100) + "%";
        int size = Math.max(11, h / 48);
        label(img, text, x0, Math.max(0, y0 - labelHeight(size)), BOX, Color.BLACK, size);
    }

    /**
     * A text label on a filled box whose top-left corner is (x, y); {@code size} is the text height in pixels
     * (like a font size), a translucent {@code bg} is blended.
     */
    private static void label(Mat img, String text, int x, int y, Color bg, Color fg, int size) {
        double scale = size / 27.0; // Hershey simplex: cap height ~ 0.73 x size at this scale, like the Java2D font
        int thickness = Math.max(1, Math.round(size / 14f));
        int[] baseline = new int[1];
        Size ts = getTextSize(text, FONT_HERSHEY_SIMPLEX, scale, thickness, baseline);
        Rect r = clip(x, y, ts.width() + 6, ts.height() + baseline[0] + 4, img.cols(), img.rows());
        if (r == null) return;
        if (bg.getAlpha() == 255) new Mat(img, r).put(scalar(bg));
        else tint(img, r, null, bg, bg.getAlpha());
        putText(img, text, new Point(x + 3, y + 2 + ts.height()), FONT_HERSHEY_SIMPLEX, scale, scalar(fg), thickness,
                LINE_AA, false);
    }

    private static int labelHeight(int size) {
        return Math.round(size * 0.73f) + Math.round(size * 0.33f) + 4;
    }

    /** The part of the rectangle inside the image, or null when none. */
    private static Rect clip(int x, int y, int rw, int rh, int w, int h) {
        int x0 = Math.max(0, x);
        int y0 = Math.max(0, y);
        int x1 = Math.min(w, x + rw);
        int y1 = Math.min(h, y + rh);
        return x1 > x0 && y1 > y0 ? new Rect(x0, y0, x1 - x0, y1 - y0) : null;
    }

    private static Scalar scalar(Color c) {
        return new Scalar(c.getBlue(), c.getGreen(), c.getRed(), 0);
    }

    /**
     * Always null: text used to need the JRE's fonts (Java2D), which minimal JREs lack; OpenCV's Hershey fonts are
     * built in.
     */
    public Throwable textFailure() {
        return null;
    }

    private static int clamp(int v, int lo, int hi) {
        return v < lo ? lo : v > hi ? hi : v;
    }
}
