package io.vigie.tools.mlflow;

import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;

/**
 * MLflow over its REST API (an {@code mlflow server}, 2.x/3.x: {@code /api/2.0/mlflow/...} and the artifact proxy
 * {@code /api/2.0/mlflow-artifacts/artifacts/...} of {@code --serve-artifacts}). Only what Vigie's tools need: experiments,
 * runs (nested through the {@code mlflow.parentRunId} tag), log-batch within MLflow's limits (chunked, over-long values
 * truncated), artifacts, registered models, versions, version tags and aliases. Every failure is one
 * {@link MlflowException}. Thread-safe; no state but the URI and the HTTP client.
 */
public final class MlflowClient {
    /** Tag that marks a registered model as created by Vigie: a model of the same name without it is not ours. */
    public static final String OWNER_TAG = "vigie.owner";
    public static final String OWNER = "vigie";
    /** Version tags that identify a model file: a version is found again by them, never registered twice. */
    public static final String PRECISION_TAG = "precision";
    public static final String SHA256_TAG = "sha256";
    /** MLflow's own tag that makes a run a child of another (the UI nests it). */
    public static final String PARENT_RUN_TAG = "mlflow.parentRunId";

    // MLflow's limits (mlflow/utils/validation.py of 3.17): the server refuses a batch that exceeds them.
    static final int MAX_KEY_LENGTH = 250;
    static final int MAX_PARAM_VALUE_LENGTH = 6000;
    static final int MAX_TAG_VALUE_LENGTH = 8000;
    static final int MAX_PARAMS_TAGS_PER_BATCH = 100;
    static final int MAX_ENTITIES_PER_BATCH = 1000;
    /**
     * Below MLflow's documented MAX_BATCH_LOG_REQUEST_SIZE (1e6 bytes), with room for what the estimate leaves out. The
     * 3.17 server's check takes len() of the parsed JSON (its key count) and passes anything, but proxies limit bodies.
     */
    static final int MAX_BATCH_BYTES = 900_000;
    /** Characters MLflow accepts in param/metric/tag keys (others become '_'). */
    private static final Pattern BAD_KEY_CHARS = Pattern.compile("[^A-Za-z0-9_\\-. /]");
    /** A JSON answer larger than this is not something the API sends: refused rather than read into memory. */
    private static final int MAX_JSON_BYTES = 16 << 20;
    private static final Gson GSON = new Gson();

    /** A run: its id, its experiment and where its artifacts live. */
    public record Run(String runId, String experimentId, String artifactUri) {
    }

    /** A run as read back. Metrics: the latest value of each key. */
    public record RunData(String runId, String experimentId, String name, String status, String artifactUri,
            Map<String, String> params, Map<String, Double> metrics, Map<String, String> tags) {
        public String parentRunId() {
            return tags.get(PARENT_RUN_TAG);
        }

        /** The run's handle, for artifact calls. */
        public Run run() {
            return new Run(runId, experimentId, artifactUri);
        }
    }

    /** An artifact listing entry; {@code path} is relative to the run's artifact root. */
    public record ArtifactFile(String path, boolean dir, long size) {
    }

    /** A registered model version. */
    public record ModelVersion(String name, String version, String source, String runId, String status,
            Map<String, String> tags, List<String> aliases) {
    }

    /** How a run ended. */
    public enum RunStatus {
        FINISHED, FAILED, KILLED
    }

    /** What {@link #logBatch} changed to fit MLflow's limits (empty lists: nothing). */
    public record BatchReport(List<String> truncated, List<String> renamed, List<String> skipped, int requests) {
    }

    private final URI base;
    private final HttpClient http;
    private final Duration timeout;

    /**
     * @param trackingUri {@code http(s)://host:port[/prefix]} of an {@code mlflow server}
     * @throws MlflowException {@link MlflowException.Kind#BAD_URI} for anything else (no network access is made)
     */
    public MlflowClient(String trackingUri) throws MlflowException {
        this(trackingUri, Duration.ofSeconds(5), Duration.ofSeconds(120));
    }

