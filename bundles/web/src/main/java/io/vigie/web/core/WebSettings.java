package io.vigie.web.core;

import java.util.ArrayList;
import java.util.List;

/** Validated web configuration. */
public record WebSettings(int jpegQuality, double streamMaxFps, int streamMaxClients, int sseMaxClients,
        double sseDetectionRate) {
    public static final WebSettings DEFAULTS = new WebSettings(75, 10, 4, 8, 10);

    /** @throws IllegalArgumentException naming every invalid value */
    public WebSettings {
        List<String> bad = new ArrayList<>();
        if (jpegQuality < 1 || jpegQuality > 100) bad.add("jpeg.quality must be 1..100 (got " + jpegQuality + ")");
        if (!(streamMaxFps >= 0) || Double.isInfinite(streamMaxFps))
            bad.add("stream.max.fps must be >= 0 (got " + streamMaxFps + ")");
        if (streamMaxClients < 1) bad.add("stream.max.clients must be >= 1 (got " + streamMaxClients + ")");
        if (sseMaxClients < 1) bad.add("sse.max.clients must be >= 1 (got " + sseMaxClients + ")");
        if (!(sseDetectionRate >= 0) || Double.isInfinite(sseDetectionRate))
            bad.add("sse.detection.rate must be >= 0 (got " + sseDetectionRate + ")");
        if (!bad.isEmpty()) throw new IllegalArgumentException("invalid io.vigie.web configuration: " + String.join("; ", bad));
    }

    /**
     * Frames per second for one stream client: the smaller of the configured cap and the client's
     * own request (0 = none).
     *
     * @param requested the client's ?fps= value, or null
     * @throws IllegalArgumentException when {@code requested} is not a positive number
     */
    public double clientFps(String requested) {
        if (requested == null || requested.isEmpty()) return streamMaxFps;
        double r;
        try {
            r = Double.parseDouble(requested);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("fps must be a number: " + requested);
        }
        if (!(r > 0) || Double.isInfinite(r)) throw new IllegalArgumentException("fps must be > 0: " + requested);
        return streamMaxFps > 0 ? Math.min(r, streamMaxFps) : r;
    }
}
