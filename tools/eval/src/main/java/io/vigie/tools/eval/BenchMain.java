package io.vigie.tools.eval;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Random;

import org.bytedeco.opencv.opencv_core.Mat;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;

import io.vigie.api.inference.EngineOptions;
import io.vigie.api.model.ModelIdentity;
import io.vigie.api.model.ModelSpec;
import io.vigie.api.model.Precision;
import io.vigie.api.video.ImageView;
import io.vigie.inference.core.TfliteDetector;
import io.vigie.inference.core.TfliteEngine;

/**
 * Raw interpreter latency per thread count: invoke only, and preprocess + invoke (the engine's
 * own resize/colour/type conversion from a 768×576 BGR image, or --image).
 *
 * <pre>
 * java -cp 'target/*:target/lib/*' io.vigie.tools.eval.BenchMain --model M.tflite [--threads 1,2]
 *      [--runs 50] [--warmup 5] [--image img.jpg] [--no-xnnpack] [--json out.json]
 * </pre>
 */
public final class BenchMain {
    public static void main(String[] argv) throws Exception {
        Args a;
        try {
            a = new Args(argv);
            a.require("model");
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.err.println("usage: BenchMain --model M.tflite [--threads 1,2] [--runs 50] [--warmup 5] [--image IMG]"
                    + " [--json out.json]");
            System.exit(2);
            return;
        }
        Path modelPath = Paths.get(a.require("model"));
        int runs = Integer.parseInt(a.get("runs", "50"));
        int warmup = Integer.parseInt(a.get("warmup", "5"));
        boolean xnnpack = !a.has("no-xnnpack");
        int[] threads = Arrays.stream(a.get("threads", "1").split(",")).map(String::trim).mapToInt(Integer::parseInt).toArray();
        byte[] bytes = Files.readAllBytes(modelPath);
        String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        ModelIdentity id = new ModelIdentity(modelPath.getFileName().toString(), Precision.INT8, "bench", sha);
        ModelSpec spec = ModelSpec.postprocessOp(List.of("person"), 0, Float.parseFloat(a.get("mean", "128")),
                Float.parseFloat(a.get("std", "128")));

        Mat mat = null;
        ImageView image;
        if (a.has("image")) {
            mat = Images.read(Paths.get(a.get("image", "")));
            image = Images.view(mat);
        } else {
            ByteBuffer b = ByteBuffer.allocateDirect(768 * 576 * 3);
            byte[] noise = new byte[b.capacity()];
            new Random(42).nextBytes(noise);
            b.put(noise).flip();
            image = new ImageView(768, 576, 768 * 3, b);
        }

        JsonArray rows = new JsonArray();
        System.out.printf(Locale.ROOT, "model %s (sha256 %s), image %dx%d, xnnpack=%s, %d runs after %d warm-up%n",
                modelPath, sha.substring(0, 8), image.width(), image.height(), xnnpack, runs, warmup);
        // cpu(inv): CPU time of the calling thread during Invoke; with 1 thread, wall >> cpu means the
        // machine is busy (CPU contention), not that the model is slow
        System.out.printf(Locale.ROOT, "%-8s %12s %12s %12s %12s %10s %10s %12s%n", "threads", "invoke p50", "invoke p95",
                "pre+inv p50", "pre+inv p95", "fps(inv)", "fps(p+i)", "cpu(inv)p50");
        try {
            for (int t : threads) {
                double[] inv = new double[runs], both = new double[runs], cpu = new double[runs];
                java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
                EngineOptions options = new EngineOptions(t, xnnpack, 100);
                try (TfliteDetector d = (TfliteDetector) new TfliteEngine().load(id, bytes, spec, options)) {
                    for (int i = 0; i < warmup; i++) {
                        d.preprocess(image);
                        d.invokeOnly();
                    }
                    for (int i = 0; i < runs; i++) {
                        long t0 = System.nanoTime();
                        d.preprocess(image);
                        long t1 = System.nanoTime();
                        long c0 = mx.getCurrentThreadCpuTime();
                        long invNs = d.invokeOnly();
                        cpu[i] = (mx.getCurrentThreadCpuTime() - c0) / 1e6;
                        inv[i] = invNs / 1e6;
                        both[i] = (t1 - t0 + invNs) / 1e6;
                    }
                }
                double ip50 = pct(inv, 50), ip95 = pct(inv, 95), bp50 = pct(both, 50), bp95 = pct(both, 95);
                double cp50 = pct(cpu, 50);
                System.out.printf(Locale.ROOT, "%-8d %10.2fms %10.2fms %10.2fms %10.2fms %10.1f %10.1f %10.2fms%n", t, ip50, ip95,
                        bp50, bp95, 1000 / ip50, 1000 / bp50, cp50);
                JsonObject row = new JsonObject();
                row.addProperty("threads", t);
                row.addProperty("invokeP50Ms", Json.fixed(ip50, 3));
                row.addProperty("invokeP95Ms", Json.fixed(ip95, 3));
                row.addProperty("preprocessInvokeP50Ms", Json.fixed(bp50, 3));
                row.addProperty("preprocessInvokeP95Ms", Json.fixed(bp95, 3));
                row.addProperty("fpsInvoke", Json.fixed(1000 / ip50, 2));
                row.addProperty("fpsPreprocessInvoke", Json.fixed(1000 / bp50, 2));
                row.addProperty("invokeCallerCpuP50Ms", Json.fixed(cp50, 3));
                rows.add(row);
            }
        } finally {
            if (mat != null) mat.close();
        }
        if (a.has("json")) {
            JsonObject o = new JsonObject();
            o.addProperty("model", modelPath.toString());
            o.addProperty("sha256", sha);
            o.addProperty("xnnpack", xnnpack);
            o.addProperty("runs", runs);
            o.addProperty("warmup", warmup);
            o.addProperty("image", image.width() + "x" + image.height());
            o.add("results", rows);
            Files.writeString(Paths.get(a.get("json", "")), Json.line(o));
        }
    }

    /** Nearest-rank percentile. */
    static double pct(double[] v, double p) {
        double[] s = v.clone();
        Arrays.sort(s);
        int k = (int) Math.ceil(p / 100.0 * s.length) - 1;
        return s[Math.max(0, Math.min(s.length - 1, k))];
    }
}
