package io.vigie.tools.release;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

/** The orchestration core with real stages: real commands (bash), the real report/gates/decision stages. */
class PipelineTest {
    @TempDir
    Path root;
    private final ByteArrayOutputStream log = new ByteArrayOutputStream();
    private PipelineContext c;

    @BeforeEach
    void context() throws IOException {
        Files.copy(Fixtures.root().resolve("conf/release-gates.json"), Files.createDirectories(root.resolve("conf"))
                .resolve("release-gates.json"));
        c = PipelineContext.of(root, root.resolve("shared"), true, true, null,
                new PrintStream(log, true, StandardCharsets.UTF_8));
    }

    /** A stage running bash: writes its input file's text into data/NAME.json, fails when the input says "fail". */
    private static Stage copy(String name, String input) {
        return new CommandStage(name, "copies " + input, x -> List.of("bash", "-c",
                "set -e; v=$(cat " + input + "); [ \"$v\" != fail ]; echo \"{\\\"v\\\": \\\"$v\\\"}\" > target/pipeline/data/"
                        + name + ".json"),
                x -> Map.of(input, x.root().resolve(input)), x -> x.data().resolve(name + ".json"));
    }

    private JsonObject record(String stage) throws IOException {
        return JsonParser.parseString(Files.readString(c.work().resolve(stage + ".json"))).getAsJsonObject();
    }

    private Pipeline threeStages() {
        return new Pipeline(List.of(copy("a", "in-a"), copy("b", "in-b"), copy("c", "in-c")));
    }

    @Test
    void aFailedStageStopsTheChainAndCanBeReRunAloneThenResumed() throws IOException {
        Files.writeString(root.resolve("in-a"), "1");
        Files.writeString(root.resolve("in-b"), "fail");
        Files.writeString(root.resolve("in-c"), "3");
        Pipeline p = threeStages();
        List<Pipeline.Run> runs = p.run(c, p.select(null, null));
        assertEquals(List.of("a", "b"), runs.stream().map(Pipeline.Run::stage).toList(), "c never ran");
        assertEquals(1, Pipeline.summarize(runs, c));
        assertEquals("FAIL", record("b").get("status").getAsString());
        assertTrue(record("b").get("message").getAsString().contains("bash exited 1"));
        assertFalse(Files.exists(c.work().resolve("c.json")));
        assertFalse(Files.exists(c.data().resolve("b.json")));

        Files.writeString(root.resolve("in-b"), "2");
        String aBefore = Files.readString(c.work().resolve("a.json"));
        runs = p.run(c, p.select("b", null));
        assertEquals(List.of("b"), runs.stream().map(Pipeline.Run::stage).toList(), "--stage runs that stage alone");
        assertEquals("PASS", record("b").get("status").getAsString());
        assertEquals(aBefore, Files.readString(c.work().resolve("a.json")), "a untouched");
        assertFalse(Files.exists(c.work().resolve("c.json")));

        runs = p.run(c, p.select(null, "c"));
        assertEquals(List.of("c"), runs.stream().map(Pipeline.Run::stage).toList());
        assertEquals(0, Pipeline.summarize(runs, c));
        assertEquals("{\"v\": \"3\"}", Files.readString(c.data().resolve("c.json")).trim());
        assertTrue(log.toString(StandardCharsets.UTF_8).contains("pipeline:   total"));
    }

    @Test
    void aStageRecordKeepsItsInputHashesWallTimeAndOutputs() throws IOException {
        Files.writeString(root.resolve("in-a"), "1");
        Pipeline p = new Pipeline(List.of(copy("a", "in-a")));
        p.run(c, p.stages());
        JsonObject r1 = record("a");
        assertEquals(Pipeline.SCHEMA, r1.get("schema").getAsString());
        assertEquals(Hashes.sha256("1".getBytes(StandardCharsets.UTF_8)), r1.getAsJsonObject("inputs").get("in-a").getAsString());
        assertTrue(r1.get("wallS").getAsDouble() >= 0);
        assertEquals("target/pipeline/data/a.json", r1.getAsJsonObject("outputs").get("result").getAsString());
        Files.writeString(root.resolve("in-a"), "2");
        p.run(c, p.stages());
        assertNotEquals(r1.getAsJsonObject("inputs").get("in-a"), record("a").getAsJsonObject("inputs").get("in-a"),
                "a re-run records the new input");
        Files.delete(root.resolve("in-a"));
        p.run(c, p.stages());
        assertEquals("missing", record("a").getAsJsonObject("inputs").get("in-a").getAsString());
        assertEquals("FAIL", record("a").get("status").getAsString());
    }

    @Test
    void aCommandThatExitsZeroWithoutItsResultFails() throws IOException {
        Files.createDirectories(c.data());
        Files.writeString(c.data().resolve("x.json"), "{\"stale\": true}");
        Stage lazy = new CommandStage("x", "writes nothing", x -> List.of("true"), x -> Map.of(),
                x -> x.data().resolve("x.json"));
        List<Pipeline.Run> runs = new Pipeline(List.of(lazy)).run(c, List.of(lazy));
        assertEquals(Stage.Status.FAIL, runs.get(0).status());
        assertTrue(runs.get(0).message().contains("wrote no"), runs.get(0).message());
        assertFalse(Files.exists(c.data().resolve("x.json")), "a stale result from an earlier run never counts");
    }

