package io.vigie.telemetry.core;

import io.vigie.api.model.ModelIdentity;

/** One encoded JPEG of a processed frame. */
public record Snapshot(byte[] jpeg, long sequence, long timestampMillis, int width, int height, boolean annotated,
        ModelIdentity model) {
}
