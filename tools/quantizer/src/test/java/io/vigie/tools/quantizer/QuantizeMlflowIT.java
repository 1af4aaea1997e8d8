package io.vigie.tools.quantizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import io.vigie.testkit.MlflowServer;
import io.vigie.tools.mlflow.MlflowClient;
import io.vigie.tools.mlflow.RunLogger;
import io.vigie.tools.modelbuilder.CoralModelSource;
import io.vigie.tools.modelbuilder.Fp32Converter;

/**
 * {@code ./vigie quantize --mlflow URI} against a real MLflow server: the run holds the summary's numbers, the
 * calibration set's hash and the INT8 model itself (the same bytes as written). Needs ../shared and npm.
 */
class QuantizeMlflowIT {
    @Test
    void theQuantizationRunHoldsItsCalibrationAndModel(@TempDir Path tmp) throws Exception {
        String s = System.getProperty("vigie.shared");
        assertTrue(s != null && !s.isBlank() && Files.isDirectory(Path.of(s, "datasets", "coco128")),
                "../shared not found: set -Dvigie.shared=/path/to/shared (got " + s + ")");
        Path calib = Path.of(s, "datasets/coco128/images/train2017");
        String c = System.getProperty("vigie.npm.cache");
        byte[] coral = new CoralModelSource(c == null || c.isBlank() ? CoralModelSource.defaultCacheDir() : Path.of(c), "npm")
                .load();
        Path in = Files.write(tmp.resolve("ssd-fp32.tflite"), new Fp32Converter().convert(coral).model());
        Path out = tmp.resolve("ssd-int8.tflite");
        try (MlflowServer server = new MlflowServer(Files.createDirectories(tmp.resolve("mlflow")))) {
            server.start();
            JsonObject summary = JsonParser.parseString(QuantizeMain.run(new String[] { "--in", in.toString(), "--calib",
                calib.toString(), "--frames", "8", "--out", out.toString(), "--threads", "1", "--mlflow", server.uri() }))
                    .getAsJsonObject();

            MlflowClient client = new MlflowClient(server.uri());
            String exp = client.experimentId("vigie-quantize");
            List<MlflowClient.RunData> runs = client.searchRuns(exp, null);
            assertEquals(1, runs.size());
            MlflowClient.RunData run = runs.get(0);
            assertEquals("FINISHED", run.status());
            assertEquals(summary.get("sha256").getAsString(), run.params().get("model.sha256"));
            assertEquals(RunLogger.contentSha256(calib), run.params().get("calibration.sha256"));
            assertEquals("8", run.params().get("calibration.frames"));
            assertEquals(summary.get("bytes").getAsDouble(), run.metrics().get("bytes"));
            assertArrayEquals(Files.readAllBytes(out), client.downloadArtifact(run.run(), "model/ssd-int8.tflite"));
        }
    }
}
