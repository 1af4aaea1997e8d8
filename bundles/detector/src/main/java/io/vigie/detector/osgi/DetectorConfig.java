package io.vigie.detector.osgi;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;

/** Metatype of the detector (PID io.vigie.detector): what the Kura web console shows. */
@ObjectClassDefinition(id = DetectorComponent.PID, name = "Vigie person-intrusion detector",
        description = "Video source, model preference, filters and intrusion zones. Changes apply live.")
public @interface DetectorConfig {

    @AttributeDefinition(name = "Video source", description = "File path or file: URI, rtsp://, http(s)://, "
            + "v4l2:/dev/video0 (or /dev/videoN), dir:/images. Empty = detector idle.")
    String source_uri() default "";

    @AttributeDefinition(name = "Loop file", description = "Restart video files and image folders at their end.")
    boolean source_loop() default true;

    @AttributeDefinition(name = "Real-time playback", description = "Play files at their native frame rate, like a camera.")
    boolean source_realtime() default true;

    @AttributeDefinition(name = "Max FPS", description = "Frame pacing cap (0 = as fast as the model runs).")
    double source_max_fps() default 0;

    @AttributeDefinition(name = "Reconnect back-off min (ms)")
    long source_reconnect_min_ms() default 500;

    @AttributeDefinition(name = "Reconnect back-off max (ms)")
    long source_reconnect_max_ms() default 30000;

    @AttributeDefinition(name = "Open/read timeout (ms)", description = "For network streams.")
    long source_timeout_ms() default 5000;

    @AttributeDefinition(name = "Model precision", description = "Preferred model; falls back to the other if it is not installed.",
            options = { @Option(label = "INT8 (faster)", value = "INT8"), @Option(label = "FP32", value = "FP32") })
    String model_precision() default "INT8";

    @AttributeDefinition(name = "Model check: min person score", description = "A new model must find a person "
            + "with at least this score on the built-in check image before it may serve frames.")
    float model_check_min_score() default 0.4f;

    @AttributeDefinition(name = "Model latency budget (ms)", description = "A new model whose median time per frame on "
            + "the check image exceeds this stays inactive (0 = no limit).")
    long model_latency_budget_ms() default 1000;

    @AttributeDefinition(name = "Model grace period (ms)", description = "When the active model's bundle goes away "
            + "(e.g. during a deployment package update), keep serving with the loaded model this long for a replacement.")
    long model_grace_ms() default 60000;

    @AttributeDefinition(name = "Interpreter threads", min = "1", max = "16")
    int threads() default 2;

    @AttributeDefinition(name = "Score threshold", min = "0.01", max = "0.99")
    float score_threshold() default 0.5f;

    @AttributeDefinition(name = "Classes", description = "Labels that count (COCO names).")
    String[] classes() default { "person" };

    @AttributeDefinition(name = "Min box area", description = "Ignore boxes smaller than this fraction of the frame.")
    float min_box_area() default 0.001f;

    @AttributeDefinition(name = "Zones", description = "One per entry: name:x1,y1;x2,y2;x3,y3[;...], "
            + "coordinates normalised 0..1, origin top-left. A person is in a zone when the bottom-centre of the box is.")
    String[] zones() default {};

    @AttributeDefinition(name = "Dwell time (ms)", description = "Time a person must stay in a zone before START fires.")
    long dwell_ms() default 1000;

    @AttributeDefinition(name = "Cooldown (ms)", description = "Time a zone must stay empty before END fires.")
    long cooldown_ms() default 3000;
}
