package io.vigie.tools.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

class ResultsTest {
    static JsonObject json(String s) {
        return JsonParser.parseString(s).getAsJsonObject();
    }

    @Test
    void parsesRawMainJson() {
        String text = "{\"precision\":\"INT8\",\"threads\":2,\"runs\":20,\"fpsSustained\":13.473,\"invokeP50Ms\":50.0,"
                + "\"invokeP95Ms\":75.312,\"preprocessInvokeP50Ms\":62.5,\"preprocessInvokeP95Ms\":75.802}";
        RawResult r = RawBench.parse(text, "INT8", 2);
        assertEquals(13.473, r.fps());
        assertEquals(20.0, r.fpsP50());
        assertEquals(16.0, r.fpsPreprocessInvoke());
        assertEquals(75.312, r.invokeP95Ms());
        assertNull(r.error());
        RawResult wrong = RawBench.parse(text, "INT8", 1);
        assertNull(wrong.fps());
        assertTrue(wrong.error().contains("1 thread"));
    }

    @Test
    void pipelineWindowFromTwoStatusSnapshots() {
        JsonObject s0 = json("{\"state\":\"RUNNING\",\"framesProcessed\":100,\"fps\":19.0,\"sinkDrops\":0,"
                + "\"source\":{\"decoded\":1000,\"dropped\":10},\"activeModel\":{\"precision\":\"INT8\"}}");
        JsonObject s1 = json("{\"state\":\"RUNNING\",\"framesProcessed\":300,\"fps\":20.5,\"sinkDrops\":2,"
                + "\"source\":{\"decoded\":1600,\"dropped\":25},\"activeModel\":{\"precision\":\"INT8\"}}");
        JsonObject m = json("{\"fps\":20,\"latencyMs\":{\"p50\":40.1234,\"p95\":61.5,\"p99\":80,\"count\":200},"
                + "\"stagesMs\":{\"decode\":{\"p50\":1.5},\"inference\":{\"p50\":30}}}");
        PipelineResult r = PipelineBench.measure("INT8", 1, new double[] { 4321.0, 2000.0, 3000.0 }, s0, s1, m, 10.0,
                List.of(200_000L, 220_000L, 210_000L), 150.0, 60.0, 8.0, null);
        assertEquals(4321.0, r.coldStartMs());
        assertEquals(2000.0, r.apiUpMs());
        assertEquals(3000.0, r.modelActiveMs());
        assertEquals(150.0, r.rssAnonMaxMb());
        assertEquals(200, r.frames());
        assertEquals(20.0, r.fps());
        assertEquals(20.5, r.statusFps());
        assertEquals(40.123, r.latencyP50Ms());
        assertEquals(61.5, r.latencyP95Ms());
        assertEquals(200, r.latencySamples());
        assertEquals(30.0, r.inferenceP50Ms());
        assertEquals(600, r.sourceDecoded());
        assertEquals(15, r.sourceDropped());
        assertEquals(2, r.sinkDrops());
        assertEquals(214.844, r.rssMaxMb());
        assertEquals(205.078, r.rssMeanMb());
        assertEquals(0.8, r.cpuCores());
        assertNull(r.error());
    }

    @Test
    void fallbackToOtherModelIsAnError() {
        JsonObject s = json("{\"framesProcessed\":1,\"activeModel\":{\"precision\":\"FP32\"}}");
        PipelineResult r = PipelineBench.measure("INT8", 1, null, s, s, json("{}"), 1, List.of(), null, null, null, null);
        assertEquals("detector fell back to FP32", r.error());
        assertNull(r.latencyP95Ms());
        assertNull(r.rssMaxMb(), "no samples: null, not NaN");
    }

    static Environment normal(double rawFps, double pipeFps) {
        return new Environment("normal", null, null, List.of(),
                List.of(new RawResult("INT8", 1, rawFps, rawFps, 25.0, 30.0, null, null, null, null)),
                List.of(new PipelineResult("INT8", 1, "INT8", 4000.0, 2000.0, 3000.0, 20.0, 100L, pipeFps, pipeFps, 40.0, 60.0,
                        70.0, 100L, 25.0, 1.0, 300L, 0L, 0L, 180.0, 170.0, 80, 120.0, 60.0, null, 1.0, null)),
                null);
    }

