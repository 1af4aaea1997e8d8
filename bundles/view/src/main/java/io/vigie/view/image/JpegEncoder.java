package io.vigie.view.image;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Iterator;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/**
 * JPEG with an explicit quality. Packed BGR images (what {@link Annotator} makes) go through OpenCV when the
 * bytedeco natives are there (~6x faster per frame than ImageIO, the MJPEG stream's main cost at the edge);
 * anything else, or no natives, through ImageIO with an in-memory stream so it never touches temp files.
 * One encoder, reused for every image: thread-safe (calls are serialised), close it when done.
 */
public final class JpegEncoder implements AutoCloseable {
    private final ImageWriter writer;
    private final NativeJpeg fast; // null: ImageIO only
    private boolean closed;

    public JpegEncoder() {
        this(true);
    }

    /** @param useNative false: ImageIO only (tests of the fallback) */
    JpegEncoder(boolean useNative) {
        Iterator<ImageWriter> it = ImageIO.getImageWritersByFormatName("jpeg");
        if (!it.hasNext()) throw new IllegalStateException("no ImageIO JPEG writer in this JRE");
        writer = it.next();
        fast = useNative ? nativeOrNull() : null;
    }

    private static NativeJpeg nativeOrNull() {
        try {
            return new NativeJpeg();
        } catch (LinkageError | RuntimeException e) {
            return null; // no bytedeco classes or natives (optional import): ImageIO
        }
    }

    /** Whether packed BGR images are encoded by OpenCV. */
    public boolean usesNative() {
        return fast != null;
    }

    /** @param quality 1..100 */
    public synchronized byte[] encode(BufferedImage img, int quality) throws IOException {
        if (quality < 1 || quality > 100) {
            throw new IllegalArgumentException("JPEG quality must be 1..100: " + quality);
        }
        if (closed) throw new IllegalStateException("JPEG encoder closed");
        if (fast != null && NativeJpeg.packedBgr(img)) return fast.encode(img, quality);
        int guess = Math.max(16 * 1024, img.getWidth() * img.getHeight() / 8);
        ByteArrayOutputStream out = new ByteArrayOutputStream(guess);
        ImageWriteParam p = writer.getDefaultWriteParam();
        p.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
        p.setCompressionQuality(quality / 100f);
        try (MemoryCacheImageOutputStream ios = new MemoryCacheImageOutputStream(out)) {
            writer.setOutput(ios);
            writer.write(null, new IIOImage(img, null, null), p);
        } finally {
            writer.setOutput(null);
        }
        return out.toByteArray();
    }

    /** Frees the writer; encoding afterwards throws IllegalStateException. */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        writer.dispose();
        if (fast != null) fast.close();
    }
}