    @Test
    void selectionsAreChecked() {
        Pipeline p = threeStages();
        assertEquals(3, p.select(null, null).size());
        assertEquals(List.of("b", "c"), p.select(null, "b").stream().map(Stage::name).toList());
        assertThrows(IllegalArgumentException.class, () -> p.select("nope", null));
        assertThrows(IllegalArgumentException.class, () -> p.select("a", "b"));
        assertThrows(IllegalArgumentException.class, () -> new Pipeline(List.of(copy("a", "x"), copy("a", "y"))));
        assertThrows(IllegalArgumentException.class, () -> new Pipeline(List.of(copy("verdicts", "x"))));
        assertThrows(IllegalArgumentException.class, () -> new Pipeline(List.of(copy("../x", "x"))));
    }

    @Test
    void theRealTailStagesPromoteAQuietRunIntoAReleaseFolderWithoutMlflow() throws Exception {
        Fixtures.run(c.data());
        Pipeline p = new Pipeline(ReleaseStages.all());
        List<Pipeline.Run> runs = p.run(c, p.select(null, "arm64-check"));
        assertEquals(List.of("arm64-check", "report", "gates", "mlflow-log", "decision", "promote"),
                runs.stream().map(Pipeline.Run::stage).toList());
        assertEquals(1, Pipeline.summarize(runs, c), "PROMOTE without built DPs: nothing to publish");
        assertTrue(runs.get(5).message().startsWith("no ") && runs.get(5).message().contains("build kura-dp"));
        assertEquals(Stage.Status.NOT_WIRED, runs.get(0).status());
        assertTrue(runs.get(0).message().startsWith("NOT WIRED: scripts/arm64-check.sh"));
        assertEquals(Stage.Status.SKIPPED, runs.get(3).status());
        assertTrue(runs.get(3).message().startsWith("not logged: no --mlflow URI"), runs.get(3).message());
        assertEquals("PROMOTE", runs.get(4).message());
        String md = Files.readString(c.reportDir().resolve("report.md"));
        assertTrue(md.startsWith("# Release report: PROMOTE"));
        assertTrue(md.contains("\n- arm64-check: NOT_WIRED in "), "the report lists the stage records");
        assertTrue(md.contains(", --quick) NOT WIRED: scripts/arm64-check.sh"), md);
        assertTrue(Files.size(c.reportDir().resolve("chart.png")) > 10_000);

        Path int8 = Fixtures.dp(root, "int8", "0.1.0.202612070642", "a", true);
        Fixtures.dp(root, "fp32", "0.1.0.202612070642", "a", false);
        runs = p.run(c, p.select("promote", null));
        assertEquals(1, Pipeline.summarize(runs, c), "an unsigned DP is never published");
        assertTrue(runs.get(0).message().contains("is not signed"), runs.get(0).message());
        Path fp32 = Fixtures.dp(root, "fp32", "0.1.0.202612070642", "a", true);
        runs = p.run(c, p.select("promote", null));
        assertEquals(0, Pipeline.summarize(runs, c), runs.toString());
        assertTrue(runs.get(0).message().contains("champion not moved (no MLflow URI: not logged)"), runs.get(0).message());
        Path rel = root.resolve("target/release/0.1.0.202612070642");
        List<String> sums = new java.util.ArrayList<>();
        for (Path x : List.of(fp32, fp32.resolveSibling(fp32.getFileName() + ".sig"), int8,
                int8.resolveSibling(int8.getFileName() + ".sig")))
            sums.add(Hashes.sha256(x) + "  " + x.getFileName());
        assertEquals(sums, Files.readAllLines(rel.resolve("SHA256SUMS")), "sha256sum -c format, every published file");
        assertEquals(Files.readString(c.reportDir().resolve("report.md")), Files.readString(rel.resolve("report.md")));
        assertTrue(Files.isRegularFile(rel.resolve(int8.getFileName() + ".sig")));
    }

    @Test
    void aBlockedRunExitsThreeWithTheReasonsAndTheDecisionReRunsAlone() throws IOException {
        Fixtures.run(c.data(), "busy");
        Pipeline p = new Pipeline(ReleaseStages.all());
        List<Pipeline.Run> runs = p.run(c, p.select(null, "gates"));
        assertEquals(List.of("gates", "mlflow-log", "decision"), runs.stream().map(Pipeline.Run::stage).toList(),
                "promote never runs after a BLOCK");
        assertEquals(ReleaseStages.BLOCKED, Pipeline.summarize(runs, c));
        assertTrue(runs.get(2).message().startsWith("BLOCK: edge_int8_fps: "), runs.get(2).message());
        runs = p.run(c, p.select("decision", null));
        assertEquals(ReleaseStages.BLOCKED, Pipeline.summarize(runs, c), runs.toString());

        Fixtures.run(c.data(), "run");   // the quiet results: gates re-run alone, then the decision
        p.run(c, p.select("gates", null));
        assertEquals(0, Pipeline.summarize(p.run(c, p.select("decision", null)), c));
    }

