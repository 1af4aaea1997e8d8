package io.vigie.tools.quantizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

import io.vigie.tools.mlflow.RunLogger;

/**
 * CLI: {@code QuantizeMain --in fp32.tflite --calib <image dir | video> --out int8.tflite}
 * [--method minmax|percentile] [--percentile 99.99] [--frames 100] [--input-type int8|uint8]
 * [--mean 128 --std 128] [--threads 2] [--mlflow URI (else MLFLOW_TRACKING_URI)] [--mlflow-experiment vigie-quantize].
 * Exit 2 on bad input; the output is written only on
 * success (temporary file, then moved).
 */
public final class QuantizeMain {
    private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().create();
    private static final Set<String> OPTIONS = Set.of("in", "calib", "out", "method", "percentile", "frames", "input-type",
            "mean", "std", "threads", "mlflow", "mlflow-experiment");

    public static void main(String[] argv) {
        try {
            System.out.println(run(argv));
        } catch (QuantizationException | IllegalArgumentException e) {
            System.err.println("quantize: " + e.getMessage());
            System.err.println("usage: vigie quantize --in fp32.tflite --calib <image dir|video>[,fallback...] --out int8.tflite "
                    + "[--method minmax|percentile] [--percentile 99.99] [--frames 100] [--input-type int8|uint8] "
                    + "[--mean 128 --std 128] [--threads 2] [--mlflow URI]");
            System.exit(2);
        } catch (IOException e) {
            System.err.println("quantize: " + e);
            System.exit(1);
        }
    }

    /** Does the work; returns the one-line JSON summary. */
    public static String run(String[] argv) throws IOException {
        Map<String, String> a = parse(argv);
        Path in = Path.of(req(a, "in")), calib = firstExisting(req(a, "calib")), out = Path.of(req(a, "out"));
        String m = a.getOrDefault("method", "minmax").toLowerCase(Locale.ROOT);
        Int8Quantizer.Method method = switch (m) {
            case "minmax" -> Int8Quantizer.Method.MINMAX;
            case "percentile" -> Int8Quantizer.Method.PERCENTILE;
            default -> throw new IllegalArgumentException("--method must be minmax or percentile, got " + m);
        };
        double pct = Double.parseDouble(a.getOrDefault("percentile", "99.99")) / 100.0;
        if (!(pct > 0.5 && pct <= 1)) throw new IllegalArgumentException("--percentile must be in (50, 100]");
        String inputType = a.getOrDefault("input-type", "int8");
        if (!inputType.equals("int8") && !inputType.equals("uint8"))
            throw new IllegalArgumentException("--input-type must be int8 or uint8");
        int frames = Integer.parseInt(a.getOrDefault("frames", "100"));
        if (frames < 1) throw new IllegalArgumentException("--frames must be >= 1");
        float mean = Float.parseFloat(a.getOrDefault("mean", "128")), std = Float.parseFloat(a.getOrDefault("std", "128"));
        if (!(std > 0)) throw new IllegalArgumentException("--std must be > 0");
        int threads = Integer.parseInt(a.getOrDefault("threads", "2"));
        if (!Files.isRegularFile(in)) throw new IllegalArgumentException("--in " + in + " is not a file");
        if (in.toAbsolutePath().normalize().equals(out.toAbsolutePath().normalize()))
            throw new IllegalArgumentException("--out must differ from --in");

        // MLflow (--mlflow URI or MLFLOW_TRACKING_URI): started before the work so a failure ends the run FAILED
        try (RunLogger mlflow = RunLogger.start(a.get("mlflow"), a.getOrDefault("mlflow-experiment", "vigie-quantize"),
                "quantize " + in.getFileName(), System.err)) {
            String summary = quantize(in, calib, out, method, pct, inputType, frames, mean, std, threads);
            if (mlflow.active()) {
                JsonObject o = com.google.gson.JsonParser.parseString(summary).getAsJsonObject();
                Map<String, Object> params = new LinkedHashMap<>();
                params.put("model.in", in.getFileName());
                params.put("model.in.sha256", RunLogger.contentSha256(in));
                params.put("model.sha256", o.get("sha256").getAsString());
                params.put("precision", "int8");
                params.put("method", o.get("method").getAsString());
                params.put("calibration", calib);
                params.put("calibration.sha256", RunLogger.contentSha256(calib));
                params.put("calibration.frames", frames);
                params.put("input.type", inputType);
                params.put("mean", mean);
                params.put("std", std);
                params.put("threads", threads);
                Map<String, Number> metrics = new LinkedHashMap<>();
                for (String k : List.of("bytes", "inputBytes", "frames", "activations", "perChannelWeights", "millis")) {
                    metrics.put(k, o.get(k).getAsDouble());
                }
                Path json = Files.createTempDirectory("vigie-quantize").resolve("quantize.json");
                Files.writeString(json, summary + System.lineSeparator());
                mlflow.params(params).metrics(metrics).artifact(json, "results").artifact(out, "model");
            }
            mlflow.succeeded();
            return summary;
        }
    }

