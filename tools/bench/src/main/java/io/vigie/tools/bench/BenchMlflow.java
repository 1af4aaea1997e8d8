package io.vigie.tools.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

import io.vigie.tools.mlflow.RunLogger;

/**
 * {@code ./vigie bench --mlflow URI} (or MLFLOW_TRACKING_URI): the finished bench JSON as one MLflow run. Metric keys are
 * {@code ENV/PRECISION-Nt/what} (the UI groups by the part before '/'); goals become tags {@code goal.ID = PASS|FAIL}.
 * The numbers are the JSON's, unchanged.
 */
public final class BenchMlflow {
    private BenchMlflow() {
    }

    static void log(JsonObject json, Path out, Path root, String uri, String experiment) {
        if (RunLogger.resolveUri(uri) == null) return;
        if (System.getProperty("vigie.root") == null) System.setProperty("vigie.root", root.toString());
        try (RunLogger run = RunLogger.start(uri, experiment, "bench " + text(json.get("startedAt")), System.out)) {
            run.params(params(json)).metrics(metrics(json)).tags(goals(json)).artifact(out, "results");
            run.succeeded();
        }
    }

    /** The bench's own params, the models' hashes and each environment's CPU quota / memory / JVM options. */
    public static Map<String, String> params(JsonObject json) {
        Map<String, String> p = new LinkedHashMap<>();
        if (json.has("params")) json.getAsJsonObject("params").entrySet().forEach(e -> p.put(e.getKey(), text(e.getValue())));
        if (json.has("models")) {
            json.getAsJsonObject("models").entrySet().forEach(e -> p.put("model." + e.getKey() + ".sha256",
                    text(e.getValue().getAsJsonObject().get("sha256"))));
        }
        for (JsonElement e : array(json, "environments")) {
            JsonObject env = e.getAsJsonObject();
            String n = env.get("name").getAsString();
            p.put(n + ".cpus", text(env.get("cpus")));
            p.put(n + ".memoryMb", text(env.get("memoryMb")));
            p.put(n + ".jvmOpts", text(env.get("jvmOpts")));
        }
        return p;
    }

    /** Every row's FPS, p50/p95/p99, RSS, cold start; raw invoke times; the median swap time per path; the profile's. */
    public static Map<String, Double> metrics(JsonObject json) {
        Map<String, Double> m = new TreeMap<>();
        if (json.has("durationS")) m.put("duration_s", json.get("durationS").getAsDouble());
        for (JsonElement e : array(json, "environments")) {
            JsonObject env = e.getAsJsonObject();
            String n = env.get("name").getAsString();
            for (JsonElement r : array(env, "raw")) {
                JsonObject row = r.getAsJsonObject();
                String k = n + "/raw-" + row.get("precision").getAsString() + "-" + row.get("threads").getAsInt() + "t/";
                put(m, k + "fps", row, "fps");
                put(m, k + "invoke_p50_ms", row, "invokeP50Ms");
                put(m, k + "invoke_p95_ms", row, "invokeP95Ms");
            }
            for (JsonElement r : array(env, "pipeline")) {
                JsonObject row = r.getAsJsonObject();
                pipelineRow(m, n + "/" + row.get("precision").getAsString() + "-" + row.get("threads").getAsInt() + "t/", row);
            }
            Map<String, List<Double>> swaps = new TreeMap<>();
            for (JsonElement s : array(env, "swaps")) {
                JsonObject sw = s.getAsJsonObject();
                if (!sw.has("latencyMs") || sw.get("latencyMs").isJsonNull()) continue;
                swaps.computeIfAbsent(n + "/swap-" + text(sw.get("path")) + "-" + text(sw.get("from")) + "-" + text(sw.get("to"))
                        + "/median_ms", x -> new ArrayList<>()).add(sw.get("latencyMs").getAsDouble());
            }
            swaps.forEach((k, v) -> m.put(k, Stats.percentile(Stats.toArray(v), 50)));
        }
        JsonElement ep = json.get("edgeProfile");
        JsonElement result = ep != null && ep.isJsonObject() ? ep.getAsJsonObject().get("result") : null;
        if (result != null && result.isJsonObject()) {
            pipelineRow(m, "edge_profile/", ep.getAsJsonObject().getAsJsonObject("result"));
        }
        return m;
    }

    private static void pipelineRow(Map<String, Double> m, String k, JsonObject row) {
        put(m, k + "fps", row, "fps");
        put(m, k + "latency_p50_ms", row, "latencyP50Ms");
        put(m, k + "latency_p95_ms", row, "latencyP95Ms");
        put(m, k + "latency_p99_ms", row, "latencyP99Ms");
        put(m, k + "rss_max_mb", row, "rssMaxMb");
        put(m, k + "cold_start_ms", row, "coldStartMs");
        put(m, k + "cpu_cores", row, "cpuCores");
    }

    /** goal.ID = PASS / FAIL / ... as the JSON says. */
    public static Map<String, String> goals(JsonObject json) {
        Map<String, String> t = new LinkedHashMap<>();
        for (JsonElement g : array(json, "goals")) {
            t.put("goal." + g.getAsJsonObject().get("id").getAsString(), text(g.getAsJsonObject().get("status")));
        }
        return t;
    }

    private static void put(Map<String, Double> m, String key, JsonObject row, String field) {
        JsonElement v = row.get(field);
        if (v != null && !v.isJsonNull() && v.isJsonPrimitive() && v.getAsJsonPrimitive().isNumber()) {
            m.put(key, v.getAsDouble());
        }
    }

    private static Iterable<JsonElement> array(JsonObject o, String k) {
        return o.has(k) && o.get(k).isJsonArray() ? o.getAsJsonArray(k) : List.of();
    }

    private static String text(JsonElement e) {
        return e == null || e.isJsonNull() ? "" : e.isJsonPrimitive() ? e.getAsString() : e.toString();
    }
}
