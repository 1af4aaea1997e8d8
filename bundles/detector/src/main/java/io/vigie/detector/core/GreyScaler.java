package io.vigie.detector.core;

import io.vigie.api.video.ImageView;

/**
 * Turns a camera frame into the small, blurred grey frame the {@link MotionGate} compares. The OpenCV one lives in
 * {@code io.vigie.detector.cv}; one instance per inference thread (it keeps native scratch buffers), closed with it.
 */
public interface GreyScaler extends AutoCloseable {
    /** Width of the grey frames, in pixels; the height keeps the frame's aspect ratio. */
    int WIDTH = 160;

    /** The small grey frame of {@code image}; its pixels are valid until the next call. */
    GreyFrame grey(ImageView image);

    @Override
    void close();
}