    @Test
    void theArm64CheckRunsTheScriptWhenPresentAndKeepsItsJson() throws IOException {
        Pipeline p = new Pipeline(ReleaseStages.all());
        Path script = Files.createDirectories(root.resolve("scripts")).resolve("arm64-check.sh");
        Files.writeString(script, "echo 'qemu: starting'\necho '{\"sameAsX86\": true,'\necho ' \"emulated\": true}'\n");
        List<Pipeline.Run> runs = p.run(c, p.select("arm64-check", null));
        assertEquals(Stage.Status.PASS, runs.get(0).status(), runs.get(0).message());
        JsonObject o = JsonParser.parseString(Files.readString(c.data().resolve("arm64-check.json"))).getAsJsonObject();
        assertTrue(o.get("sameAsX86").getAsBoolean());
        assertEquals(Hashes.sha256(script), record("arm64-check").getAsJsonObject("inputs").get(ReleaseStages.ARM64_CHECK)
                .getAsString());

        Files.writeString(script, "echo 'detections differ'\n");
        assertEquals(Stage.Status.FAIL, p.run(c, p.select("arm64-check", null)).get(0).status(), "no JSON");
        Files.writeString(script, "echo '{\"sameAsX86\": false}'; exit 1\n");
        runs = p.run(c, p.select("arm64-check", null));
        assertEquals(Stage.Status.FAIL, runs.get(0).status());
        assertEquals(1, Pipeline.summarize(runs, c));
    }

    @Test
    void theDecisionWithoutGatesFailsAsABrokenStage() throws IOException {
        Pipeline p = new Pipeline(ReleaseStages.all());
        List<Pipeline.Run> runs = p.run(c, p.select("decision", null));
        assertEquals(1, Pipeline.summarize(runs, c));
        assertTrue(runs.get(0).message().contains("run the gates stage first"));
    }

    @Test
    void theBenchMatrixUsesTheBenchsOwnOptions() {
        assertEquals(List.of("./vigie", "bench", "--precisions", "INT8", "--threads", "1", "--no-swap", "--no-gating", "--out",
                c.data().resolve("bench-edge-int8.json").toString(), "--envs", "edge", "--quick"),
                ReleaseStages.benchCommand(c, "bench-edge-int8", "INT8", true));
    }

    @Test
    void theCommandLineRefusesBadInput() throws Exception {
        Map<String, String> env = Map.of();
        String r = Fixtures.root().toString();
        assertEquals(2, PipelineMain.run(new String[] { "--bogus" }, env));
        assertEquals(2, PipelineMain.run(new String[] { "--stage" }, env));
        assertEquals(2, PipelineMain.run(new String[] { "--stage", "--quick" }, env));
        assertEquals(2, PipelineMain.run(new String[] { "extra" }, env));
        assertEquals(2, PipelineMain.run(new String[] { "--quick", "--quick" }, env));
        assertEquals(2, PipelineMain.run(new String[] { "--root", r, "--stage", "nope" }, env));
        assertEquals(2, PipelineMain.run(new String[] { "--root", r, "--stage", "a", "--from", "b" }, env));
        assertEquals(2, PipelineMain.run(new String[] { "--root", root.toString() }, env), "not a checkout");
        Path bad = root.resolve("bad-gates.json");
        Files.writeString(bad, "{\"schema\": \"vigie-release-gates/1\", \"version\": 1, \"gates\": [{\"id\": \"x\"}]}");
        assertEquals(2, PipelineMain.run(new String[] { "--root", r, "--gates", bad.toString(), "--stage", "gates" }, env));
        assertEquals(0, PipelineMain.run(new String[] { "--list" }, env));
        String[] missingKey = { "--root", r, "--signing-key", root.resolve("nope.key").toString(), "--stage", "gates" };
        assertEquals(2, PipelineMain.run(missingKey, env), "a signing key that is not a file");
        assertEquals(2, PipelineMain.run(new String[] { "--root", r, "--signing-key", root.toString(), "--stage", "gates" },
                env), "a directory as the signing key");
        assertEquals(2, PipelineMain.run(new String[] { "--root", r, "--stage", "gates" },
                Map.of(ReleaseStages.SIGNING_KEY_ENV, "/nonexistent/key")), "the environment's key is checked too");
    }

    @Test
    void theBuildSignsTheModelPackagesWithTheGivenKey() {
        assertTrue(ReleaseStages.build(c).stream().noneMatch(a -> a.startsWith("-Dvigie.dp.signing.key")), "no key: unsigned");
        PipelineContext keyed = new PipelineContext(c.root(), c.work(), c.data(), c.reportDir(), c.gates(), c.shared(), false,
                true, null, Map.of(ReleaseStages.SIGNING_KEY_ENV, "/k/vigie-ota-signing.key"), c.out());
        List<String> cmd = ReleaseStages.build(keyed);
        assertEquals("-Dvigie.dp.signing.key=/k/vigie-ota-signing.key", cmd.get(cmd.size() - 1));
        assertTrue(cmd.contains("package"));
    }
}
