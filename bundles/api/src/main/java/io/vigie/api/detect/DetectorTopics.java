package io.vigie.api.detect;

/**
 * EventAdmin topics and event property keys. Properties are plain types (String, Number, Boolean,
 * String[]) so any handler, including remote bridges, can read them without our classes.
 */
public final class DetectorTopics {
    private DetectorTopics() {
    }

    /** A person stayed in a zone for the dwell time. */
    public static final String INTRUSION_START = "io/vigie/intrusion/START";
    /** The zone has been empty for the cooldown. */
    public static final String INTRUSION_END = "io/vigie/intrusion/END";
    /** The active model changed or failed (property {@link #ERROR} set on failure). */
    public static final String MODEL_CHANGED = "io/vigie/detector/MODEL";
    /** Wildcard for all Vigie topics. */
    public static final String ALL = "io/vigie/*";

    public static final String SEQUENCE = "sequence";
    public static final String TIMESTAMP = "timestamp";
    public static final String ZONE = "zone";
    public static final String PERSONS = "persons";
    public static final String STARTED = "started";
    /** JSON array of {label, score, xmin, ymin, xmax, ymax}. */
    public static final String DETECTIONS_JSON = "detections";
    public static final String MODEL_NAME = "model.name";
    public static final String MODEL_PRECISION = "model.precision";
    public static final String MODEL_VERSION = "model.version";
    public static final String MODEL_SHA256 = "model.sha256";
    public static final String ERROR = "error";
    /** On {@link #MODEL_CHANGED} after a switch: milliseconds from the request to the new model's first frame. */
    public static final String SWAP_MS = "swap.ms";
}