    static Environment edge(double fps, double p95, double rss, double coldMs) {
        return new Environment("edge", 0.5, 512L, List.of("-Xmx160m"),
                List.of(new RawResult("INT8", 1, fps, fps, 50.0, 60.0, null, null, null, null)),
                List.of(new PipelineResult("INT8", 1, "INT8", coldMs, coldMs / 2, coldMs / 1.5, 20.0, 100L, fps, fps, 60.0, p95,
                        120.0, 100L, 50.0, 2.0, 300L, 0L, 0L, rss, rss - 5, 80, rss - 60, 60.0, 300.0, 0.5, null)),
                null);
    }

    static Report.Goal goal(List<Report.Goal> goals, String id) {
        return goals.stream().filter(g -> g.id().equals(id)).findFirst().orElseThrow(() -> new AssertionError("no goal " + id));
    }

    @Test
    void goalVerdicts() {
        List<Report.Goal> g = Report.goals(List.of(normal(40, 35), edge(12, 90, 210, 6000)));
        assertEquals("FAIL", goal(g, "pipeline_vs_raw.normal").status()); // 35/40 = 0.875
        assertEquals(0.875, goal(g, "pipeline_vs_raw.normal").value());
        assertEquals("PASS", goal(g, "pipeline_vs_raw.edge").status());
        assertEquals("PASS", goal(g, "edge_int8_fps").status());
        assertEquals("PASS", goal(g, "edge_int8_p95").status());
        assertEquals("FAIL", goal(g, "rss.edge").status());
        assertEquals("PASS", goal(g, "rss.normal").status());
        assertEquals("FAIL", goal(g, "cold_start.edge").status());
        assertEquals("PASS", goal(g, "cold_start.normal").status());

        List<Report.Goal> g2 = Report.goals(List.of(normal(40, 36), edge(10, 100, 200, 5000)));
        assertEquals("PASS", goal(g2, "pipeline_vs_raw.normal").status()); // exactly 0.9
        assertEquals("FAIL", goal(g2, "edge_int8_fps").status()); // > 10 is strict
        assertEquals("FAIL", goal(g2, "edge_int8_p95").status()); // < 100 is strict
        assertEquals("PASS", goal(g2, "rss.edge").status());
        assertEquals("PASS", goal(g2, "cold_start.edge").status());
    }

    static PipelineResult edgeInt8(int threads, double fps, double p95) {
        return new PipelineResult("INT8", threads, "INT8", 6000.0, 3000.0, 4000.0, 20.0, 100L, fps, fps, 60.0, p95, 120.0,
                100L, 50.0, 2.0, 300L, 0L, 0L, 190.0, 185.0, 80, 130.0, 60.0, 300.0, 0.5, null);
    }

    @Test
    void edgeGoalsAreJudgedOnOneConfigurationThatMeetsBothWhenThereIsOne() {
        // source-capped: both run ~12 FPS; the configuration whose p95 also meets its goal is the one judged
        Environment capped = new Environment("edge", 0.5, 512L, List.of("-Xmx160m"), List.of(),
                List.of(edgeInt8(2, 12.02, 132.3), edgeInt8(1, 11.98, 47.2)), null);
        List<Report.Goal> g = Report.goals(List.of(normal(40, 38), capped));
        assertEquals("PASS", goal(g, "edge_int8_fps").status());
        assertEquals("PASS", goal(g, "edge_int8_p95").status());
        assertTrue(goal(g, "edge_int8_p95").detail().contains("(bench config: 1 thread(s), source.max.fps unlimited"),
                goal(g, "edge_int8_p95").detail());
        assertTrue(goal(Report.goals(List.of(normal(40, 38), capped), 30), "edge_int8_fps").detail()
                .contains("bench config: 1 thread(s), source.max.fps 30,"), "the verdict says which config ran");
        // none meets both: the fastest is judged, and its p95 fails
        Environment slow = new Environment("edge", 0.5, 512L, List.of("-Xmx160m"), List.of(),
                List.of(edgeInt8(1, 13.5, 138.6), edgeInt8(2, 12.9, 135.5)), null);
        List<Report.Goal> g2 = Report.goals(List.of(normal(40, 38), slow));
        assertEquals("PASS", goal(g2, "edge_int8_fps").status());
        assertEquals("FAIL", goal(g2, "edge_int8_p95").status());
        assertEquals(138.6, goal(g2, "edge_int8_p95").value());
    }

