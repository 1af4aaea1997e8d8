package io.vigie.detector.core;

import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

import io.vigie.api.model.Precision;
import io.vigie.api.video.SourceConfig;

/**
 * Validated detector settings. {@link #validate} throws IllegalArgumentException naming the bad
 * key, so a bad config is refused as a whole and the running settings stay untouched.
 */
public record DetectorSettings(SourceConfig source, Precision precision, float scoreThreshold, Set<String> classes,
        List<Zone> zones, float minBoxArea, long dwellMs, long cooldownMs, int threads, ModelGate gate) {

    /**
     * What a model must show before it may serve frames, and how long a removed model keeps serving.
     *
     * @param minPersonScore  a person must be found on the check image with at least this score
     * @param latencyBudgetMs median time per frame on the check image must not exceed this (0 = no limit)
     * @param graceMs         after the active model's service goes away (bundle stopped/updated), keep
     *                        serving with the loaded interpreter this long waiting for a replacement
     */
    public record ModelGate(float minPersonScore, long latencyBudgetMs, long graceMs) {
        public static final ModelGate DEFAULT = new ModelGate(0.4f, 1000, 60_000);

        public ModelGate {
            if (!(minPersonScore >= 0 && minPersonScore < 1))
                throw new IllegalArgumentException("model.check.min.score " + minPersonScore + " must be in [0,1)");
            if (latencyBudgetMs < 0) throw new IllegalArgumentException("model.latency.budget.ms must be >= 0");
            if (graceMs < 0) throw new IllegalArgumentException("model.grace.ms must be >= 0");
        }
    }

    public DetectorSettings {
        classes = Set.copyOf(classes);
        zones = List.copyOf(zones);
    }

    /** Builds settings from raw config values (as the metatype interface gives them). */
    public static DetectorSettings validate(SourceConfig source, String precision, float scoreThreshold,
            String[] classes, String[] zones, float minBoxArea, long dwellMs, long cooldownMs, int threads) {
        return validate(source, precision, scoreThreshold, classes, zones, minBoxArea, dwellMs, cooldownMs, threads,
                ModelGate.DEFAULT);
    }

    public static DetectorSettings validate(SourceConfig source, String precision, float scoreThreshold,
            String[] classes, String[] zones, float minBoxArea, long dwellMs, long cooldownMs, int threads,
            ModelGate gate) {
        Precision p;
        try {
            p = Precision.valueOf(precision.trim().toUpperCase(Locale.ROOT));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("model.precision '" + precision + "' must be INT8 or FP32");
        }
        if (!(scoreThreshold > 0 && scoreThreshold < 1))
            throw new IllegalArgumentException("score.threshold " + scoreThreshold + " must be in (0,1)");
        if (!(minBoxArea >= 0 && minBoxArea < 1))
            throw new IllegalArgumentException("min.box.area " + minBoxArea + " must be in [0,1) (fraction of the frame)");
        if (dwellMs < 0) throw new IllegalArgumentException("dwell.ms must be >= 0");
        if (cooldownMs < 0) throw new IllegalArgumentException("cooldown.ms must be >= 0");
        if (threads < 1 || threads > 16) throw new IllegalArgumentException("threads " + threads + " must be 1..16");
        Set<String> cls = classes == null ? Set.of("person")
                : java.util.Arrays.stream(classes).filter(c -> c != null && !c.isBlank())
                        .map(c -> c.trim().toLowerCase(Locale.ROOT)).collect(Collectors.toSet());
        if (cls.isEmpty()) throw new IllegalArgumentException("classes must name at least one label (e.g. person)");
        List<Zone> z;
        try {
            z = ZoneParser.parse(zones);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("zones: " + e.getMessage());
        }
        return new DetectorSettings(source, p, scoreThreshold, cls, z, minBoxArea, dwellMs, cooldownMs, threads, gate);
    }
}