    public MlflowClient(String trackingUri, Duration connectTimeout, Duration requestTimeout) throws MlflowException {
        this.base = parse(trackingUri);
        this.timeout = requestTimeout;
        this.http = HttpClient.newBuilder().connectTimeout(connectTimeout).followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    static URI parse(String s) throws MlflowException {
        if (s == null || s.isBlank()) throw new MlflowException(MlflowException.Kind.BAD_URI, "no MLflow tracking URI given");
        String hint = "MLflow tracking URI '" + printable(s) + "': expected http(s)://HOST:PORT of an `mlflow server`";
        URI u;
        try {
            u = new URI(s.strip());
        } catch (URISyntaxException e) {
            throw new MlflowException(MlflowException.Kind.BAD_URI, hint + " (" + e.getReason() + ")");
        }
        String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new MlflowException(MlflowException.Kind.BAD_URI, hint + (scheme.isEmpty() ? "" : " (scheme " + scheme
                    + " is not served: file, sqlite and databricks stores are the Python client's, not a server's)"));
        }
        if (u.getHost() == null) throw new MlflowException(MlflowException.Kind.BAD_URI, hint + " (no host)");
        if (u.getPort() > 65535) throw new MlflowException(MlflowException.Kind.BAD_URI, hint + " (port out of range)");
        if (u.getRawQuery() != null || u.getRawFragment() != null || u.getRawUserInfo() != null) {
            throw new MlflowException(MlflowException.Kind.BAD_URI, hint + " (no user, query or fragment)");
        }
        String path = u.getRawPath() == null ? "" : u.getRawPath().replaceAll("/+$", "");
        return URI.create(scheme + "://" + u.getRawAuthority() + path);
    }

    private static String printable(String s) {
        String p = s.replaceAll("[^\\x20-\\x7e]", "?");
        return p.length() > 200 ? p.substring(0, 200) + "..." : p;
    }

    /** The server's base URI (normalized). */
    public URI trackingUri() {
        return base;
    }

    /** The run's page in the MLflow UI. */
    public String runUrl(Run run) {
        return base + "/#/experiments/" + run.experimentId() + "/runs/" + run.runId();
    }

    // ---- experiments and runs ----

    /** The id of the experiment of that name, created when missing (active experiments only). */
    public String experimentId(String name) throws MlflowException {
        Optional<String> id = findExperiment(name);
        if (id.isPresent()) return id.get();
        JsonObject body = new JsonObject();
        body.addProperty("name", name);
        try {
            return post("mlflow/experiments/create", body).get("experiment_id").getAsString();
        } catch (MlflowException e) {
            if (!e.isAlreadyExists()) throw e;
            // created concurrently, or deleted (then MLflow keeps the name): get-by-name says which
            return findExperiment(name).orElseThrow(() -> new MlflowException(MlflowException.Kind.HTTP, e.httpStatus(),
                    e.errorCode(), "experiment '" + name + "' exists but is deleted: restore it in the UI or pick another name",
                    e));
        }
    }

    private Optional<String> findExperiment(String name) throws MlflowException {
        try {
            JsonObject e = get("mlflow/experiments/get-by-name", Map.of("experiment_name", name)).getAsJsonObject("experiment");
            if ("deleted".equalsIgnoreCase(str(e, "lifecycle_stage"))) return Optional.empty();
            return Optional.of(e.get("experiment_id").getAsString());
        } catch (MlflowException e) {
            if (e.isNotFound()) return Optional.empty();
            throw e;
        }
    }

