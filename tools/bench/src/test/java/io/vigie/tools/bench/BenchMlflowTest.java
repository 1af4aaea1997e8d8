package io.vigie.tools.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

/** The bench JSON as MLflow params/metrics/tags: the committed issue 11 full run, its numbers unchanged. */
class BenchMlflowTest {
    private static JsonObject fullRun() throws Exception {
        return JsonParser.parseString(Files.readString(Path.of("../../docs/bench/bench-20261207T0524Z-issue11-full.json")))
                .getAsJsonObject();
    }

    @Test
    void metricsAreTheJsonsNumbers() throws Exception {
        Map<String, Double> m = BenchMlflow.metrics(fullRun());
        assertEquals(29.609, m.get("normal/INT8-1t/fps"));
        assertEquals(55.994, m.get("normal/INT8-1t/latency_p95_ms"));
        assertEquals(72.011, m.get("normal/INT8-1t/latency_p99_ms"));
        assertEquals(2591.07, m.get("normal/INT8-1t/cold_start_ms"));
        assertEquals(208.617, m.get("normal/INT8-1t/rss_max_mb"));
        assertEquals(34.893, m.get("normal/raw-INT8-1t/fps"));
        assertEquals(11.974, m.get("edge_profile/fps"));
        // two config INT8 -> FP32 swaps, 594.3 and 707.5 ms: nearest-rank median
        assertEquals(594.263577, m.get("normal/swap-config-INT8-FP32/median_ms"));
        assertTrue(m.keySet().stream().anyMatch(k -> k.startsWith("edge/")), m.keySet().toString());
        assertTrue(m.values().stream().allMatch(Double::isFinite));
    }

    @Test
    void paramsAndGoals() throws Exception {
        JsonObject json = fullRun();
        Map<String, String> p = BenchMlflow.params(json);
        assertEquals(json.getAsJsonObject("params").get("gitCommit").getAsString(), p.get("gitCommit"));
        assertEquals("0.5", p.get("edge.cpus"));
        assertFalse(p.get("model.INT8.sha256").isEmpty());
        Map<String, String> goals = BenchMlflow.goals(json);
        assertEquals(18, goals.size());
        assertEquals("PASS", goals.get("goal.pipeline_vs_raw.normal"));
    }

    /** A --swap or --peers-only run, or an older JSON: fields missing or null, nothing thrown, nothing invented. */
    @Test
    void sparseJsonGivesWhatItHas() {
        JsonObject json = JsonParser.parseString("{\"edgeProfile\":null,\"environments\":[{\"name\":\"normal\","
                + "\"pipeline\":[{\"precision\":\"INT8\",\"threads\":1,\"fps\":null,\"latencyP95Ms\":40.5}]}]}")
                .getAsJsonObject();
        assertEquals(Map.of("normal/INT8-1t/latency_p95_ms", 40.5), BenchMlflow.metrics(json));
        assertTrue(BenchMlflow.goals(json).isEmpty());
        assertEquals("", BenchMlflow.params(json).get("normal.cpus"));
    }
}
