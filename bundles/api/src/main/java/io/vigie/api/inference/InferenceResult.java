package io.vigie.api.inference;

import java.util.List;

/** Detections of one image with where the time went. */
public record InferenceResult(List<Detection> detections, double preprocessMillis, double inferenceMillis,
        double postprocessMillis) {
    public InferenceResult {
        detections = List.copyOf(detections);
    }
}