    /**
     * Starts a run (status RUNNING).
     *
     * @param parentRunId null, or the run this one is a stage of (the UI nests it)
     */
    public Run createRun(String experimentId, String runName, String parentRunId, Map<String, String> tags)
            throws MlflowException {
        Map<String, String> all = new LinkedHashMap<>(tags == null ? Map.of() : tags);
        if (parentRunId != null) all.put(PARENT_RUN_TAG, parentRunId);
        JsonObject body = new JsonObject();
        body.addProperty("experiment_id", experimentId);
        if (runName != null) body.addProperty("run_name", runName);
        body.addProperty("start_time", System.currentTimeMillis());
        body.add("tags", keyValues(fit(all, MAX_TAG_VALUE_LENGTH, new ArrayList<>(), new ArrayList<>())));
        JsonObject info = post("mlflow/runs/create", body).getAsJsonObject("run").getAsJsonObject("info");
        return new Run(str(info, "run_id"), str(info, "experiment_id"), str(info, "artifact_uri"));
    }

    public void endRun(String runId, RunStatus status) throws MlflowException {
        JsonObject body = new JsonObject();
        body.addProperty("run_id", runId);
        body.addProperty("status", status.name());
        body.addProperty("end_time", System.currentTimeMillis());
        post("mlflow/runs/update", body);
    }

    public RunData getRun(String runId) throws MlflowException {
        JsonObject run = get("mlflow/runs/get", Map.of("run_id", runId)).getAsJsonObject("run");
        JsonObject info = run.getAsJsonObject("info");
        JsonObject data = run.has("data") ? run.getAsJsonObject("data") : new JsonObject();
        Map<String, Double> metrics = new LinkedHashMap<>();
        for (JsonElement m : array(data, "metrics")) {
            metrics.put(str(m.getAsJsonObject(), "key"), m.getAsJsonObject().get("value").getAsDouble());
        }
        return new RunData(str(info, "run_id"), str(info, "experiment_id"), str(info, "run_name"), str(info, "status"),
                str(info, "artifact_uri"), readKeyValues(array(data, "params")), metrics, readKeyValues(array(data, "tags")));
    }

    /** Runs of an experiment whose tags/params match {@code filter} (MLflow's search syntax), newest first. */
    public List<RunData> searchRuns(String experimentId, String filter) throws MlflowException {
        JsonObject body = new JsonObject();
        JsonArray ids = new JsonArray();
        ids.add(experimentId);
        body.add("experiment_ids", ids);
        if (filter != null) body.addProperty("filter", filter);
        body.addProperty("max_results", 1000);
        List<RunData> out = new ArrayList<>();
        for (JsonElement r : array(post("mlflow/runs/search", body), "runs")) {
            out.add(getRun(str(r.getAsJsonObject().getAsJsonObject("info"), "run_id")));
        }
        return out;
    }

    /**
     * Params, metrics (step 0, now) and tags in as few requests as MLflow's batch limits allow. Keys with characters
     * MLflow refuses get '_' instead, keys and values longer than MLflow keeps are cut, non-finite metrics (JSON has no
     * form for them) are left out: the report says which. Param values are write-once in MLflow: logging a key again
     * with another value is an {@link MlflowException.Kind#HTTP} INVALID_PARAMETER_VALUE.
     */
    public BatchReport logBatch(String runId, Map<String, ?> params, Map<String, ? extends Number> metrics,
            Map<String, String> tags) throws MlflowException {
        List<String> truncated = new ArrayList<>();
        List<String> renamed = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        Map<String, String> p = new LinkedHashMap<>();
        if (params != null) params.forEach((k, v) -> p.put(k, String.valueOf(v)));
        List<Map.Entry<String, String>> ps = new ArrayList<>(fit(p, MAX_PARAM_VALUE_LENGTH, truncated, renamed).entrySet());
        List<Map.Entry<String, String>> ts = new ArrayList<>(
                fit(tags == null ? Map.of() : tags, MAX_TAG_VALUE_LENGTH, truncated, renamed).entrySet());
        List<Map.Entry<String, Double>> ms = new ArrayList<>();
        if (metrics != null) {
            for (Map.Entry<String, ? extends Number> m : metrics.entrySet()) {
                double v = m.getValue() == null ? Double.NaN : m.getValue().doubleValue();
                if (!Double.isFinite(v)) {
                    skipped.add(m.getKey());
                    continue;
                }
                ms.add(Map.entry(key(m.getKey(), renamed), v));
            }
        }
        Batches b = new Batches(runId);
        for (Map.Entry<String, String> e : ps) b.add("params", keyValue(e.getKey(), e.getValue()));
        for (Map.Entry<String, String> e : ts) b.add("tags", keyValue(e.getKey(), e.getValue()));
        long now = System.currentTimeMillis();
        for (Map.Entry<String, Double> m : ms) {
            JsonObject o = new JsonObject();
            o.addProperty("key", m.getKey());
            o.addProperty("value", m.getValue());
            o.addProperty("timestamp", now);
            o.addProperty("step", 0);
            b.add("metrics", o);
        }
        List<JsonObject> bodies = b.done();
        for (JsonObject body : bodies) post("mlflow/runs/log-batch", body);
        int requests = bodies.size();
        return new BatchReport(truncated, renamed, skipped, requests);
    }

