package io.vigie.detector.core;

/**
 * A small 8-bit grey image, row after row without padding, as {@link MotionGate} compares them.
 *
 * @param pixels width × height bytes; may be reused by its producer for the next frame
 */
public record GreyFrame(int width, int height, byte[] pixels) {
    public GreyFrame {
        if (width <= 0 || height <= 0 || pixels.length < width * height)
            throw new IllegalArgumentException("grey frame " + width + "x" + height + " over " + pixels.length + " bytes");
    }
}
