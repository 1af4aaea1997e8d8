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

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

/** The MLflow stages' hostile inputs that need no server (ReleaseMlflowIT runs them against a real one). */
class ReleaseMlflowTest {
    @TempDir
    Path root;

    @Test
    void theReleaseFolderIsNamedOnlyByASafeDpVersion() throws Exception {
        assertEquals("0.1.0.202612070642", ReleaseMlflow.PromoteStage.dpVersion(Fixtures.dp(root, "int8",
                "0.1.0.202612070642", "x", false)));
        for (String hostile : List.of("../../etc", "..", "a/b", ".hidden", "x".repeat(65)))
            assertEquals("unversioned", ReleaseMlflow.PromoteStage.dpVersion(Fixtures.dp(root, "int8", hostile, "x", false)),
                    hostile);
        Path garbage = root.resolve("garbage.dp");
        Files.write(garbage, new byte[] { 1, 2, 3 });
        assertEquals("unversioned", ReleaseMlflow.PromoteStage.dpVersion(garbage));
        assertEquals("unversioned", ReleaseMlflow.PromoteStage.dpVersion(root.resolve("missing.dp")));
    }

    @Test
    void evalMappingKeepsOnlyNumbersUnderEvalsOwnKeys() throws Exception {
        JsonObject eval = Fixtures.json("run/eval-int8.json");
        Map<String, Double> m = ReleaseMlflow.evalMetrics(eval);
        assertEquals(0.52365, m.get("ap50"));
        assertEquals(0.2773, m.get("ap50_95"));
        assertEquals(96.714, m.get("mean_invoke_ms"));
        assertEquals(eval.get("sha256").getAsString(), ReleaseMlflow.evalParams(eval).get("model.sha256"));
        JsonObject bad = JsonParser.parseString("{\"ap50\": \"high\", \"recall\": null, \"images\": [1], \"sha256\": 7}")
                .getAsJsonObject();
        assertEquals(Map.of(), ReleaseMlflow.evalMetrics(bad), "strings, null, arrays are not metrics");
        assertEquals("7", ReleaseMlflow.evalParams(bad).get("model.sha256"));
    }

    @Test
    void garbageResultsLeaveTheRunNotLoggedNotTheStageBroken() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PipelineContext c = PipelineContext.of(root, root, true, true, "http://127.0.0.1:1",
                new PrintStream(out, true, StandardCharsets.UTF_8));
        Files.createDirectories(c.work());
        Files.writeString(ReleaseStages.decisionFile(c), "{\"decision\": \"PROMOTE\"}");
        Stage.Outcome o = new ReleaseMlflow.LogStage().run(c);
        assertEquals(Stage.Status.SKIPPED, o.status(), o.message());
        assertTrue(o.message().startsWith("NOT logged ("), o.message());
        assertTrue(out.toString().contains("connection refused"), out.toString());
        Files.delete(ReleaseStages.decisionFile(c));
        assertEquals(Stage.Status.FAIL, new ReleaseMlflow.LogStage().run(c).status(), "no verdicts: the gates never ran");
        assertFalse(ReleaseMlflow.dp(c, "int8").startsWith(root.resolve("target")), "DPs are kura-dp's, not the pipeline's");
    }
}
