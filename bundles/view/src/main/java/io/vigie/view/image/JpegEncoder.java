package io.vigie.view.image;

import static org.bytedeco.opencv.global.opencv_imgcodecs.IMWRITE_JPEG_QUALITY;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imencode;

import java.awt.image.BufferedImage;
import java.io.IOException;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.PointerScope;

/**
 * JPEG with an explicit quality through OpenCV's {@code imencode} (libjpeg-turbo, SIMD), straight from a
 * {@link Picture}'s BGR pixels. Holds no native state: thread-safe, calls run in parallel; the output buffer
 * of each call is freed before it returns. Encoding after {@link #close()} throws IllegalStateException.
 */
public final class JpegEncoder implements AutoCloseable {
    private volatile boolean closed;

    /** @param quality 1..100 */
    public byte[] encode(Picture picture, int quality) throws IOException {
        if (quality < 1 || quality > 100) {
            throw new IllegalArgumentException("JPEG quality must be 1..100: " + quality);
        }
        if (closed) throw new IllegalStateException("JPEG encoder closed");
        try (PointerScope scope = new PointerScope()) {
            BytePointer out = new BytePointer();
            if (!imencode(".jpg", picture.mat(), out, new IntPointer(IMWRITE_JPEG_QUALITY, quality))) {
                throw new IOException("OpenCV could not encode a " + picture.width() + "x" + picture.height() + " JPEG");
            }
            byte[] jpeg = new byte[(int) out.limit()];
            out.get(jpeg);
            return jpeg;
        }
    }

    /** Java2D callers: copies the image into a {@link Picture}, then {@link #encode(Picture, int)}. */
    public byte[] encode(BufferedImage img, int quality) throws IOException {
        if (closed) throw new IllegalStateException("JPEG encoder closed");
        try (Picture p = Picture.copyOf(img)) {
            return encode(p, quality);
        }
    }

    /** Encoding afterwards throws IllegalStateException; there is nothing else to free. */
    @Override
    public void close() {
        closed = true;
    }
}
