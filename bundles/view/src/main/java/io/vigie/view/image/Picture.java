package io.vigie.view.image;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;

import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.nio.ByteBuffer;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.opencv.global.opencv_imgproc;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Size;

import io.vigie.api.video.ImageView;

/**
 * A BGR image in native memory (an OpenCV {@code Mat}) that {@link Annotator} draws on and {@link JpegEncoder}
 * encodes: one copy of the frame, no {@code BufferedImage}. Not thread-safe. Close it: the pixels are native
 * memory, freed at close (not by the garbage collector).
 */
public final class Picture implements AutoCloseable {
    private final Mat mat;

    private Picture(Mat mat) {
        this.mat = mat;
    }

    /** Copies a packed BGR view (any stride, heap or direct buffer); the view is not modified. */
    public static Picture copyOf(ImageView view) {
        int w = view.width();
        int h = view.height();
        int row = w * 3;
        Picture p = new Picture(new Mat(h, w, CV_8UC3));
        ByteBuffer src = view.bgr().duplicate();
        src.clear();
        try (PointerScope scope = new PointerScope()) {
            if (src.hasArray()) {
                BytePointer dst = p.mat.data();
                int base = src.arrayOffset();
                if (view.stride() == row) {
                    dst.put(src.array(), base, row * h);
                } else {
                    for (int y = 0; y < h; y++) dst.position((long) y * row).put(src.array(), base + y * view.stride(), row);
                }
            } else if (!src.isDirect()) { // read-only heap buffer: no array to hand to native code
                byte[] line = new byte[row];
                for (int y = 0; y < h; y++) {
                    src.get(y * view.stride(), line);
                    p.mat.data().position((long) y * row).put(line, 0, row);
                }
            } else {
                // a header over the caller's direct buffer (no copy), then one copy into our own Mat
                new Mat(h, w, CV_8UC3, new BytePointer(src), view.stride()).copyTo(p.mat);
            }
        } catch (RuntimeException | Error e) {
            p.close();
            throw e;
        }
        return p;
    }

    /** Copies a {@code TYPE_3BYTE_BGR} image (other types are converted first). */
    public static Picture copyOf(BufferedImage img) {
        BufferedImage bgr = asBgr(img);
        byte[] data = ((DataBufferByte) bgr.getRaster().getDataBuffer()).getData();
        return copyOf(new ImageView(bgr.getWidth(), bgr.getHeight(), bgr.getWidth() * 3, ByteBuffer.wrap(data)));
    }

    public int width() {
        return mat.cols();
    }

    public int height() {
        return mat.rows();
    }

    /** A new picture scaled to {@code width} (aspect kept, area interpolation); close both. */
    public Picture scaledToWidth(int width) {
        if (width < 1) throw new IllegalArgumentException("width must be >= 1: " + width);
        int height = Math.max(1, Math.round(height() * (width / (float) width())));
        Picture p = new Picture(new Mat());
        try (PointerScope scope = new PointerScope()) {
            opencv_imgproc.resize(mat, p.mat, new Size(width, height), 0, 0, opencv_imgproc.INTER_AREA);
        } catch (RuntimeException | Error e) {
            p.close();
            throw e;
        }
        return p;
    }

    /** The pixels as a new {@code TYPE_3BYTE_BGR} image (for callers of the Java2D API). */
    public BufferedImage toBufferedImage() {
        BufferedImage img = new BufferedImage(width(), height(), BufferedImage.TYPE_3BYTE_BGR);
        copyTo(img);
        return img;
    }

    /** Writes the pixels into a same-sized {@code TYPE_3BYTE_BGR} image. */
    void copyTo(BufferedImage img) {
        byte[] dst = ((DataBufferByte) img.getRaster().getDataBuffer()).getData();
        try (PointerScope scope = new PointerScope()) {
            mat.data().get(dst, 0, width() * height() * 3);
        }
    }

    static BufferedImage asBgr(BufferedImage img) {
        if (img.getType() == BufferedImage.TYPE_3BYTE_BGR && img.getRaster().getParent() == null) return img;
        BufferedImage bgr = new BufferedImage(img.getWidth(), img.getHeight(), BufferedImage.TYPE_3BYTE_BGR);
        java.awt.Graphics g = bgr.getGraphics();
        try {
            g.drawImage(img, 0, 0, null);
        } finally {
            g.dispose();
        }
        return bgr;
    }

    Mat mat() {
        return mat;
    }

    /** Frees the native pixels; idempotent. */
    @Override
    public void close() {
        mat.close();
    }
}
