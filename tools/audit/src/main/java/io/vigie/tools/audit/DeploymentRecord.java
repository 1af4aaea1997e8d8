package io.vigie.tools.audit;

import java.util.Objects;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

/**
 * One deployment of one package on one gateway, as far as its events told: the install, then the health verdict. The
 * {@link #key} (gateway, package, .dp sha256, install time) is the idempotency key: the same deployment is always the
 * same record, however often or in whatever order its events arrive.
 *
 * @param verdict {@link #PENDING} (a model install waiting for its health verdict), {@link #INSTALLED} (no model: nothing
 *                judges it), HEALTHY, ROLLED_BACK or ROLLBACK_FAILED
 */
public record DeploymentRecord(String key, String gateway, String packageName, String version, String sha256,
        String model, String modelName, String modelPrecision, String modelVersion, String modelSha256, String verdict,
        String reason, String restoredVersion, String error, Long jobId, Long installedAt, Long verdictAt) {
    public static final String PENDING = "PENDING";
    public static final String INSTALLED = "INSTALLED";
    public static final String HEALTHY = "HEALTHY";
    public static final String ROLLED_BACK = "ROLLED_BACK";
    public static final String ROLLBACK_FAILED = "ROLLBACK_FAILED";

    public DeploymentRecord {
        Objects.requireNonNull(key);
        Objects.requireNonNull(gateway);
        Objects.requireNonNull(packageName);
        Objects.requireNonNull(verdict);
    }

    /** The idempotency key: 32 hex of sha256(gateway, package, sha256, install time). */
    public static String key(String gateway, String packageName, String sha256, long installedAt) {
        return Names.hex(gateway + "\n" + packageName + "\n" + sha256 + "\n" + installedAt).substring(0, 32);
    }

    /** A health verdict is in (or there will be none): later events do not change it. */
    public boolean judged() {
        return isFinal(verdict);
    }

    static boolean isFinal(String verdict) {
        return HEALTHY.equals(verdict) || ROLLED_BACK.equals(verdict) || ROLLBACK_FAILED.equals(verdict);
    }

    /** Seconds from the install to the verdict (the health window as it ran), or null. */
    public Double healthWindowSeconds() {
        return installedAt == null || verdictAt == null || verdictAt < installedAt ? null : (verdictAt - installedAt) / 1000.0;
    }

    /**
     * What both say, {@code this} first: the first verdict given stays (a duplicate or a replay cannot change it), a
     * judged verdict replaces PENDING/INSTALLED, missing fields are filled from {@code o}.
     */
    public DeploymentRecord merge(DeploymentRecord o) {
        if (!key.equals(o.key)) throw new IllegalArgumentException("different deployments: " + key + " / " + o.key);
        boolean theirs = !judged() && o.judged();
        return new DeploymentRecord(key, gateway, packageName, or(version, o.version), or(sha256, o.sha256),
                or(model, o.model), or(modelName, o.modelName), or(modelPrecision, o.modelPrecision),
                or(modelVersion, o.modelVersion), or(modelSha256, o.modelSha256),
                theirs ? o.verdict : PENDING.equals(o.verdict) && INSTALLED.equals(verdict) ? PENDING : verdict,
                theirs ? or(o.reason, reason) : or(reason, o.reason), theirs ? or(o.restoredVersion, restoredVersion)
                        : or(restoredVersion, o.restoredVersion), theirs ? or(o.error, error) : or(error, o.error),
                or(jobId, o.jobId), or(installedAt, o.installedAt),
                theirs ? or(o.verdictAt, verdictAt) : or(verdictAt, o.verdictAt));
    }

    private static <T> T or(T a, T b) {
        return a != null ? a : b;
    }

    // ---- the journal's form (Gson 2.9 has no record support: by hand, and a damaged file is refused, not guessed)

    public JsonObject toJson() {
        JsonObject o = new JsonObject();
        o.addProperty("key", key);
        o.addProperty("gateway", gateway);
        o.addProperty("package", packageName);
        o.addProperty("version", version);
        o.addProperty("sha256", sha256);
        o.addProperty("model", model);
        o.addProperty("model.name", modelName);
        o.addProperty("model.precision", modelPrecision);
        o.addProperty("model.version", modelVersion);
        o.addProperty("model.sha256", modelSha256);
        o.addProperty("verdict", verdict);
        o.addProperty("reason", reason);
        o.addProperty("restored.version", restoredVersion);
        o.addProperty("error", error);
        o.addProperty("job.id", jobId);
        o.addProperty("installed.at", installedAt);
        o.addProperty("verdict.at", verdictAt);
        return o;
    }

    /** @throws IllegalArgumentException when a required field is missing or of the wrong type */
    public static DeploymentRecord fromJson(JsonObject o) {
        try {
            return new DeploymentRecord(s(o, "key"), s(o, "gateway"), s(o, "package"), s(o, "version"), s(o, "sha256"),
                    s(o, "model"), s(o, "model.name"), s(o, "model.precision"), s(o, "model.version"), s(o, "model.sha256"),
                    s(o, "verdict"), s(o, "reason"), s(o, "restored.version"), s(o, "error"), l(o, "job.id"),
                    l(o, "installed.at"), l(o, "verdict.at"));
        } catch (NullPointerException | ClassCastException | IllegalStateException | NumberFormatException e) {
            throw new IllegalArgumentException("not a deployment record: " + e.getMessage(), e);
        }
    }

    private static String s(JsonObject o, String k) {
        JsonElement e = o.get(k);
        return e == null || e.isJsonNull() ? null : e.getAsString();
    }

    private static Long l(JsonObject o, String k) {
        JsonElement e = o.get(k);
        return e == null || e.isJsonNull() ? null : e.getAsLong();
    }
}
