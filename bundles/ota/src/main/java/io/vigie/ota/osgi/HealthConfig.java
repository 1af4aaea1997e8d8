package io.vigie.ota.osgi;

/** The keys of the OTA configuration ({@code io.vigie.ota}, described by {@link OtaConfig}) the health handler reads. */
@interface HealthConfig {
    boolean rollback_enabled() default OtaConfig.ROLLBACK_ENABLED;

    int health_window_seconds() default OtaConfig.HEALTH_WINDOW_SECONDS;

    int health_max_model_errors() default OtaConfig.HEALTH_MAX_MODEL_ERRORS;

    long health_latency_budget_ms() default OtaConfig.HEALTH_LATENCY_BUDGET_MS;

    double health_min_fps_ratio() default OtaConfig.HEALTH_MIN_FPS_RATIO;
}
