package io.vigie.telemetry.core;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The remote policy for {@code PUT config}: which detector keys may be changed over the cloud
 * connection and which Kura metric type each takes. source.uri is deliberately not one: pointing the
 * detector at arbitrary files/URLs is a local decision. Ranges and formats are not checked here: the
 * detector's {@link io.vigie.api.detect.DetectorSettingsService} owns them.
 */
public final class ConfigPatch {
    public static final int MAX_KEYS = 16;

    /** Kura metric types a remote value may have. */
    enum Metric {
        NUMBER("number"), INTEGER("integer (int32/int64 metric)"), BOOLEAN("boolean"), STRING("String");

        final String shown;

        Metric(String shown) {
            this.shown = shown;
        }

        boolean accepts(Object v) {
            return switch (this) {
                case NUMBER -> v instanceof Double || v instanceof Float || v instanceof Integer || v instanceof Long;
                case INTEGER -> v instanceof Integer || v instanceof Long;
                case BOOLEAN -> v instanceof Boolean;
                case STRING -> v instanceof String;
            };
        }
    }

    /** Remote-settable keys → metric type (lists are one String: labels with ',', zones with '|'). */
    static final Map<String, Metric> KEYS = new LinkedHashMap<>();
    static {
        KEYS.put("model.precision", Metric.STRING);
        KEYS.put("score.threshold", Metric.NUMBER);
        KEYS.put("min.box.area", Metric.NUMBER);
        KEYS.put("source.max.fps", Metric.NUMBER);
        KEYS.put("source.loop", Metric.BOOLEAN);
        KEYS.put("source.realtime", Metric.BOOLEAN);
        KEYS.put("dwell.ms", Metric.INTEGER);
        KEYS.put("cooldown.ms", Metric.INTEGER);
        KEYS.put("threads", Metric.INTEGER);
        KEYS.put("classes", Metric.STRING);
        KEYS.put("zones", Metric.STRING);
    }

    private ConfigPatch() {
    }

    public static Set<String> keys() {
        return new TreeSet<>(KEYS.keySet());
    }

    /**
     * @return the metrics to hand to the settings service, in key order
     * @throws IllegalArgumentException for a key not settable remotely or a value of the wrong metric type
     */
    public static Map<String, Object> parse(Map<String, Object> metrics) {
        if (metrics == null || metrics.isEmpty())
            throw new IllegalArgumentException("no properties: send metrics named after detector keys " + keys());
        if (metrics.size() > MAX_KEYS)
            throw new IllegalArgumentException("too many properties: " + metrics.size() + " > " + MAX_KEYS);
        Map<String, Object> out = new LinkedHashMap<>();
        for (String k : new TreeSet<>(metrics.keySet())) {
            Object v = metrics.get(k);
            Metric type = KEYS.get(k);
            if (type == null) throw new IllegalArgumentException("unknown or read-only key '" + k + "'; settable: " + keys());
            if (v == null) throw new IllegalArgumentException(k + " has no value");
            if (!type.accepts(v))
                throw new IllegalArgumentException(k + " must be a " + type.shown + " metric, got "
                        + (v instanceof byte[] ? "bytes" : v.getClass().getSimpleName()));
            out.put(k, v);
        }
        return out;
    }
}