    /**
     * log-batch request bodies within MLflow's limits: at most 100 params, 100 tags and 1000 entities in all per request,
     * and a JSON body under {@link #MAX_BATCH_BYTES}.
     */
    private static final class Batches {
        private final String runId;
        private final List<JsonObject> bodies = new ArrayList<>();
        private final List<int[]> sizes = new ArrayList<>(); // per body: entities, bytes

        Batches(String runId) {
            this.runId = runId;
        }

        /** First fit: into the first body with room for it, else a new one (fewest requests for mixed batches). */
        void add(String kind, JsonObject item) {
            int len = GSON.toJson(item).getBytes(StandardCharsets.UTF_8).length + 1;
            for (int b = 0; b < bodies.size(); b++) {
                int[] n = sizes.get(b);
                JsonArray a = bodies.get(b).getAsJsonArray(kind);
                if (n[0] < MAX_ENTITIES_PER_BATCH && n[1] + len <= MAX_BATCH_BYTES
                        && (kind.equals("metrics") || a.size() < MAX_PARAMS_TAGS_PER_BATCH)) {
                    a.add(item);
                    n[0]++;
                    n[1] += len;
                    return;
                }
            }
            start().getAsJsonArray(kind).add(item);
            sizes.get(sizes.size() - 1)[0] = 1;
            sizes.get(sizes.size() - 1)[1] += len;
        }

        private JsonObject start() {
            JsonObject body = new JsonObject();
            body.addProperty("run_id", runId);
            for (String k : List.of("params", "tags", "metrics")) body.add(k, new JsonArray());
            bodies.add(body);
            sizes.add(new int[] { 0, 200 }); // 200: run_id and the array names
            return body;
        }

        List<JsonObject> done() {
            if (bodies.isEmpty()) start(); // an empty batch still checks that the run exists
            return bodies;
        }
    }

    private static JsonObject keyValue(String k, String v) {
        JsonObject o = new JsonObject();
        o.addProperty("key", k);
        o.addProperty("value", v);
        return o;
    }