    @Test
    void skippedEdgeGivesSkipVerdicts() {
        Environment skipped = new Environment("edge", 0.5, 512L, List.of(), List.of(), List.of(), "not root");
        List<Report.Goal> g = Report.goals(List.of(normal(40, 38), skipped));
        assertEquals("SKIP", goal(g, "edge_int8_fps").status());
        assertEquals("SKIP", goal(g, "edge_int8_p95").status());
        assertTrue(g.stream().noneMatch(x -> x.id().endsWith(".edge")));
    }

    @Test
    void jsonDocumentHasSchemaAndStableShape() {
        JsonObject doc = Report.toJson(Map.of("startedAt", "2026-11-25T06:00:00Z"),
                List.of(normal(40, 38), edge(12, 90, 150, 4000)));
        assertEquals("vigie-bench/1", doc.get("schema").getAsString());
        JsonObject env = doc.getAsJsonArray("environments").get(0).getAsJsonObject();
        assertEquals("normal", env.get("name").getAsString());
        assertTrue(env.get("cpus").isJsonNull(), "nulls are kept, not dropped");
        JsonObject p = env.getAsJsonArray("pipeline").get(0).getAsJsonObject();
        for (String k : List.of("precision", "threads", "coldStartMs", "fps", "latencyP50Ms", "latencyP95Ms", "rssMaxMb",
                "rssMeanMb", "sourceDropped", "cpuCores", "error"))
            assertTrue(p.has(k), k);
        JsonObject c = doc.getAsJsonArray("comparisons").get(0).getAsJsonObject();
        assertEquals(0.95, c.get("ratio").getAsDouble());
        assertEquals(8, doc.getAsJsonArray("goals").size()); // 2 ratios, 2 edge, 2 RSS, 2 cold starts
        JsonObject g = doc.getAsJsonArray("goals").get(0).getAsJsonObject();
        assertNotNull(g.get("status"));
        // round trip through text stays valid JSON
        assertEquals(doc, JsonParser.parseString(Report.toText(doc)));
    }

    @Test
    void tableHasOneRowPerModelAndThreads() {
        String t = Report.table(List.of(normal(40, 38),
                new Environment("edge", 0.5, 512L, List.of(), List.of(), List.of(), "not root")));
        assertTrue(t.startsWith("| env | model | thr | raw FPS | raw inv p50/p95 ms | pipeline FPS | ratio | pipeline p50/p95 ms"
                + " | RSS max/mean MB | CPU cores | cold start s (API / model) | src drops/s | note |\n"
                + "|---|---|---|---|---|---|---|---|---|---|---|---|---|\n| normal |"), t);
        assertTrue(t.contains("| normal | INT8 | 1 | 40.0 | 25.0 / 30.0 | 38.0 | 0.95 |"), t);
        assertTrue(t.contains("skipped: not root"), t);
    }

    @Test
    void cliOptions() {
        Map<String, String> a = BenchRunner.parse(
                new String[] { "--quick", "--threads", "1,2", "--edge-jvm", "-Xmx100m -XX:+UseSerialGC" });
        assertEquals("true", a.get("quick"));
        assertEquals(List.of(1, 2), BenchRunner.ints(a.get("threads"), "threads"));
        assertEquals(List.of("-Xmx100m", "-XX:+UseSerialGC"), BenchRunner.opts(a.get("edge-jvm")));
        assertThrows(IllegalArgumentException.class, () -> BenchRunner.parse(new String[] { "--bogus" }));
        assertThrows(IllegalArgumentException.class, () -> BenchRunner.parse(new String[] { "--out" }));
        assertThrows(IllegalArgumentException.class, () -> BenchRunner.ints("0,x", "threads"));
        assertThrows(IllegalArgumentException.class, () -> BenchRunner.precisions("INT4"));
        assertEquals(List.of("INT8", "FP32"), BenchRunner.precisions("int8, fp32"));
        assertEquals(512, BenchRunner.megabytes("512M"));
        assertEquals(1024, BenchRunner.megabytes("1G"));
    }
}
