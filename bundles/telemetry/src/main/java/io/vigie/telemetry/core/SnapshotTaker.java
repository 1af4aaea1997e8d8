package io.vigie.telemetry.core;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.Polygon;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;

import io.vigie.api.detect.FrameResult;
import io.vigie.api.detect.ZoneState;
import io.vigie.api.inference.Detection;
import io.vigie.api.video.ImageView;

/**
 * Pixels on demand: {@link #wanted()} is true only while a snapshot is pending, so the detector
 * copies frame pixels for us only then (FrameListener.wantsImages). The next frame with pixels is
 * encoded once (optionally annotated, scaled to a max width) and completes every pending request.
 * The JPEG is kept under {@code maxBytes} by lowering quality, then size; if it still does not
 * fit, the requests fail with a clear message.
 */
public final class SnapshotTaker {
    private final List<CompletableFuture<Snapshot>> pending = new ArrayList<>();
    private volatile boolean wanted;
    private final boolean annotate;
    private final int maxBytes;
    private final int maxWidth;
    private final int quality;

    public SnapshotTaker(boolean annotate, int maxBytes, int maxWidth, int quality) {
        this.annotate = annotate;
        this.maxBytes = maxBytes;
        this.maxWidth = maxWidth;
        this.quality = quality;
    }

    /** A future completed with the next frame's JPEG; the caller bounds the wait (get with timeout) and cancels on timeout. */
    public CompletableFuture<Snapshot> request() {
        CompletableFuture<Snapshot> f = new CompletableFuture<>();
        synchronized (pending) {
            pending.add(f);
            wanted = true;
        }
        // a timed-out caller cancels: forget it so pixels stop being copied for nobody
        f.whenComplete((s, e) -> {
            synchronized (pending) {
                pending.remove(f);
                wanted = !pending.isEmpty();
            }
        });
        return f;
    }

    /** Cheap: asked by the detector for every frame. */
    public boolean wanted() {
        return wanted;
    }

    /** Called from the sink thread with each frame; encodes only when someone waits and pixels came. */
    public void offer(FrameResult result, ImageView image) {
        if (image == null || !wanted) return;
        List<CompletableFuture<Snapshot>> waiting;
        synchronized (pending) {
            waiting = new ArrayList<>(pending);
        }
        if (waiting.isEmpty()) return;
        try {
            Snapshot s = encode(result, image);
            for (CompletableFuture<Snapshot> f : waiting) f.complete(s);
        } catch (IOException | RuntimeException e) {
            for (CompletableFuture<Snapshot> f : waiting) f.completeExceptionally(e);
        }
    }

    /** Fails every pending request (deactivation). */
    public void close() {
        List<CompletableFuture<Snapshot>> waiting;
        synchronized (pending) {
            waiting = new ArrayList<>(pending);
        }
        for (CompletableFuture<Snapshot> f : waiting) f.completeExceptionally(new IllegalStateException("telemetry stopped"));
    }

    Snapshot encode(FrameResult result, ImageView view) throws IOException {
        BufferedImage img = toImage(view);
        if (annotate) annotate(img, result);
        if (img.getWidth() > maxWidth) img = scale(img, maxWidth);
        int q = quality;
        for (int attempt = 0; attempt < 6; attempt++) {
            byte[] jpeg = jpeg(img, q);
            if (jpeg.length <= maxBytes) {
                return new Snapshot(jpeg, result.sequence(), result.timestampMillis(), img.getWidth(), img.getHeight(),
                        annotate, result.model());
            }
            // quality first (cheap, keeps detail), then halve the size
            if (q > 40) q = Math.max(40, q - 20);
            else if (img.getWidth() > 64) img = scale(img, img.getWidth() / 2);
            else break;
        }
        throw new IOException("snapshot does not fit snapshot.max.bytes=" + maxBytes + " even at low quality and size");
    }

    static BufferedImage toImage(ImageView view) {
        BufferedImage img = new BufferedImage(view.width(), view.height(), BufferedImage.TYPE_3BYTE_BGR);
        byte[] dst = ((DataBufferByte) img.getRaster().getDataBuffer()).getData();
        ByteBuffer src = view.bgr();
        int row = view.width() * 3;
        for (int y = 0; y < view.height(); y++) src.get(y * view.stride(), dst, y * row, row);
        return img;
    }

    private static BufferedImage scale(BufferedImage src, int width) {
        int height = Math.max(1, Math.round(src.getHeight() * (width / (float) src.getWidth())));
        BufferedImage dst = new BufferedImage(width, height, BufferedImage.TYPE_3BYTE_BGR);
        Graphics2D g = dst.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
            g.drawImage(src, 0, 0, width, height, null);
        } finally {
            g.dispose();
        }
        return dst;
    }

    /** Zones (red = intrusion, yellow = occupied, green = empty) and boxes; shapes only, so no font is needed. */
    private static void annotate(BufferedImage img, FrameResult r) {
        if (r == null) return;
        int w = img.getWidth(), h = img.getHeight();
        Graphics2D g = img.createGraphics();
        try {
            g.setStroke(new BasicStroke(Math.max(2f, Math.min(w, h) / 240f)));
            for (ZoneState z : r.zones()) {
                Polygon p = new Polygon();
                for (float[] xy : z.polygon()) if (xy != null && xy.length >= 2) p.addPoint(Math.round(xy[0] * w), Math.round(xy[1] * h));
                if (p.npoints < 2) continue;
                g.setColor(z.intrusion() ? Color.RED : z.persons() > 0 ? Color.YELLOW : Color.GREEN);
                g.drawPolygon(p);
            }
            g.setColor(new Color(0, 200, 255));
            for (Detection d : r.detections()) {
                int x0 = Math.round(d.xmin() * w), y0 = Math.round(d.ymin() * h);
                int x1 = Math.round(d.xmax() * w), y1 = Math.round(d.ymax() * h);
                g.drawRect(x0, y0, Math.max(1, x1 - x0), Math.max(1, y1 - y0));
            }
        } finally {
            g.dispose();
        }
    }

    private static byte[] jpeg(BufferedImage img, int quality) throws IOException {
        Iterator<ImageWriter> it = ImageIO.getImageWritersByFormatName("jpeg");
        if (!it.hasNext()) throw new IOException("no ImageIO JPEG writer in this JRE");
        ImageWriter writer = it.next();
        ByteArrayOutputStream out = new ByteArrayOutputStream(64 * 1024);
        try (MemoryCacheImageOutputStream ios = new MemoryCacheImageOutputStream(out)) {
            ImageWriteParam p = writer.getDefaultWriteParam();
            p.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            p.setCompressionQuality(quality / 100f);
            writer.setOutput(ios);
            writer.write(null, new IIOImage(img, null, null), p);
        } finally {
            writer.dispose();
        }
        return out.toByteArray();
    }
}
