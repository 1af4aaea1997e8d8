package io.vigie.tools.release;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import io.vigie.testkit.MlflowServer;
import io.vigie.tools.mlflow.MlflowClient;

/**
 * mlflow-log and promote against a real MLflow server (one per class: a start costs ~10 CPU-s), with the module's real
 * result fixtures: an earlier release is promoted, a real slowed run ("busy") is blocked and champion stays on the
 * earlier version, the quiet run of that model is then promoted (champion moves), a re-run logs no second version,
 * and with the server gone the pipeline decides the same and says "not logged".
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ReleaseMlflowIT {
    static final String M = ReleaseMlflow.REGISTERED_MODEL;
    @TempDir
    static Path root;
    static MlflowServer server;
    static MlflowClient client;
    static ByteArrayOutputStream log = new ByteArrayOutputStream();
    static PipelineContext c;
    static final Pipeline P = new Pipeline(ReleaseStages.all());
    /** The earlier release's versions (test 1), by precision. */
    static String earlierInt8, earlierFp32;

    @BeforeAll
    static void start() throws Exception {
        server = new MlflowServer(Files.createDirectories(root.resolve("mlflow")));
        server.start();
        System.out.println("mlflow server started in " + server.startMillis() + " ms");
        client = new MlflowClient(server.uri());
        Files.copy(Fixtures.root().resolve("conf/release-gates.json"), Files.createDirectories(root.resolve("conf"))
                .resolve("release-gates.json"));
        c = PipelineContext.of(root, root.resolve("shared"), true, true, server.uri(),
                new PrintStream(log, true, StandardCharsets.UTF_8));
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) server.close();
    }

    /** Runs report .. promote (the chain stops at a BLOCK); the exit code. */
    static int tail(PipelineContext ctx) throws Exception {
        return Pipeline.summarize(P.run(ctx, P.select(null, "report")), ctx);
    }

    static JsonObject outputs(String stage) throws Exception {
        return JsonParser.parseString(Files.readString(c.work().resolve(stage + ".json"))).getAsJsonObject()
                .getAsJsonObject("outputs");
    }

    static String alias(String alias) throws Exception {
        return client.versionByAlias(M, alias).map(MlflowClient.ModelVersion::version).orElse(null);
    }

    @Test
    @Order(1)
    void anEarlierPassingReleaseIsLoggedRegisteredAndPromoted() throws Exception {
        // an earlier model: its own .tflite (here, so it is logged) whose sha256 the eval and bench results carry
        Fixtures.run(c.data());
        for (String p : ReleaseMlflow.PRECISIONS) {
            String up = p.toUpperCase(java.util.Locale.ROOT);
            Path model = root.resolve(Fixtures.json("run/eval-" + p + ".json").get("model").getAsString());
            Files.createDirectories(model.getParent());
            Files.writeString(model, "earlier " + p + " model");
            String sha = Hashes.sha256(model);
            Fixtures.edit(c.data(), "eval-" + p, o -> o.addProperty("sha256", sha));
            for (String b : List.of("bench-x86-" + p, "bench-edge-" + p)) {
                if (Files.exists(c.data().resolve(b + ".json")))
                    Fixtures.edit(c.data(), b, o -> o.getAsJsonObject("models").getAsJsonObject(up).addProperty("sha256", sha));
            }
            Fixtures.dp(root, p, "0.1.0.1", "earlier", true);
        }
        assertEquals(0, tail(c), log.toString());
        JsonObject out = outputs("mlflow-log");
        earlierInt8 = out.get("version.int8").getAsString();
        earlierFp32 = out.get("version.fp32").getAsString();
        assertEquals(earlierInt8, alias("champion-int8"), "PROMOTE moves champion to the candidate");
        assertEquals(earlierFp32, alias("champion-fp32"));
        assertEquals(earlierInt8, alias("candidate-int8"));

        // the run tree: one parent, one nested run per result, with the bench's and eval's own keys
        MlflowClient.RunData parent = client.getRun(out.get("run").getAsString());
        assertEquals("FINISHED", parent.status());
        assertEquals("PROMOTE", parent.tags().get("decision"));
        List<MlflowClient.RunData> children = client.searchRuns(parent.experimentId(),
                "tags.mlflow.parentRunId = '" + parent.runId() + "'");
        assertEquals(Fixtures.RUN, children.stream().map(MlflowClient.RunData::name).sorted().toList());
        MlflowClient.RunData evalInt8 = children.stream().filter(r -> r.name().equals("eval-int8")).findFirst().orElseThrow();
        assertEquals(0.52365, evalInt8.metrics().get("ap50"), 1e-9, "the eval JSON's number, unchanged");
        MlflowClient.RunData edge = children.stream().filter(r -> r.name().equals("bench-edge-int8")).findFirst().orElseThrow();
        JsonObject edgeJson = JsonParser.parseString(Files.readString(c.data().resolve("bench-edge-int8.json")))
                .getAsJsonObject();
        assertEquals(edgeJson.getAsJsonObject("edgeProfile").getAsJsonObject("result").get("fps").getAsDouble(),
                edge.metrics().get("edge_profile/fps"), 1e-9, "the bench's own mapping (BenchMlflow)");
        assertEquals(Hashes.sha256(c.data().resolve("bench-edge-int8.json")), edge.params().get("result.sha256"));
        String artifacts = List.of("report", "dp", "model/int8", "model/fp32").stream().flatMap(d -> {
            try {
                return client.listArtifacts(parent.run(), d).stream();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }).map(MlflowClient.ArtifactFile::path).sorted().collect(Collectors.joining(","));
        assertEquals("dp/vigie-model-ssd-mobilenet-v2-fp32.dp,dp/vigie-model-ssd-mobilenet-v2-int8.dp,model/fp32/model.tflite,"
                + "model/int8/model.tflite,report/chart.png,report/report.md,report/verdicts.json", artifacts);
        assertEquals(Files.readString(ReleaseMlflow.dp(c, "int8"), StandardCharsets.ISO_8859_1),
                new String(client.downloadArtifact(parent.run(), "dp/vigie-model-ssd-mobilenet-v2-int8.dp"),
                        StandardCharsets.ISO_8859_1));

        // the registry version: source = the run's .dp, tags = AP, FPS, gates
        MlflowClient.ModelVersion v = client.getVersion(M, earlierInt8);
        assertEquals(MlflowClient.artifactUri(parent.run(), "dp/vigie-model-ssd-mobilenet-v2-int8.dp"), v.source());
        assertEquals("0.52365", v.tags().get("ap50"));
        assertEquals("PASS", v.tags().get("gates"));
        assertEquals("", v.tags().get("gates.failed"));
        assertTrue(v.tags().get("gates.passed").contains("edge_int8_fps"), v.tags().toString());
        assertEquals(List.of("edge_int8_fps", "edge_int8_p95", "x86_int8_fps", "int8_ap50_vs_fp32", "int8_ap50_floor",
                "edge_model_is_evaluated_int8", "edge_int8_rss"), List.of(v.tags().get("gates.passed").split(",")),
                "the gates on INT8 results (the advisory RSS one WARNs, it does not fail)");
        assertTrue(v.tags().get("gate.edge_int8_rss").startsWith("WARN "), v.tags().toString());
        assertTrue(v.tags().containsKey("fps.edge-int8") && v.tags().containsKey("fps.x86-int8"), v.tags().toString());
        assertEquals(Hashes.sha256(ReleaseMlflow.dp(c, "int8")), v.tags().get("dp.sha256"));
        assertTrue(Files.isRegularFile(root.resolve("target/release/0.1.0.1/vigie-model-ssd-mobilenet-v2-int8.dp.sig")));
    }

    @Test
    @Order(2)
    void aSlowedCandidateIsBlockedTaggedWithTheReasonsAndChampionStays() throws Exception {
        // the real slowed run (busy machine), the real models' sha256: a new candidate
        Fixtures.run(c.data(), "busy");
        for (String p : ReleaseMlflow.PRECISIONS) Fixtures.dp(root, p, "0.1.0.2", "new", true);
        assertEquals(ReleaseStages.BLOCKED, tail(c), log.toString());
        String blocked = outputs("mlflow-log").get("version.int8").getAsString();
        assertFalse(blocked.equals(earlierInt8), "another model sha256: another version");
        assertEquals(earlierInt8, alias("champion-int8"), "BLOCK: champion does not move");
        assertEquals(earlierFp32, alias("champion-fp32"));
        assertEquals(blocked, alias("candidate-int8"));
        MlflowClient.ModelVersion v = client.getVersion(M, blocked);
        assertEquals("FAIL", v.tags().get("gates"));
        assertEquals("BLOCK", v.tags().get("decision"));
        assertTrue(v.tags().get("gates.failed").contains("edge_int8_fps"), v.tags().toString());
        assertTrue(v.tags().get("block.reasons").startsWith("edge_int8_fps: "), v.tags().toString());
        assertTrue(v.tags().get("gate.edge_int8_fps").startsWith("FAIL "), v.tags().toString());
        assertFalse(Files.exists(root.resolve("target/release/0.1.0.2")), "nothing published");

        // promote run alone after a BLOCK refuses too
        List<Pipeline.Run> runs = P.run(c, P.select("promote", null));
        assertEquals(ReleaseStages.BLOCKED, Pipeline.summarize(runs, c));
        assertEquals(earlierInt8, alias("champion-int8"));
    }

    @Test
    @Order(3)
    void theQuietRunOfThatModelIsPromotedAndReRunsAddNoVersion() throws Exception {
        String blocked = alias("candidate-int8");
        Fixtures.run(c.data(), "run");
        assertEquals(0, tail(c), log.toString());
        assertEquals(blocked, outputs("mlflow-log").get("version.int8").getAsString(), "same (precision, sha256)");
        assertEquals(blocked, alias("champion-int8"), "PROMOTE: champion moves");
        assertEquals("PASS", client.getVersion(M, blocked).tags().get("gates"), "the tags say the latest verdicts");
        assertEquals("", client.getVersion(M, blocked).tags().get("block.reasons"));
        int before = versions();
        for (int i = 0; i < 2; i++) {
            List<Pipeline.Run> runs = P.run(c, P.select("mlflow-log", null));
            assertEquals(Stage.Status.PASS, runs.get(0).status(), runs.get(0).message());
        }
        assertEquals(before, versions(), "re-running mlflow-log registers no new version");
        assertEquals(4, before, "two releases x two precisions");
        assertTrue(Files.isRegularFile(root.resolve("target/release/0.1.0.2/SHA256SUMS")));
    }

    static int versions() throws Exception {
        int n = 0;
        for (int v = 1; v <= 10; v++) {
            try {
                client.getVersion(M, Integer.toString(v));
                n++;
            } catch (io.vigie.tools.mlflow.MlflowException e) {
                break;
            }
        }
        return n;
    }

    @Test
    @Order(4)
    void aNameConflictBadUriOrServerDownTheDecisionIsTheSameAndSaysNotLogged() throws Exception {
        // the registered model loses Vigie's owner tag: someone else's model of that name, never written to
        java.net.http.HttpResponse<String> untag = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest
                .newBuilder(java.net.URI.create(server.uri() + "/api/2.0/mlflow/registered-models/delete-tag"))
                .header("Content-Type", "application/json").method("DELETE", java.net.http.HttpRequest.BodyPublishers
                        .ofString("{\"name\": \"" + M + "\", \"key\": \"" + MlflowClient.OWNER_TAG + "\"}"))
                .build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals(200, untag.statusCode(), untag.body());
        int before = versions();
        List<Pipeline.Run> conflict = P.run(c, P.select(null, "report"));
        assertEquals(0, Pipeline.summarize(conflict, c), "PROMOTE as before");
        assertTrue(conflict.get(2).message().startsWith("NOT logged (") && conflict.get(2).message().contains("not Vigie's"),
                conflict.get(2).message());
        assertEquals(before, versions(), "nothing added to someone else's model");
        for (String uri : List.of("ftp://127.0.0.1:1/x", "http://", "not a uri ::")) {
            ByteArrayOutputStream o = new ByteArrayOutputStream();
            PipelineContext bad = PipelineContext.of(root, root.resolve("shared"), true, true, uri,
                    new PrintStream(o, true, StandardCharsets.UTF_8));
            List<Pipeline.Run> runs = P.run(bad, P.select("mlflow-log", null));
            assertEquals(Stage.Status.SKIPPED, runs.get(0).status(), uri + ": " + runs.get(0).message());
            assertTrue(runs.get(0).message().startsWith("NOT logged"), runs.get(0).message());
        }
        server.stop();
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        PipelineContext down = PipelineContext.of(root, root.resolve("shared"), true, true, c.mlflow(),
                new PrintStream(o, true, StandardCharsets.UTF_8));
        List<Pipeline.Run> runs = P.run(down, P.select(null, "report"));
        assertEquals(0, Pipeline.summarize(runs, down), "PROMOTE as before: MLflow never decides");
        Map<String, Pipeline.Run> by = runs.stream().collect(Collectors.toMap(Pipeline.Run::stage, r -> r));
        assertTrue(by.get("mlflow-log").message().startsWith("NOT logged (MLflow at "), by.get("mlflow-log").message());
        assertTrue(o.toString().contains("unreachable (connection refused)"), o.toString());
        assertTrue(by.get("promote").message().contains("champion not moved"), by.get("promote").message());
        assertTrue(o.toString().contains("mlflow: run NOT logged"), o.toString());

        Fixtures.run(c.data(), "busy");
        runs = P.run(down, P.select(null, "report"));
        assertEquals(ReleaseStages.BLOCKED, Pipeline.summarize(runs, down), "BLOCK as before");
    }
}