    private static String quantize(Path in, Path calib, Path out, Int8Quantizer.Method method, double pct, String inputType,
            int frames, float mean, float std, int threads) throws IOException {
        byte[] model = Files.readAllBytes(in);
        Int8Quantizer.Prepared p = Int8Quantizer.prepare(model); // fail on a bad model before decoding frames
        int[] hw = p.inputSize();
        List<byte[]> calibration = CalibrationFrames.load(calib, hw[1], hw[0], frames);
        Int8Quantizer.Options o = new Int8Quantizer.Options(method, pct, inputType.equals("uint8"), mean, std, threads);
        long t0 = System.nanoTime();
        Int8Quantizer.Result r = new Int8Quantizer(o).quantize(model, calibration);
        long ms = (System.nanoTime() - t0) / 1_000_000;

        Path dir = out.toAbsolutePath().getParent();
        if (dir != null) Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, out.getFileName().toString(), ".tmp");
        try {
            Files.write(tmp, r.model());
            Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
        Int8Quantizer.Report rep = r.report();
        JsonObject summary = new JsonObject();
        summary.addProperty("out", out.toString());
        summary.addProperty("sha256", sha256(r.model()));
        summary.addProperty("bytes", r.model().length);
        summary.addProperty("inputBytes", model.length);
        summary.addProperty("method", method == Int8Quantizer.Method.PERCENTILE ? "percentile " + pct * 100 : "minmax");
        summary.addProperty("frames", rep.frames());
        summary.addProperty("activations", rep.activations());
        summary.addProperty("perChannelWeights", rep.weightsPerChannel());
        summary.addProperty("biases", rep.biases());
        summary.addProperty("sharedParamTensors", rep.sharedGroups());
        summary.addProperty("dequantizeInserted", rep.dequantizeInserted());
        summary.addProperty("fp16Folded", rep.fp16Folded());
        summary.addProperty("inputType", inputType);
        summary.addProperty("millis", ms);
        return json(summary);
    }

    /** The quantizer's JSON lines (this summary, SpeedMain's rows): Gson, one line, no HTML escaping. */
    static String json(JsonElement e) {
        return GSON.toJson(e);
    }

    /** --calib A,B,...: the first that exists (the build lists the shared copy, then Debian's opencv-doc one). */
    static Path firstExisting(String list) {
        String[] c = list.split(",");
        if (c.length == 1) return Path.of(c[0].trim());
        for (String s : c)
            if (!s.isBlank() && Files.exists(Path.of(s.trim()))) return Path.of(s.trim());
        throw new QuantizationException("no calibration source found, tried: " + String.join(", ", c));
    }

    static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Map<String, String> parse(String[] argv) {
        Map<String, String> a = new HashMap<>();
        for (int i = 0; i < argv.length; i++) {
            if (!argv[i].startsWith("--")) throw new IllegalArgumentException("unexpected argument " + argv[i]);
            String k = argv[i].substring(2);
            if (!OPTIONS.contains(k)) throw new IllegalArgumentException("unknown option --" + k);
            if (i + 1 >= argv.length) throw new IllegalArgumentException("--" + k + " needs a value");
            a.put(k, argv[++i]);
        }
        return a;
    }

    private static String req(Map<String, String> a, String k) {
        String v = a.get(k);
        if (v == null) throw new IllegalArgumentException("--" + k + " is required");
        return v;
    }
}
