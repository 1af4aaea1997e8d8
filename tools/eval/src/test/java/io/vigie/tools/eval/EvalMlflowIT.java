package io.vigie.tools.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import io.vigie.testkit.MlflowServer;
import io.vigie.tools.mlflow.MlflowClient;
import io.vigie.tools.modelbuilder.CoralModelSource;

/**
 * {@code ./vigie eval --mlflow URI} against a real MLflow server: the run holds the numbers of the JSON report (same run,
 * same values), the model's identity and both files; with MLflow down the evaluation still writes its report and says
 * the run was not logged. Needs ../shared (COCO128) and npm (the Coral model).
 */
class EvalMlflowIT {
    @TempDir
    static Path dir;
    static MlflowServer server;
    static Path model;
    static Path dataset;

    @BeforeAll
    static void start() throws Exception {
        String s = System.getProperty("vigie.shared");
        assertTrue(s != null && !s.isBlank() && Files.isDirectory(Path.of(s, "datasets", "coco128")),
                "../shared not found: set -Dvigie.shared=/path/to/shared (got " + s + ")");
        dataset = Path.of(s, "datasets", "coco128");
        String c = System.getProperty("vigie.npm.cache");
        model = Files.write(dir.resolve("coral-int8.tflite"), new CoralModelSource(c == null || c.isBlank()
                ? CoralModelSource.defaultCacheDir() : Path.of(c), "npm").load());
        server = new MlflowServer(Files.createDirectories(dir.resolve("mlflow")));
        server.start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) server.close();
    }

    private static String eval(String mlflowUri, Path json) throws Exception {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream err = System.err;
        System.setErr(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            EvalMain.main(new String[] { "--model", model.toString(), "--dataset", dataset.toString(), "--json",
                json.toString(), "--threads", "2", "--mlflow", mlflowUri });
        } finally {
            System.setErr(err);
        }
        return buf.toString(StandardCharsets.UTF_8);
    }

    @Test
    void theRunHoldsTheReportsNumbersAndFiles() throws Exception {
        Path json = dir.resolve("eval.json");
        String said = eval(server.uri(), json);
        assertTrue(said.contains("mlflow: run logged: " + server.uri()), said);
        JsonObject report = JsonParser.parseString(Files.readString(json)).getAsJsonObject();

        MlflowClient client = new MlflowClient(server.uri());
        String exp = client.experimentId("vigie-eval");
        List<MlflowClient.RunData> runs = client.searchRuns(exp, null);
        assertEquals(1, runs.size());
        MlflowClient.RunData run = runs.get(0);
        assertEquals("FINISHED", run.status());
        assertEquals(report.get("sha256").getAsString(), run.params().get("model.sha256"));
        assertEquals("int8", run.params().get("precision"));
        assertEquals(64, run.params().get("dataset.sha256").length());
        assertTrue(run.params().get("git.commit").matches("[0-9a-f]{40}(\\+dirty)?"), run.params().get("git.commit"));
        // the report rounds to 5 places: the logged metric is the same number unrounded
        assertEquals(report.get("ap50").getAsDouble(), run.metrics().get("ap50"), 0.5e-5);
        assertEquals(report.get("ap50_95").getAsDouble(), run.metrics().get("ap50_95"), 0.5e-5);
        assertEquals(report.get("recall").getAsDouble(), run.metrics().get("recall"), 0.5e-5);
        assertEquals(report.get("images").getAsDouble(), run.metrics().get("images"));

        MlflowClient.Run r = run.run();
        assertEquals(Files.readString(json), new String(client.downloadArtifact(r, "results/eval.json"),
                StandardCharsets.UTF_8));
        assertEquals(Files.size(model), client.listArtifacts(r, "model").get(0).size());
    }

    @Test
    void mlflowDownTheEvaluationStillReports() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Path json = dir.resolve("eval-down.json");
        String said = eval("http://127.0.0.1:" + port, json);
        assertTrue(said.contains("connection refused") && said.contains("run NOT logged"), said);
        assertTrue(JsonParser.parseString(Files.readString(json)).getAsJsonObject().get("ap50").getAsDouble() > 0.3);
    }
}
