package io.vigie.api.ota;

import java.util.List;

/**
 * The single owner of the OTA agent's EventAdmin topics and property keys. Telemetry forwards these events to the cloud
 * with the same keys as KuraPayload metrics (and {@code type} = {@link #TYPE_PREFIX} + the topic's last level), and the
 * cloud-side deployment auditor reads them back by these names. Properties are plain types (String, Long, Boolean,
 * String[]); any of them may be absent.
 */
public final class OtaTopics {
    private OtaTopics() {
    }

    public static final String PREFIX = "io/vigie/ota/";
    /** A package was installed (any path: REST, DEPLOY-V2, the store at start). */
    public static final String INSTALLED = PREFIX + "INSTALLED";
    public static final String UNINSTALLED = PREFIX + "UNINSTALLED";
    public static final String FAILED = PREFIX + "FAILED";
    /** The health watch kept an installed model package. */
    public static final String HEALTHY = PREFIX + "HEALTHY";
    /** The health watch refused a model package: the one it replaced is back ({@link #RESTORED_VERSION}) or none. */
    public static final String ROLLBACK = PREFIX + "ROLLBACK";
    /** Every OTA topic (an {@code event.topics} value). */
    public static final String ALL = PREFIX + "*";
    /** Cloud messages: {@code type} = this + INSTALLED|UNINSTALLED|FAILED|HEALTHY|ROLLBACK. */
    public static final String TYPE_PREFIX = "OTA_";

    /** Deployment package name, version, sha256 of the {@code .dp} file (hex). */
    public static final String NAME = "name";
    public static final String VERSION = "version";
    public static final String SHA256 = "sha256";
    /** Symbolic names of the package's bundles (String[]). */
    public static final String BUNDLES = "bundles";
    /** The model a package carries: short id {@code name/precision/version@sha8} and its parts. */
    public static final String MODEL = "model";
    public static final String MODEL_NAME = "model.name";
    public static final String MODEL_PRECISION = "model.precision";
    public static final String MODEL_VERSION = "model.version";
    public static final String MODEL_SHA256 = "model.sha256";
    /** Verdict words and state: HEALTHY, ROLLED_BACK, ROLLBACK_FAILED. */
    public static final String REASON = "reason";
    public static final String STATE = "state";
    /** Rollback: the version installed again, or {@link #UNINSTALLED_FLAG} when there was none to restore. */
    public static final String RESTORED_VERSION = "restored.version";
    public static final String UNINSTALLED_FLAG = "uninstalled";
    /** Rollback failure, or FAILED's message. */
    public static final String ERROR = "error";
    public static final String OPERATION = "operation";
    public static final String MESSAGE = "message";
    public static final String STATUS = "status";
    /** DEPLOY-V2 job id (Long) when the install came from a DEPLOY-V2 request. */
    public static final String JOB_ID = "job.id";
    /** INSTALLED: whether a health watch judges this install (Boolean): true = a HEALTHY or ROLLBACK follows. */
    public static final String WATCHED = "health.watched";
    /** Gateway clock, epoch ms (Long): when the package was installed; when the verdict was reached. */
    public static final String INSTALLED_AT = "installed.at";
    public static final String VERDICT_AT = "verdict.at";

    /** Every key above, in the order a reader lists them. */
    public static final List<String> KEYS = List.of(NAME, VERSION, SHA256, BUNDLES, MODEL, MODEL_NAME, MODEL_PRECISION,
            MODEL_VERSION, MODEL_SHA256, STATE, REASON, RESTORED_VERSION, UNINSTALLED_FLAG, ERROR, OPERATION, MESSAGE,
            STATUS, JOB_ID, WATCHED, INSTALLED_AT, VERDICT_AT);
}
