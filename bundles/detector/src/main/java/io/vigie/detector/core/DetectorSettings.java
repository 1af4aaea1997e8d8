package io.vigie.detector.core;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.vigie.api.model.Precision;
import io.vigie.api.video.SourceConfig;

/**
 * Validated detector settings, as the pipeline runs them. Built by {@link SettingsRules#settings}
 * (or {@link #validate}), which throws IllegalArgumentException naming the bad key, so a bad config is
 * refused as a whole and the running settings stay untouched.
 */
public record DetectorSettings(SourceConfig source, Precision precision, float scoreThreshold, Set<String> classes,
        List<Zone> zones, float minBoxArea, long dwellMs, long cooldownMs, int threads, ModelGate gate,
        MotionGate.Settings motion) {

    /**
     * What a model must show before it may serve frames, and how long a removed model keeps serving.
     *
     * @param minPersonScore  a person must be found on the check image with at least this score
     * @param latencyBudgetMs median time per frame on the check image must not exceed this (0 = no limit)
     * @param graceMs         after the active model's service goes away (bundle stopped/updated), keep
     *                        serving with the loaded interpreter this long waiting for a replacement
     * @param pacedLoad       load a model step by step in the inference thread's idle time (no lost frame on a
     *                        small CPU) rather than at full speed beside it
     * @param standby         keep the best model of the other precision loaded and checked (memory for an
     *                        instant precision switch)
     */
    public record ModelGate(float minPersonScore, long latencyBudgetMs, long graceMs, boolean pacedLoad,
            boolean standby) {
        public static final ModelGate DEFAULT = new ModelGate(SettingsRules.CHECK_MIN_SCORE_DEFAULT,
                SettingsRules.LATENCY_BUDGET_DEFAULT, SettingsRules.GRACE_DEFAULT);

        /** With the default loading (paced, no standby). */
        public ModelGate(float minPersonScore, long latencyBudgetMs, long graceMs) {
            this(minPersonScore, latencyBudgetMs, graceMs, SettingsRules.LOAD_PACED_DEFAULT,
                    SettingsRules.STANDBY_DEFAULT);
        }

        public ModelGate {
            SettingsRules.normalise(SettingsRules.CHECK_MIN_SCORE, minPersonScore);
            SettingsRules.normalise(SettingsRules.LATENCY_BUDGET_MS, latencyBudgetMs);
            SettingsRules.normalise(SettingsRules.GRACE_MS, graceMs);
        }
    }

    public DetectorSettings {
        classes = Set.copyOf(classes);
        zones = List.copyOf(zones);
        if (motion == null) motion = MotionGate.Settings.OFF;
    }

    /** Settings with the motion gate off. */
    public DetectorSettings(SourceConfig source, Precision precision, float scoreThreshold, Set<String> classes,
            List<Zone> zones, float minBoxArea, long dwellMs, long cooldownMs, int threads, ModelGate gate) {
        this(source, precision, scoreThreshold, classes, zones, minBoxArea, dwellMs, cooldownMs, threads, gate,
                MotionGate.Settings.OFF);
    }

    /** Builds settings from raw config values (as the metatype interface gives them). */
    public static DetectorSettings validate(SourceConfig source, String precision, float scoreThreshold,
            String[] classes, String[] zones, float minBoxArea, long dwellMs, long cooldownMs, int threads) {
        return validate(source, precision, scoreThreshold, classes, zones, minBoxArea, dwellMs, cooldownMs, threads,
                ModelGate.DEFAULT);
    }

    /** The raw values checked and completed by {@link SettingsRules}, as the component's configuration is. */
    public static DetectorSettings validate(SourceConfig source, String precision, float scoreThreshold,
            String[] classes, String[] zones, float minBoxArea, long dwellMs, long cooldownMs, int threads,
            ModelGate gate) {
        Map<String, Object> m = new HashMap<>();
        m.put(SettingsRules.SOURCE_URI, source.uri());
        m.put(SettingsRules.SOURCE_LOOP, source.loop());
        m.put(SettingsRules.SOURCE_MAX_FPS, source.maxFps());
        m.put(SettingsRules.SOURCE_REALTIME, source.realtime());
        m.put(SettingsRules.RECONNECT_MIN_MS, source.reconnectMinMs());
        m.put(SettingsRules.RECONNECT_MAX_MS, source.reconnectMaxMs());
        m.put(SettingsRules.SOURCE_TIMEOUT_MS, source.openTimeoutMs());
        m.put(SettingsRules.PRECISION, precision);
        m.put(SettingsRules.CHECK_MIN_SCORE, gate.minPersonScore());
        m.put(SettingsRules.LATENCY_BUDGET_MS, gate.latencyBudgetMs());
        m.put(SettingsRules.GRACE_MS, gate.graceMs());
        m.put(SettingsRules.LOAD_PACED, gate.pacedLoad());
        m.put(SettingsRules.STANDBY, gate.standby());
        m.put(SettingsRules.THREADS, threads);
        m.put(SettingsRules.SCORE_THRESHOLD, scoreThreshold);
        m.put(SettingsRules.CLASSES, classes);
        m.put(SettingsRules.MIN_BOX_AREA, minBoxArea);
        m.put(SettingsRules.ZONES, zones);
        m.put(SettingsRules.DWELL_MS, dwellMs);
        m.put(SettingsRules.COOLDOWN_MS, cooldownMs);
        return SettingsRules.settings(SettingsRules.effective(m));
    }
}
