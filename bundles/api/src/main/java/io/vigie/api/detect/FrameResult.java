package io.vigie.api.detect;

import java.util.List;

import io.vigie.api.inference.Detection;
import io.vigie.api.model.ModelIdentity;

/**
 * Everything the detector concluded about one frame. Immutable; safe to queue and share.
 *
 * @param sequence        frame sequence number from the source (gaps = dropped frames)
 * @param timestampMillis decode time of the frame
 * @param width           frame width in pixels
 * @param height          frame height in pixels
 * @param detections      detections that passed class, score and size filters
 * @param zones           per-zone state for this frame
 * @param model           identity of the model that produced the detections
 * @param timings         decode/preprocess/inference/postprocess timings
 */
public record FrameResult(long sequence, long timestampMillis, int width, int height, List<Detection> detections,
        List<ZoneState> zones, ModelIdentity model, Timings timings) {
    public FrameResult {
        detections = List.copyOf(detections);
        zones = List.copyOf(zones);
    }
}
