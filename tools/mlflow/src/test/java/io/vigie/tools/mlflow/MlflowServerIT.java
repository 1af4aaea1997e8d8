package io.vigie.tools.mlflow;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import io.vigie.testkit.MlflowServer;

/**
 * The client against a real {@code mlflow server} (3.17.2, tools/mlflow-server), one per class: runs, batches past
 * MLflow's limits, artifacts, the registry (versions, aliases, name conflicts, re-runs) and the server going away.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MlflowServerIT {
    @TempDir
    static Path dir;
    static MlflowServer server;
    static MlflowClient client;

    @BeforeAll
    static void start() throws Exception {
        server = new MlflowServer(dir);
        server.start();
        System.out.println("mlflow server started in " + server.startMillis() + " ms (load " + loadAverage() + ")");
        client = new MlflowClient(server.uri());
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) server.close();
    }

    static String loadAverage() throws Exception {
        return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
    }

    @Test
    @Order(1)
    void logsParamsMetricsTagsAndReadsThemBack() throws Exception {
        String exp = client.experimentId("it-tracking");
        assertEquals(exp, client.experimentId("it-tracking"), "get-or-create finds the same experiment");
        MlflowClient.Run run = client.createRun(exp, "eval int8", null, Map.of("stage", "eval"));
        client.logBatch(run.runId(), Map.of("precision", "int8", "threads", 2), Map.of("ap50", 0.6123, "fps", 41.5),
                Map.of("model.family", "ssd"));
        client.endRun(run.runId(), MlflowClient.RunStatus.FINISHED);

        MlflowClient.RunData back = client.getRun(run.runId());
        assertEquals("FINISHED", back.status());
        assertEquals("eval int8", back.name());
        assertEquals(Map.of("precision", "int8", "threads", "2"), back.params());
        assertEquals(0.6123, back.metrics().get("ap50"), 1e-12);
        assertEquals(41.5, back.metrics().get("fps"), 1e-12);
        assertEquals("eval", back.tags().get("stage"));
        assertEquals("ssd", back.tags().get("model.family"));
    }

    @Test
    @Order(2)
    void nestedRunsPointAtTheirParent() throws Exception {
        String exp = client.experimentId("it-pipeline");
        MlflowClient.Run parent = client.createRun(exp, "pipeline", null, Map.of());
        MlflowClient.Run eval = client.createRun(exp, "eval", parent.runId(), Map.of());
        MlflowClient.Run bench = client.createRun(exp, "bench", parent.runId(), Map.of());
        client.endRun(eval.runId(), MlflowClient.RunStatus.FINISHED);
        client.endRun(bench.runId(), MlflowClient.RunStatus.FAILED);
        client.endRun(parent.runId(), MlflowClient.RunStatus.FAILED);

        assertEquals(parent.runId(), client.getRun(eval.runId()).parentRunId());
        List<MlflowClient.RunData> children = client.searchRuns(exp, "tags.mlflow.parentRunId = '" + parent.runId() + "'");
        assertEquals(2, children.size());
        assertEquals("FAILED", children.stream().filter(r -> r.name().equals("bench")).findFirst().orElseThrow().status());
    }

    /** More than one request's worth of params and metrics, values and keys MLflow would refuse: fitted, never failed. */
    @Test
    @Order(3)
    void batchesPastMlflowsLimitsAreChunkedAndFitted() throws Exception {
        MlflowClient.Run run = client.createRun(client.experimentId("it-limits"), "limits", null, Map.of());
        Map<String, Object> params = new LinkedHashMap<>();
        for (int i = 0; i < 250; i++) params.put("p" + i, i);
        String huge = "x".repeat(7000);
        params.put("calibration.files", huge);
        params.put("bad:key?", "v");
        params.put("k".repeat(300), "long key");
        Map<String, Double> metrics = new LinkedHashMap<>();
        for (int i = 0; i < 1500; i++) metrics.put("m" + i, (double) i);
        metrics.put("nan", Double.NaN);
        Map<String, String> tags = Map.of("big", "t".repeat(9000));

        MlflowClient.BatchReport r = client.logBatch(run.runId(), params, metrics, tags);
        assertEquals(3, r.requests(), "253 params at 100 per request");
        assertEquals(List.of("calibration.files", "big"), r.truncated());
        assertEquals(List.of("nan"), r.skipped());
        assertEquals(2, r.renamed().size(), r.renamed().toString());

        MlflowClient.RunData back = client.getRun(run.runId());
        assertEquals(253, back.params().size());
        assertEquals(MlflowClient.MAX_PARAM_VALUE_LENGTH, back.params().get("calibration.files").length());
        assertEquals("v", back.params().get("bad_key_"));
        assertEquals("long key", back.params().get("k".repeat(250)));
        assertEquals(1500, back.metrics().size());
        assertEquals(1499.0, back.metrics().get("m1499"));
        assertEquals(MlflowClient.MAX_TAG_VALUE_LENGTH, back.tags().get("big").length());
    }

    /**
     * 100 params at 6000 characters and 100 tags at 8000 are 2.2 MB of JSON: split below MLflow's documented 1 MB per
     * log-batch (the 3.17 server's own check measures the parsed request's key count, so it takes more; a reverse proxy
     * in front of it, nginx's default body limit is 1 MB, would not).
     */
    @Test
    @Order(3)
    void batchesAreSplitBelowMlflowsRequestSize() throws Exception {
        MlflowClient.Run run = client.createRun(client.experimentId("it-limits"), "big values", null, Map.of());
        Map<String, Object> params = new LinkedHashMap<>();
        Map<String, String> tags = new LinkedHashMap<>();
        for (int i = 0; i < 100; i++) {
            params.put("p" + i, Integer.toString(i).repeat(6000).substring(0, 6000));
            tags.put("t" + i, "é".repeat(8000)); // 2 bytes each in UTF-8
        }
        MlflowClient.BatchReport r = client.logBatch(run.runId(), params, null, tags);
        assertTrue(r.requests() >= 2, "requests: " + r.requests());
        MlflowClient.RunData back = client.getRun(run.runId());
        assertEquals(100, back.params().size());
        assertEquals("é".repeat(8000), back.tags().get("t99"));
    }

    @Test
    @Order(4)
    void mlflowErrorsKeepTheirErrorCode() throws Exception {
        MlflowException missing = assertThrows(MlflowException.class,
                () -> client.getRun("0123456789abcdef0123456789abcdef"));
        assertEquals(MlflowException.Kind.HTTP, missing.kind());
        assertTrue(missing.isNotFound(), missing.getMessage());
        assertEquals(404, missing.httpStatus());

        MlflowClient.Run run = client.createRun(client.experimentId("it-limits"), "write-once", null, Map.of());
        client.logBatch(run.runId(), Map.of("precision", "int8"), null, null);
        client.logBatch(run.runId(), Map.of("precision", "int8"), null, null); // same value again: fine
        MlflowException changed = assertThrows(MlflowException.class,
                () -> client.logBatch(run.runId(), Map.of("precision", "fp32"), null, null));
        assertEquals("INVALID_PARAMETER_VALUE", changed.errorCode(), changed.getMessage());
    }

    @Test
    @Order(5)
    void artifactsGoThroughTheProxyAndListBack() throws Exception {
        MlflowClient.Run run = client.createRun(client.experimentId("it-artifacts"), "artifacts", null, Map.of());
        Path json = Files.writeString(dir.resolve("eval.json"), "{\"ap50\":0.61}\n");
        byte[] model = new byte[300_000];
        new Random(7).nextBytes(model);
        Path tflite = Files.write(dir.resolve("model int8.tflite"), model);
        client.logArtifact(run, "results/eval.json", json);
        client.logArtifact(run, "model/model int8.tflite", tflite);

        List<MlflowClient.ArtifactFile> root = client.listArtifacts(run, "");
        assertEquals(List.of("model", "results"), root.stream().map(MlflowClient.ArtifactFile::path).sorted().toList());
        assertTrue(root.stream().allMatch(MlflowClient.ArtifactFile::dir));
        List<MlflowClient.ArtifactFile> models = client.listArtifacts(run, "model");
        assertEquals(List.of(new MlflowClient.ArtifactFile("model/model int8.tflite", false, model.length)), models);
        assertArrayEquals(model, client.downloadArtifact(run, "model/model int8.tflite"));
        assertEquals("{\"ap50\":0.61}\n",
                new String(client.downloadArtifact(run, "results/eval.json"), StandardCharsets.UTF_8));

        MlflowException escape = assertThrows(MlflowException.class, () -> client.logArtifact(run, "../../etc/x", json));
        assertEquals("INVALID_PARAMETER_VALUE", escape.errorCode());
    }

    @Test
    @Order(6)
    void registryVersionsAreFoundAgainAndAliasesMove() throws Exception {
        String name = "vigie-ssd-mobilenet-v2";
        client.ensureRegisteredModel(name, "SSD MobileNet v2 person detector");
        client.ensureRegisteredModel(name, null); // ours: reused
        MlflowClient.Run run = client.createRun(client.experimentId("it-registry"), "register", null, Map.of());
        Path dp = Files.write(dir.resolve("m.dp"), new byte[] { 1, 2, 3 });
        client.logArtifact(run, "dp/m.dp", dp);
        String source = MlflowClient.artifactUri(run, "dp/m.dp");

        MlflowClient.ModelVersion int8 = client.registerVersion(name, "int8", "aa11", source, run.runId(),
                Map.of("ap50", "0.61"));
        MlflowClient.ModelVersion fp32 = client.registerVersion(name, "fp32", "bb22", source, run.runId(), Map.of());
        assertNotEquals(int8.version(), fp32.version());
        assertEquals(source, int8.source());
        assertEquals("int8", int8.tags().get(MlflowClient.PRECISION_TAG));

        // the same stage run again: the same version, its tags updated, no duplicate
        MlflowClient.ModelVersion again = client.registerVersion(name, "int8", "aa11", source, run.runId(),
                Map.of("ap50", "0.62", "gates", "passed"));
        assertEquals(int8.version(), again.version());
        assertEquals("0.62", again.tags().get("ap50"));
        assertEquals("passed", again.tags().get("gates"));
        assertEquals(2, countVersions(name));

        assertTrue(client.versionByAlias(name, "champion").isEmpty());
        client.setAlias(name, "champion", fp32.version());
        client.setAlias(name, "candidate", int8.version());
        assertEquals(fp32.version(), client.versionByAlias(name, "champion").orElseThrow().version());
        client.setAlias(name, "champion", int8.version()); // promotion moves the alias
        MlflowClient.ModelVersion champion = client.versionByAlias(name, "champion").orElseThrow();
        assertEquals(int8.version(), champion.version());
        assertTrue(champion.aliases().containsAll(List.of("champion", "candidate")), champion.aliases().toString());
        assertFalse(client.getVersion(name, fp32.version()).aliases().contains("champion"));
    }

    private static int countVersions(String name) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(server.uri()
                + "/api/2.0/mlflow/model-versions/search?filter=" + java.net.URLEncoder.encode("name='" + name + "'",
                        StandardCharsets.UTF_8))).build(), HttpResponse.BodyHandlers.ofString());
        return r.body().split("\"version\"", -1).length - 1;
    }

    /** A registered model someone else made under the name we want: refused with a clear error, left untouched. */
    @Test
    @Order(7)
    void aRegisteredModelThatIsNotOursIsANameConflict() throws Exception {
        HttpResponse<String> made = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(server.uri()
                + "/api/2.0/mlflow/registered-models/create")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"someone-elses\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, made.statusCode(), made.body());
        MlflowException e = assertThrows(MlflowException.class, () -> client.ensureRegisteredModel("someone-elses", null));
        assertEquals(MlflowException.Kind.NAME_CONFLICT, e.kind());
        assertTrue(e.getMessage().contains("not Vigie's"), e.getMessage());
    }

    @Test
    @Order(8)
    void runLoggerLogsARunAndSaysWhere() throws Exception {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(buf, true, StandardCharsets.UTF_8);
        Path json = Files.writeString(dir.resolve("bench.json"), "{}");
        String runId;
        try (RunLogger run = RunLogger.start(server.uri(), "it-logger", "bench", out)) {
            run.params(Map.of("threads", 1)).metrics(Map.of("fps", 12.5, "p95.ms", 80)).artifact(json, "results");
            try (RunLogger stage = run.child("edge")) {
                stage.metrics(Map.of("fps", 4.0));
                stage.succeeded();
                assertEquals(run.run().runId(), client.getRun(stage.run().runId()).parentRunId());
            }
            runId = run.run().runId();
            run.succeeded();
        }
        MlflowClient.RunData back = client.getRun(runId);
        assertEquals("FINISHED", back.status());
        assertEquals("1", back.params().get("threads"));
        assertTrue(back.params().containsKey("jvm") && back.params().containsKey("git.commit"), back.params().toString());
        assertEquals(80.0, back.metrics().get("p95.ms"));
        assertTrue(buf.toString(StandardCharsets.UTF_8).contains("mlflow: run logged: " + server.uri() + "/#/experiments/"),
                buf.toString(StandardCharsets.UTF_8));
    }

    /** Last: the server goes away in the middle of a run; the logger reports it once and the tool goes on. */
    @Test
    @Order(9)
    void serverStoppingMidRunIsReportedNotThrown() throws Exception {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(buf, true, StandardCharsets.UTF_8);
        try (RunLogger run = RunLogger.start(server.uri(), "it-logger", "interrupted", out)) {
            assertTrue(run.active());
            server.stop();
            run.metrics(Map.of("fps", 1.0)).artifact(dir.resolve("eval.json"), "");
            assertFalse(run.active());
            run.succeeded();
        }
        String said = buf.toString(StandardCharsets.UTF_8);
        assertTrue(said.contains("unreachable") && said.contains("run NOT logged"), said);
    }
}
