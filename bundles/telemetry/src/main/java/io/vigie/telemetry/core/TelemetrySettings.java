package io.vigie.telemetry.core;

/**
 * Validated telemetry settings (the glue maps the metatype interface to this). {@link #validate}
 * names the bad key, so a bad configuration is refused as a whole.
 */
public record TelemetrySettings(boolean enabled, String intrusionTopic, String metricsTopic, String modelTopic,
        int intrusionPriority, int modelPriority, int metricsPriority, int metricsIntervalS, double rateMaxPerS,
        int rateBurst, boolean snapshotOnIntrusion, boolean snapshotAnnotated, int snapshotMaxBytes,
        int snapshotMaxWidth, int snapshotQuality, long snapshotTimeoutMs, String requestAppId, long configApplyTimeoutMs) {

    public static TelemetrySettings defaults() {
        return new TelemetrySettings(true, "events/intrusion", "metrics", "model", 1, 3, 7, 10, 1.0, 10, true, true,
                150_000, 640, 70, 2000, "VIGIE-V1", 5000);
    }

    public TelemetrySettings validate() {
        topic("topic.intrusion", intrusionTopic);
        topic("topic.metrics", metricsTopic);
        topic("topic.model", modelTopic);
        priority("priority.intrusion", intrusionPriority);
        priority("priority.model", modelPriority);
        priority("priority.metrics", metricsPriority);
        if (metricsIntervalS < 1 || metricsIntervalS > 86_400)
            throw new IllegalArgumentException("metrics.interval.s " + metricsIntervalS + " must be 1..86400");
        if (!(rateMaxPerS > 0 && rateMaxPerS <= 1000))
            throw new IllegalArgumentException("rate.max.per.s " + rateMaxPerS + " must be in (0,1000]");
        if (rateBurst < 1 || rateBurst > 10_000)
            throw new IllegalArgumentException("rate.burst " + rateBurst + " must be 1..10000");
        if (snapshotMaxBytes < 1024 || snapshotMaxBytes > 16 * 1024 * 1024)
            throw new IllegalArgumentException("snapshot.max.bytes " + snapshotMaxBytes + " must be 1024..16777216");
        if (snapshotMaxWidth < 16 || snapshotMaxWidth > 8192)
            throw new IllegalArgumentException("snapshot.max.width " + snapshotMaxWidth + " must be 16..8192");
        if (snapshotQuality < 1 || snapshotQuality > 100)
            throw new IllegalArgumentException("snapshot.jpeg.quality " + snapshotQuality + " must be 1..100");
        if (snapshotTimeoutMs < 1 || snapshotTimeoutMs > 60_000)
            throw new IllegalArgumentException("snapshot.timeout.ms " + snapshotTimeoutMs + " must be 1..60000");
        if (configApplyTimeoutMs < 100 || configApplyTimeoutMs > 60_000)
            throw new IllegalArgumentException("config.apply.timeout.ms " + configApplyTimeoutMs + " must be 100..60000");
        if (requestAppId == null || !requestAppId.matches("[A-Za-z0-9_.-]{1,64}"))
            throw new IllegalArgumentException("request.app.id '" + requestAppId + "' must be 1..64 of A-Z a-z 0-9 _ . -");
        return this;
    }

    private static void topic(String key, String t) {
        if (t == null || t.isBlank()) throw new IllegalArgumentException(key + " is empty");
        if (t.startsWith("/") || t.endsWith("/") || t.contains("//") || t.contains("+") || t.contains("#")
                || t.chars().anyMatch(Character::isWhitespace))
            throw new IllegalArgumentException(
                    key + " '" + t + "' must be an MQTT app topic without wildcards, blanks or empty levels");
    }

    private static void priority(String key, int p) {
        if (p < 0 || p > 9) throw new IllegalArgumentException(key + " " + p + " must be 0..9 (0 = most important)");
    }
}
