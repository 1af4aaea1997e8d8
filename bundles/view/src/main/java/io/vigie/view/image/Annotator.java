package io.vigie.view.image;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.Polygon;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.nio.ByteBuffer;
import java.util.List;

import io.vigie.api.detect.FrameResult;
import io.vigie.api.detect.ZoneState;
import io.vigie.api.inference.Detection;
import io.vigie.api.video.ImageView;

/**
 * Draws a frame's result (boxes with label and score, zones with name and persons, one optional status
 * line) onto the frame with Java2D. Safe to share between threads: each call draws with its own
 * Graphics; only the "text works" flag is shared.
 */
public final class Annotator {
    static final Color BOX = new Color(0, 200, 255);
    static final Color ZONE_INTRUSION = new Color(255, 0, 0);
    static final Color ZONE_OCCUPIED = new Color(255, 220, 0);
    static final Color ZONE_EMPTY = new Color(0, 220, 0);

    // Minimal JREs without fonts/fontconfig throw on the first drawString: then we keep drawing
    // shapes and skip text rather than losing the whole stream.
    private volatile boolean textEnabled = true;
    private volatile Throwable textFailure;

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
     * The frame's pixels with the result drawn on them: {@link #toImage} then {@link #annotate}.
     *
     * @param result  what to draw, or null for the bare frame
     * @param overlay status text for the top line, or null for none
     */
    public BufferedImage draw(ImageView view, FrameResult result, String overlay) {
        BufferedImage img = toImage(view);
        annotate(img, result, overlay);
        return img;
    }

    /**
     * @param overlay status text for the top line, or null for none
     */
    public void annotate(BufferedImage img, FrameResult result, String overlay) {
        Graphics2D g = img.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            int w = img.getWidth();
            int h = img.getHeight();
            float stroke = Math.max(2f, Math.min(w, h) / 240f);
            g.setStroke(new BasicStroke(stroke));
            if (result != null) {
                for (ZoneState z : result.zones()) {
                    drawZone(g, z, w, h);
                }
                for (Detection d : result.detections()) {
                    drawBox(g, d, w, h);
                }
            }
            if (overlay != null && !overlay.isEmpty()) {
                label(g, overlay, 4, 4, new Color(0, 0, 0, 170), Color.WHITE, Math.max(12, h / 40));
            }
        } finally {
            g.dispose();
        }
    }

    /** Colour of a zone outline: red during an intrusion, yellow when occupied, green when empty. */
    public static Color zoneColor(ZoneState z) {
        return z.intrusion() ? ZONE_INTRUSION : z.persons() > 0 ? ZONE_OCCUPIED : ZONE_EMPTY;
    }

    private void drawZone(Graphics2D g, ZoneState z, int w, int h) {
        List<float[]> pts = z.polygon();
        if (pts.isEmpty()) return;
        Polygon p = new Polygon();
        for (float[] xy : pts) {
            if (xy == null || xy.length < 2) continue;
            p.addPoint(Math.round(xy[0] * w), Math.round(xy[1] * h));
        }
        if (p.npoints < 2) return;
        Color c = zoneColor(z);
        g.setColor(new Color(c.getRed(), c.getGreen(), c.getBlue(), z.intrusion() ? 60 : 30));
        g.fillPolygon(p);
        g.setColor(c);
        g.drawPolygon(p);
        label(g, z.name() + (z.persons() > 0 ? " (" + z.persons() + ")" : ""), p.xpoints[0], p.ypoints[0],
                c, Color.BLACK, Math.max(11, h / 48));
    }

    private void drawBox(Graphics2D g, Detection d, int w, int h) {
        int x0 = clamp(Math.round(d.xmin() * w), 0, w - 1);
        int y0 = clamp(Math.round(d.ymin() * h), 0, h - 1);
        int x1 = clamp(Math.round(d.xmax() * w), 0, w - 1);
        int y1 = clamp(Math.round(d.ymax() * h), 0, h - 1);
        g.setColor(BOX);
        g.drawRect(x0, y0, Math.max(1, x1 - x0), Math.max(1, y1 - y0));
        String text = d.label() + " " + Math.round(d.score() * 100) + "%";
        int size = Math.max(11, h / 48);
        label(g, text, x0, Math.max(0, y0 - size - 4), BOX, Color.BLACK, size);
    }

    private void label(Graphics2D g, String text, int x, int y, Color bg, Color fg, int size) {
        if (!textEnabled) return;
        try {
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, size));
            FontMetrics fm = g.getFontMetrics();
            int tw = fm.stringWidth(text) + 6;
            int th = fm.getHeight() + 2;
            g.setColor(bg);
            g.fillRect(x, y, tw, th);
            g.setColor(fg);
            g.drawString(text, x + 3, y + 1 + fm.getAscent());
        } catch (RuntimeException | Error e) {
            textEnabled = false;
            textFailure = e;
        }
    }

    /** Why text drawing was switched off, or null while it works. */
    public Throwable textFailure() {
        return textFailure;
    }

    private static int clamp(int v, int lo, int hi) {
        return v < lo ? lo : v > hi ? hi : v;
    }
}