    /** Keys made acceptable, values cut to {@code maxValue}; last writer wins when two keys become one. */
    private static Map<String, String> fit(Map<String, String> in, int maxValue, List<String> truncated,
            List<String> renamed) {
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : in.entrySet()) {
            String k = key(e.getKey(), renamed);
            String v = e.getValue() == null ? "" : e.getValue();
            if (v.length() > maxValue) {
                v = v.substring(0, maxValue);
                truncated.add(k);
            }
            out.put(k, v);
        }
        return out;
    }

    private static String key(String k, List<String> renamed) {
        String s = k == null || k.isEmpty() ? "_" : BAD_KEY_CHARS.matcher(k).replaceAll("_");
        if (s.length() > MAX_KEY_LENGTH) s = s.substring(0, MAX_KEY_LENGTH);
        if (!s.equals(k)) renamed.add(printable(String.valueOf(k)) + " -> " + s);
        return s;
    }

    // ---- artifacts (the server's proxy: mlflow server --serve-artifacts) ----

    /** Uploads {@code file} as {@code relPath} (e.g. "results/eval.json") under the run's artifact root. */
    public void logArtifact(Run run, String relPath, Path file) throws MlflowException {
        String target = artifactRoot(run) + "/" + relative(relPath);
        HttpRequest req;
        try {
            req = request(proxyUri(target, null)).PUT(HttpRequest.BodyPublishers.ofFile(file)).build();
        } catch (IOException e) {
            throw new MlflowException(MlflowException.Kind.HTTP, 0, null, "cannot read artifact " + file + ": " + e, e);
        }
        send(req, "upload " + relPath);
    }

    /** The artifacts directly under {@code dir} ("" = the root) of the run. */
    public List<ArtifactFile> listArtifacts(Run run, String dir) throws MlflowException {
        String root = artifactRoot(run);
        String path = dir == null || dir.isEmpty() ? root : root + "/" + relative(dir);
        JsonObject o = json(send(request(proxyUri("", Map.of("path", path))).GET().build(), "list artifacts"), "list");
        List<ArtifactFile> out = new ArrayList<>();
        String prefix = dir == null || dir.isEmpty() ? "" : relative(dir) + "/";
        for (JsonElement f : array(o, "files")) {
            JsonObject fo = f.getAsJsonObject();
            out.add(new ArtifactFile(prefix + str(fo, "path"), fo.has("is_dir") && fo.get("is_dir").getAsBoolean(),
                    fo.has("file_size") ? fo.get("file_size").getAsLong() : 0));
        }
        return out;
    }

    /** An artifact's bytes. */
    public byte[] downloadArtifact(Run run, String relPath) throws MlflowException {
        HttpRequest req = request(proxyUri(artifactRoot(run) + "/" + relative(relPath), null)).GET().build();
        try (InputStream in = send(req, "download " + relPath)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw unreachable(e);
        }
    }

    /** The {@code mlflow-artifacts:} URI of an artifact of the run (a model version's source). */
    public static String artifactUri(Run run, String relPath) {
        return run.artifactUri() + "/" + relPath;
    }

    private static String artifactRoot(Run run) throws MlflowException {
        String a = run.artifactUri();
        if (a == null || !a.startsWith("mlflow-artifacts:")) {
            throw new MlflowException(MlflowException.Kind.NO_ARTIFACT_PROXY, "the run's artifacts go to '" + a
                    + "', which only the server's disk sees: start the server with --serve-artifacts (./vigie mlflow-server)");
        }
        // mlflow-artifacts:/0/<run>/artifacts or mlflow-artifacts://host:port/0/<run>/artifacts
        String path = URI.create(a).getPath();
        return path.replaceAll("^/+", "").replaceAll("/+$", "");
    }

    private static String relative(String rel) throws MlflowException {
        String r = rel.replace('\\', '/').replaceAll("^/+", "");
        for (String seg : r.split("/")) {
            if (seg.isEmpty() || seg.equals(".") || seg.equals("..")) {
                throw new MlflowException(MlflowException.Kind.HTTP, 0, "INVALID_PARAMETER_VALUE",
                        "artifact path '" + printable(rel) + "' must be relative, without empty, . or .. segments", null);
            }
        }
        return r;
    }

    private URI proxyUri(String path, Map<String, String> query) {
        StringBuilder b = new StringBuilder(base.toString()).append("/api/2.0/mlflow-artifacts/artifacts");
        for (String seg : path.split("/")) {
            if (!seg.isEmpty()) b.append('/').append(URLEncoder.encode(seg, StandardCharsets.UTF_8).replace("+", "%20"));
        }
        return URI.create(b + queryString(query));
    }

    // ---- model registry ----

    /**
     * Makes sure the registered model exists and is Vigie's: created with {@link #OWNER_TAG} when missing, reused when it
     * has that tag; a model of that name without it is someone else's ({@link MlflowException.Kind#NAME_CONFLICT}).
     */
    public void ensureRegisteredModel(String name, String description) throws MlflowException {
        Optional<JsonObject> existing = registeredModel(name);
        if (existing.isEmpty()) {
            JsonObject body = new JsonObject();
            body.addProperty("name", name);
            if (description != null) body.addProperty("description", description);
            body.add("tags", keyValues(Map.of(OWNER_TAG, OWNER).entrySet()));
            try {
                post("mlflow/registered-models/create", body);
                return;
            } catch (MlflowException e) {
                if (!e.isAlreadyExists()) throw e;
                existing = registeredModel(name); // created meanwhile: whose is it?
                if (existing.isEmpty()) throw e;
            }
        }
        Map<String, String> tags = readKeyValues(array(existing.get(), "tags"));
        if (!OWNER.equals(tags.get(OWNER_TAG))) {
            throw new MlflowException(MlflowException.Kind.NAME_CONFLICT, 409, "RESOURCE_ALREADY_EXISTS",
                    "registered model '" + name + "' exists on " + base + " and is not Vigie's (no tag " + OWNER_TAG + "="
                            + OWNER + "): refusing to add versions to it; pick another model name or tag it if it is ours",
                    null);
        }
    }

    private Optional<JsonObject> registeredModel(String name) throws MlflowException {
        try {
            return Optional.of(get("mlflow/registered-models/get", Map.of("name", name)).getAsJsonObject("registered_model"));
        } catch (MlflowException e) {
            if (e.isNotFound()) return Optional.empty();
            throw e;
        }
    }

    /** The version of {@code name} tagged with this precision and sha256, if one was registered. */
    public Optional<ModelVersion> findVersion(String name, String precision, String sha256) throws MlflowException {
        String filter = "name = " + quote(name) + " and tags." + PRECISION_TAG + " = " + quote(precision) + " and tags."
                + SHA256_TAG + " = " + quote(sha256);
        List<ModelVersion> found = new ArrayList<>();
        for (JsonElement v : array(get("mlflow/model-versions/search", Map.of("filter", filter, "max_results", "100")),
                "model_versions")) {
            found.add(version(v.getAsJsonObject()));
        }
        // the oldest: the one a re-run finds every time
        return found.stream().min((a, b) -> Long.compare(Long.parseLong(a.version()), Long.parseLong(b.version())));
    }

    /**
     * The version of this model file (precision, sha256): found again when it was registered before (its tags are
     * updated with {@code tags}), else created with {@code source} (e.g. the run's {@code .dp} artifact,
     * {@link #artifactUri}) and {@code runId}. The registered model must exist ({@link #ensureRegisteredModel}).
     */
    public ModelVersion registerVersion(String name, String precision, String sha256, String source, String runId,
            Map<String, String> tags) throws MlflowException {
        Optional<ModelVersion> existing = findVersion(name, precision, sha256);
        if (existing.isPresent()) {
            for (Map.Entry<String, String> t : tags.entrySet()) setVersionTag(name, existing.get().version(), t.getKey(),
                    t.getValue());
            return getVersion(name, existing.get().version());
        }
        Map<String, String> all = new LinkedHashMap<>(tags);
        all.put(PRECISION_TAG, precision);
        all.put(SHA256_TAG, sha256);
        JsonObject body = new JsonObject();
        body.addProperty("name", name);
        body.addProperty("source", source);
        if (runId != null) body.addProperty("run_id", runId);
        body.add("tags", keyValues(fit(all, MAX_TAG_VALUE_LENGTH, new ArrayList<>(), new ArrayList<>()).entrySet()));
        return version(post("mlflow/model-versions/create", body).getAsJsonObject("model_version"));
    }

    public ModelVersion getVersion(String name, String version) throws MlflowException {
        return version(get("mlflow/model-versions/get", Map.of("name", name, "version", version))
                .getAsJsonObject("model_version"));
    }

    public void setVersionTag(String name, String version, String key, String value) throws MlflowException {
        JsonObject body = new JsonObject();
        body.addProperty("name", name);
        body.addProperty("version", version);
        body.addProperty("key", key(key, new ArrayList<>()));
        body.addProperty("value", value.length() > MAX_TAG_VALUE_LENGTH ? value.substring(0, MAX_TAG_VALUE_LENGTH) : value);
        post("mlflow/model-versions/set-tag", body);
    }

    /** Points {@code alias} (e.g. "candidate", "champion") at {@code version}; an alias names one version at a time. */
    public void setAlias(String name, String alias, String version) throws MlflowException {
        JsonObject body = new JsonObject();
        body.addProperty("name", name);
        body.addProperty("alias", alias);
        body.addProperty("version", version);
        post("mlflow/registered-models/alias", body);
    }

    /** The version {@code alias} points at, empty when the alias is not set. */
    public Optional<ModelVersion> versionByAlias(String name, String alias) throws MlflowException {
        try {
            return Optional.of(version(get("mlflow/registered-models/alias", Map.of("name", name, "alias", alias))
                    .getAsJsonObject("model_version")));
        } catch (MlflowException e) {
            if (e.isNotFound() || "INVALID_PARAMETER_VALUE".equals(e.errorCode()) && e.httpStatus() == 400
                    && e.getMessage().contains("not found")) {
                return Optional.empty();
            }
            throw e;
        }
    }

    private static ModelVersion version(JsonObject v) {
        List<String> aliases = new ArrayList<>();
        for (JsonElement a : array(v, "aliases")) aliases.add(a.getAsString());
        return new ModelVersion(str(v, "name"), str(v, "version"), str(v, "source"), str(v, "run_id"), str(v, "status"),
                readKeyValues(array(v, "tags")), Collections.unmodifiableList(aliases));
    }

    /** A value in MLflow's search syntax: single-quoted, quotes and backslashes escaped. */
    private static String quote(String s) {
        return "'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }

    // ---- HTTP ----

    private JsonObject get(String api, Map<String, String> query) throws MlflowException {
        URI u = URI.create(base + "/api/2.0/" + api + queryString(query));
        return json(send(request(u).GET().build(), api), api);
    }

    private JsonObject post(String api, JsonObject body) throws MlflowException {
        HttpRequest req = request(URI.create(base + "/api/2.0/" + api)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(GSON.toJson(body), StandardCharsets.UTF_8)).build();
        return json(send(req, api), api);
    }

    private HttpRequest.Builder request(URI u) {
        return HttpRequest.newBuilder(u).timeout(timeout);
    }

    private static String queryString(Map<String, String> query) {
        if (query == null || query.isEmpty()) return "";
        StringBuilder b = new StringBuilder();
        for (Map.Entry<String, String> e : query.entrySet()) {
            b.append(b.length() == 0 ? '?' : '&').append(URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8)).append('=')
                    .append(URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8));
        }
        return b.toString();
    }

    /** Sends; a 2xx answer's body stream, anything else an {@link MlflowException} (MLflow's error_code when it sent one). */
    private InputStream send(HttpRequest req, String what) throws MlflowException {
        HttpResponse<InputStream> r;
        try {
            r = http.send(req, HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            throw unreachable(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MlflowException(MlflowException.Kind.UNREACHABLE, 0, null, "interrupted while calling MLflow at " + base,
                    e);
        }
        if (r.statusCode() / 100 == 2) return r.body();
        String text;
        try (InputStream in = r.body()) {
            text = new String(in.readNBytes(64 << 10), StandardCharsets.UTF_8);
        } catch (IOException e) {
            text = "";
        }
        JsonObject err = null;
        try {
            JsonElement e = JsonParser.parseString(text);
            if (e.isJsonObject() && e.getAsJsonObject().has("error_code")) err = e.getAsJsonObject();
        } catch (JsonParseException | IllegalStateException notJson) {
            // handled below: not MLflow's error form
        }
        if (err == null) {
            throw new MlflowException(MlflowException.Kind.NOT_MLFLOW, r.statusCode(), null, "MLflow " + what + " at " + base
                    + ": HTTP " + r.statusCode() + " without MLflow's error body (is this an `mlflow server`?): "
                    + printable(text.length() > 200 ? text.substring(0, 200) : text), null);
        }
        String code = str(err, "error_code");
        throw new MlflowException(MlflowException.Kind.HTTP, r.statusCode(), code, "MLflow " + what + ": " + code + " (HTTP "
                + r.statusCode() + "): " + printable(String.valueOf(str(err, "message"))), null);
    }

    private MlflowException unreachable(IOException e) {
        String why;
        if (e instanceof ConnectException && hasCause(e, UnresolvedAddressException.class)) why = "unknown host";
        else if (e instanceof ConnectException) why = "connection refused";
        else if (e instanceof HttpTimeoutException) why = "no answer in time";
        else why = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
        return new MlflowException(MlflowException.Kind.UNREACHABLE, 0, null, "MLflow at " + base + " is unreachable (" + why
                + ")", e);
    }

    private static boolean hasCause(Throwable t, Class<? extends Throwable> c) {
        for (Throwable x = t; x != null; x = x.getCause()) if (c.isInstance(x)) return true;
        return false;
    }

    private JsonObject json(InputStream in, String what) throws MlflowException {
        byte[] bytes;
        try (in) {
            bytes = in.readNBytes(MAX_JSON_BYTES + 1);
        } catch (IOException e) {
            throw unreachable(e);
        }
        if (bytes.length > MAX_JSON_BYTES) {
            throw new MlflowException(MlflowException.Kind.NOT_MLFLOW, "MLflow " + what + " at " + base
                    + ": answer larger than " + (MAX_JSON_BYTES >> 20) + " MB, not an MLflow API answer");
        }
        String text = new String(bytes, StandardCharsets.UTF_8);
        if (text.isBlank()) return new JsonObject();
        try {
            JsonElement e = JsonParser.parseString(text);
            if (e.isJsonObject()) return e.getAsJsonObject();
        } catch (JsonParseException notJson) {
            // below
        }
        throw new MlflowException(MlflowException.Kind.NOT_MLFLOW, 200, null, "MLflow " + what + " at " + base
                + ": the answer is not JSON (is this an `mlflow server`?): "
                + printable(text.length() > 120 ? text.substring(0, 120) : text), null);
    }

    // ---- JSON helpers ----

    private static JsonArray keyValues(Iterable<Map.Entry<String, String>> entries) {
        JsonArray a = new JsonArray();
        for (Map.Entry<String, String> e : entries) a.add(keyValue(e.getKey(), e.getValue()));
        return a;
    }

    private static JsonArray keyValues(Map<String, String> m) {
        return keyValues(m.entrySet());
    }

    private static Map<String, String> readKeyValues(JsonArray a) {
        Map<String, String> m = new LinkedHashMap<>();
        for (JsonElement e : a) m.put(str(e.getAsJsonObject(), "key"), str(e.getAsJsonObject(), "value"));
        return m;
    }

    private static JsonArray array(JsonObject o, String k) {
        return o != null && o.has(k) && o.get(k).isJsonArray() ? o.getAsJsonArray(k) : new JsonArray();
    }

    private static String str(JsonObject o, String k) {
        return o != null && o.has(k) && !o.get(k).isJsonNull() ? o.get(k).getAsString() : null;
    }
}
