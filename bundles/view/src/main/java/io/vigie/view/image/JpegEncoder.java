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
 * ImageIO JPEG with an explicit quality; in-memory stream so ImageIO never touches temp files. One
 * writer, reused for every image: thread-safe (calls are serialised), close it when done.
 */
public final class JpegEncoder implements AutoCloseable {
    private final ImageWriter writer;
    private boolean closed;

    public JpegEncoder() {
        Iterator<ImageWriter> it = ImageIO.getImageWritersByFormatName("jpeg");
        if (!it.hasNext()) throw new IllegalStateException("no ImageIO JPEG writer in this JRE");
        writer = it.next();
    }

    /** @param quality 1..100 */
    public synchronized byte[] encode(BufferedImage img, int quality) throws IOException {
        if (quality < 1 || quality > 100) {
            throw new IllegalArgumentException("JPEG quality must be 1..100: " + quality);
        }
        if (closed) throw new IllegalStateException("JPEG encoder closed");
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
        closed = true;
        writer.dispose();
    }
}
