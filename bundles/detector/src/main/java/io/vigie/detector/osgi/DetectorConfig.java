package io.vigie.detector.osgi;

import static io.vigie.detector.core.SettingsRules.*;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;

/**
 * Metatype of the detector (PID io.vigie.detector): what the Kura web console shows. Defaults and
 * min/max come from {@link io.vigie.detector.core.SettingsRules}, which the detector and its settings
 * service validate with, so the form cannot offer what the detector refuses.
 */
@ObjectClassDefinition(id = DetectorComponent.PID, name = "Vigie person-intrusion detector",
        description = "Video source, model preference, filters and intrusion zones. Changes apply live.")
public @interface DetectorConfig {

    @AttributeDefinition(name = "Video source", description = "File path or file: URI, rtsp://, http(s)://, "
            + "v4l2:/dev/video0 (or /dev/videoN), dir:/images. Required: while it is empty the detector processes "
            + "nothing and reports ERROR.")
    String source_uri() default SOURCE_URI_DEFAULT;

    @AttributeDefinition(name = "Loop file", description = "Restart video files and image folders at their end.")
    boolean source_loop() default LOOP_DEFAULT;

    @AttributeDefinition(name = "Real-time playback", description = "Play files at their native frame rate, like a camera.")
    boolean source_realtime() default REALTIME_DEFAULT;

    @AttributeDefinition(name = "Max FPS", description = "Frame pacing cap (0 = as fast as the model runs).",
            min = ZERO, max = FPS_MAX)
    double source_max_fps() default MAX_FPS_DEFAULT;

    @AttributeDefinition(name = "Reconnect back-off min (ms)", min = ONE)
    long source_reconnect_min_ms() default RECONNECT_MIN_DEFAULT;

    @AttributeDefinition(name = "Reconnect back-off max (ms)", description = "At least the minimum.", min = ONE)
    long source_reconnect_max_ms() default RECONNECT_MAX_DEFAULT;

    @AttributeDefinition(name = "Open/read timeout (ms)", description = "For network streams.", min = ZERO)
    long source_timeout_ms() default TIMEOUT_DEFAULT;

    @AttributeDefinition(name = "Model precision",
            description = "Preferred model; falls back to the other if it is not installed.",
            options = { @Option(label = "INT8 (faster)", value = "INT8"), @Option(label = "FP32", value = "FP32") })
    String model_precision() default PRECISION_DEFAULT;

    @AttributeDefinition(name = "Model check: min person score", description = "A new model must find a person "
            + "with at least this score on the built-in check image before it may serve frames.", min = ZERO, max = FRACTION_MAX)
    float model_check_min_score() default CHECK_MIN_SCORE_DEFAULT;

    @AttributeDefinition(name = "Model latency budget (ms)", description = "A new model whose median time per frame on "
            + "the check image exceeds this stays inactive (0 = no limit).", min = ZERO)
    long model_latency_budget_ms() default LATENCY_BUDGET_DEFAULT;

    @AttributeDefinition(name = "Model grace period (ms)", description = "When the active model's bundle goes away "
            + "(e.g. during a deployment package update), keep serving with the loaded model this long for a replacement.",
            min = ZERO)
    long model_grace_ms() default GRACE_DEFAULT;

    @AttributeDefinition(name = "Paced model loading", description = "When the CPU is short (no more processors "
            + "than interpreter threads, e.g. a half-core quota), load a new model step by step between the detector's "
            + "frames, so a swap loses fewer frames. Off, or with a free core: at full speed beside the detector.")
    boolean model_load_paced() default LOAD_PACED_DEFAULT;

    @AttributeDefinition(name = "Hot standby", description = "Keep the best model of the other precision loaded and "
            + "checked, so a precision switch is immediate (costs its memory: +75 MB RSS for an FP32 standby beside INT8).")
    boolean model_standby() default STANDBY_DEFAULT;

    @AttributeDefinition(name = "Interpreter threads", min = ONE, max = THREADS_MAX)
    int threads() default THREADS_DEFAULT;

    @AttributeDefinition(name = "Score threshold", min = SCORE_MIN, max = SCORE_MAX)
    float score_threshold() default SCORE_DEFAULT;

    @AttributeDefinition(name = "Classes", description = "Labels that count (COCO names: letters, digits, space, _ or -).")
    String[] classes() default { CLASS_DEFAULT };

    @AttributeDefinition(name = "Min box area", description = "Ignore boxes smaller than this fraction of the frame.",
            min = ZERO, max = FRACTION_MAX)
    float min_box_area() default MIN_BOX_AREA_DEFAULT;

    @AttributeDefinition(name = "Zones", description = "One per entry: name:x1,y1;x2,y2;x3,y3[;...], "
            + "coordinates normalised 0..1, origin top-left. A person is in a zone when the bottom-centre of the box is.")
    String[] zones() default {};

    @AttributeDefinition(name = "Dwell time (ms)", description = "Time a person must stay in a zone before START fires.",
            min = ZERO, max = DAY_MS)
    long dwell_ms() default DWELL_DEFAULT;

    @AttributeDefinition(name = "Cooldown (ms)", description = "Time a zone must stay empty before END fires.",
            min = ZERO, max = DAY_MS)
    long cooldown_ms() default COOLDOWN_DEFAULT;

    // ---- motion gate ----
    @AttributeDefinition(name = "Motion gate", description = "Run the model only on frames where something moved since "
            + "the last inferred frame; still frames reuse its detections. Saves CPU on quiet cameras.")
    boolean motion_gate_enabled() default MOTION_GATE_DEFAULT;

    @AttributeDefinition(name = "Motion threshold", description = "Grey-level difference (of 255) above which a pixel "
            + "of the 160-pixel-wide grey frame changed.", min = ONE, max = GREY_MAX)
    int motion_threshold() default MOTION_THRESHOLD_DEFAULT;

    @AttributeDefinition(name = "Motion min area", description = "Fraction of the grey frame's pixels that must change "
            + "for motion.", min = ZERO, max = FRACTION_MAX)
    float motion_min_area() default MOTION_MIN_AREA_DEFAULT;

    @AttributeDefinition(name = "Motion re-check (ms)", description = "Run the model at least this often while people "
            + "are seen or a zone is not idle, even if nothing moves.", min = ZERO, max = DAY_MS)
    long motion_recheck_ms() default MOTION_RECHECK_DEFAULT;

    @AttributeDefinition(name = "Motion idle re-check (ms)", description = "Run the model at least this often when "
            + "nobody is seen and nothing moves.", min = ZERO, max = DAY_MS)
    long motion_idle_recheck_ms() default MOTION_IDLE_RECHECK_DEFAULT;
}
