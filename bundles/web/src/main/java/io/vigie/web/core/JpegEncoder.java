package io.vigie.web.core;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Iterator;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/** ImageIO JPEG with an explicit quality; in-memory stream so ImageIO never touches temp files. */
public final class JpegEncoder {
    private final ImageWriter writer;

    public JpegEncoder() {
        Iterator<ImageWriter> it = ImageIO.getImageWritersByFormatName("jpeg");
        if (!it.hasNext()) throw new IllegalStateException("no ImageIO JPEG writer in this JRE");
        writer = it.next();
    }

    /** @param quality 1..100 */
    public synchronized byte[] encode(BufferedImage img, int quality) throws IOException {
        if (quality < 1 || quality > 100) throw new IllegalArgumentException("JPEG quality must be 1..100: " + quality);
        ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(16 * 1024, img.getWidth() * img.getHeight() / 8));
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

    public synchronized void dispose() {
        writer.dispose();
    }
}
