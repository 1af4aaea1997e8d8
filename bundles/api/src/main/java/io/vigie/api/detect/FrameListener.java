package io.vigie.api.detect;

import io.vigie.api.video.ImageView;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Whiteboard sink for per-frame results (MJPEG/JSON stream, telemetry aggregation...). Register
 * it as a service. The detector calls it from a dispatcher of its own per listener with a bounded
 * drop-oldest queue, so a slow sink never slows detection; drops are counted in the status.
 */
@ConsumerType
public interface FrameListener {
    /**
     * @param result the frame's result
     * @param image  a private copy of the frame pixels when {@link #wantsImages()} said so at
     *               capture time, else null; the listener may keep it
     */
    void onFrame(FrameResult result, ImageView image);

    /** Asked once per frame: return true only while someone needs pixels (e.g. an MJPEG viewer). */
    default boolean wantsImages() {
        return false;
    }
}
