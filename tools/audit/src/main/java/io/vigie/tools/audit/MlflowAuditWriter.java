package io.vigie.tools.audit;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import io.vigie.tools.mlflow.MlflowClient;
import io.vigie.tools.mlflow.MlflowException;

/**
 * Deployment records into MLflow: one run per deployment in the experiment (default {@value #EXPERIMENT}), found again
 * by its {@value #KEY_TAG} tag before anything is created (so a record written twice, after a crash or a replay, is one
 * run), and a {@code deployed.<gateway>} tag on the registry version of the model it carries (versions are keyed by
 * the model file's precision + sha256, as the pipeline registers them): "where does this model run" is one look at the
 * version's tags. The run is FINISHED once judged, RUNNING while the verdict is pending.
 */
public final class MlflowAuditWriter {
    public static final String EXPERIMENT = "vigie-deployments";
    /** The pipeline's registered model (tools/release ReleaseMlflow.REGISTERED_MODEL; docs/MLFLOW.md "Registry layout"). */
    public static final String REGISTERED_MODEL = "vigie-ssd-mobilenet-v2";
    public static final String KEY_TAG = "audit.key";
    public static final String DEPLOYED_TAG_PREFIX = "deployed.";

    /** Params are write-once in MLflow: these identify the deployment and never change for one key. */
    private static final List<String> PARAMS = List.of("gateway", "package", "version", "sha256", "model", "model.name",
            "model.precision", "model.version", "model.sha256");

    private final MlflowClient client;
    private final String experiment;
    private final String registeredModel;
    private String experimentId;

    public MlflowAuditWriter(MlflowClient client, String experiment, String registeredModel) {
        this.client = client;
        this.experiment = experiment;
        this.registeredModel = registeredModel;
    }

    /** What a write did: the run, and the registry version tagged (null: none matched). */
    public record Written(String runId, String registryVersion, boolean created) {
    }

    public Written write(DeploymentRecord r) throws MlflowException {
        if (experimentId == null) experimentId = client.experimentId(experiment);
        // the key is 32 hex: safe inside the filter's quotes
        List<MlflowClient.RunData> found = client.searchRuns(experimentId, "tags.`" + KEY_TAG + "` = '" + r.key() + "'");
        MlflowClient.RunData existing = found.isEmpty() ? null : found.get(found.size() - 1); // the oldest
        String runId;
        if (existing == null) {
            runId = client.createRun(experimentId, runName(r), null, Map.of(KEY_TAG, r.key())).runId();
        } else {
            runId = existing.runId();
        }
        // a run judged before (e.g. an INSTALLED replayed to a restarted auditor after its verdict): the first verdict stays
        String verdict = r.verdict();
        String before = existing == null ? null : existing.tags().get("verdict");
        if (DeploymentRecord.isFinal(before)) verdict = before;
        Map<String, String> params = new LinkedHashMap<>();
        Map<String, String> all = params(r);
        for (String k : PARAMS) {
            String v = all.get(k);
            if (v == null) continue;
            String had = existing == null ? null : existing.params().get(k);
            if (had == null) params.put(k, v);
        }
        Map<String, String> tags = new LinkedHashMap<>();
        tags.put("verdict", verdict);
        tags.put("gateway", r.gateway());
        tags.put("package", r.packageName());
        put(tags, "version", r.version());
        put(tags, "reason", r.reason());
        put(tags, "restored.version", r.restoredVersion());
        put(tags, "error", r.error());
        put(tags, "job.id", r.jobId() == null ? null : r.jobId().toString());
        put(tags, "installed.at", iso(r.installedAt()));
        put(tags, "verdict.at", iso(r.verdictAt()));
        Map<String, Number> metrics = new LinkedHashMap<>();
        if (r.installedAt() != null) metrics.put("installed.at.ms", r.installedAt());
        if (r.verdictAt() != null) metrics.put("verdict.at.ms", r.verdictAt());
        if (r.healthWindowSeconds() != null) metrics.put("health.window.s", r.healthWindowSeconds());
        String version = registryVersion(r, verdict);
        put(tags, "registry.version", version == null ? null : registeredModel + "/" + version);
        client.logBatch(runId, params, metrics, tags);
        if (DeploymentRecord.isFinal(verdict) || DeploymentRecord.INSTALLED.equals(verdict))
            client.endRun(runId, MlflowClient.RunStatus.FINISHED);
        return new Written(runId, version, existing == null);
    }

    /** The deployment's identity as MLflow params. */
    static Map<String, String> params(DeploymentRecord r) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("gateway", r.gateway());
        m.put("package", r.packageName());
        m.put("version", r.version());
        m.put("sha256", r.sha256());
        m.put("model", r.model());
        m.put("model.name", r.modelName());
        m.put("model.precision", r.modelPrecision());
        m.put("model.version", r.modelVersion());
        m.put("model.sha256", r.modelSha256());
        return m;
    }

    /** Tags the registry version of the record's model, when the registry has one; its number, or null. */
    private String registryVersion(DeploymentRecord r, String verdict) throws MlflowException {
        if (r.modelSha256() == null || r.modelPrecision() == null) return null;
        Optional<MlflowClient.ModelVersion> v = client.findVersion(registeredModel, r.modelPrecision().toLowerCase(Locale.ROOT),
                r.modelSha256());
        if (v.isEmpty()) return null;
        Long at = r.verdictAt() != null ? r.verdictAt() : r.installedAt();
        String tag = deployedTag(r.gateway());
        // the latest deployment of this model file on that gateway: an older record written late (journal, replay) does
        // not overwrite a newer one
        Instant had = timeIn(v.get().tags().get(tag));
        if (had == null || at == null || !Instant.ofEpochMilli(at).isBefore(had))
            client.setVersionTag(registeredModel, v.get().version(), tag, verdict + " " + iso(at) + " " + r.packageName() + " "
                    + r.version());
        return v.get().version();
    }

    /** The registry version tag naming a gateway: {@code deployed.<gateway id made key-safe>}. */
    public static String deployedTag(String gateway) {
        return DEPLOYED_TAG_PREFIX + Names.keyPart(gateway);
    }

    static String runName(DeploymentRecord r) {
        return Names.text(r.gateway() + " " + r.packageName() + " " + r.version(), Names.MAX_NAME);
    }

    private static void put(Map<String, String> m, String k, String v) {
        if (v != null) m.put(k, v);
    }

    /** The time in a {@code deployed.*} tag value ("VERDICT ISO-TIME package version"), or null. */
    static Instant timeIn(String tagValue) {
        String[] w = tagValue == null ? new String[0] : tagValue.split(" ");
        try {
            return w.length > 1 ? Instant.parse(w[1]) : null;
        } catch (java.time.format.DateTimeParseException e) {
            return null;
        }
    }

    private static String iso(Long ms) {
        return ms == null ? null : Instant.ofEpochMilli(ms).toString();
    }
}
