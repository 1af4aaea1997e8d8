package io.vigie.api.model;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Who produced a number: every frame result, event and telemetry message carries this so any
 * figure can be traced back to the exact model bytes (sha256) that produced it.
 */
public record ModelIdentity(String name, Precision precision, String version, String sha256) {

    public ModelIdentity {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(precision, "precision");
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(sha256, "sha256");
    }

    /** Flat map with the service-property keys of {@link DetectionModel}. */
    public Map<String, Object> toProperties() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put(DetectionModel.PROP_NAME, name);
        m.put(DetectionModel.PROP_PRECISION, precision.name());
        m.put(DetectionModel.PROP_VERSION, version);
        m.put(DetectionModel.PROP_SHA256, sha256);
        return m;
    }

    /** Short human form, e.g. {@code ssd-mobilenet-v2/INT8/1.0.0@7046f31a}. */
    public String shortId() {
        return name + "/" + precision + "/" + version + "@" + sha256.substring(0, Math.min(8, sha256.length()));
    }
}
