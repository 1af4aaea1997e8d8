package io.vigie.api.video;

import java.nio.ByteBuffer;

/**
 * A packed BGR24 image (OpenCV's native order) over a buffer the caller owns. Valid only as long
 * as the owner says (for {@link Frame}: until the frame is closed). Never retain it.
 *
 * @param width  pixels
 * @param height pixels
 * @param stride bytes per row (≥ 3 × width)
 * @param bgr    pixel data; direct buffers let native code read it without a copy
 */
public record ImageView(int width, int height, int stride, ByteBuffer bgr) {
    public ImageView {
        if (width <= 0 || height <= 0) throw new IllegalArgumentException("empty image " + width + "x" + height);
        if (stride < width * 3) throw new IllegalArgumentException("stride " + stride + " < 3*width");
        if (bgr.capacity() < stride * height) throw new IllegalArgumentException("buffer too small");
    }
}
