package io.vigie.tools.bench;

import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Sustained raw throughput: the same interpreter calls as tools/eval's BenchMain (engine
 * preprocess of a 768×576 BGR image + Invoke, XNNPACK), but timed back to back, so FPS = runs / wall
 * time. Under a CFS quota (edge cgroup) 1000 / p50 of single calls overstates what the interpreter
 * sustains: a call that fits in the remaining quota is fast, the throttled period is paid by the next.
 * <p>
 * Runs on tools/eval's classpath (api, inference, bytedeco natives); reached through reflection so
 * this module does not carry the 85 MB natives bundle as a build dependency.
 *
 * <pre>
 * java -cp 'tools/bench/target/*:tools/bench/target/lib/*:tools/eval/target/lib/*' io.vigie.tools.bench.RawMain
 *      --model M.tflite --precision INT8 --threads 1 [--runs 50] [--warmup 5] --json out.json
 * </pre>
 */
public final class RawMain {
    public static void main(String[] argv) throws Exception {
        Map<String, String> a = new LinkedHashMap<>();
        for (int i = 0; i + 1 < argv.length; i += 2) {
            if (!argv[i].startsWith("--")) throw new IllegalArgumentException("unexpected argument: " + argv[i]);
            a.put(argv[i].substring(2), argv[i + 1]);
        }
        if (!a.containsKey("model") || !a.containsKey("json") || argv.length % 2 != 0) {
            System.err.println("usage: RawMain --model M.tflite --json out.json [--precision INT8] [--threads 1] [--runs 50]"
                    + " [--warmup 5]");
            System.exit(2);
        }
        Path model = Path.of(a.get("model"));
        int threads = Integer.parseInt(a.getOrDefault("threads", "1"));
        int runs = Integer.parseInt(a.getOrDefault("runs", "50"));
        int warmup = Integer.parseInt(a.getOrDefault("warmup", "5"));
        String precision = a.getOrDefault("precision", "INT8");
        byte[] bytes = Files.readAllBytes(model);

        ClassLoader cl = RawMain.class.getClassLoader();
        Class<?> precC = Class.forName("io.vigie.api.model.Precision", true, cl);
        Class<?> idC = Class.forName("io.vigie.api.model.ModelIdentity", true, cl);
        Class<?> specC = Class.forName("io.vigie.api.model.ModelSpec", true, cl);
        Class<?> optC = Class.forName("io.vigie.api.inference.EngineOptions", true, cl);
        Class<?> imgC = Class.forName("io.vigie.api.video.ImageView", true, cl);
        Class<?> engC = Class.forName("io.vigie.inference.core.TfliteEngine", true, cl);
        @SuppressWarnings({ "unchecked", "rawtypes" })
        Object prec = Enum.valueOf((Class) precC, precision);
        Object id = idC.getConstructor(String.class, precC, String.class, String.class)
                .newInstance(model.getFileName().toString(), prec, "bench", "0".repeat(64));
        Object spec = specC.getMethod("postprocessOp", List.class, int.class, float.class, float.class)
                .invoke(null, List.of("person"), 0, 128f, 128f);
        Object opts = optC.getConstructor(int.class, boolean.class, int.class).newInstance(threads, true, 100);
        ByteBuffer buf = ByteBuffer.allocateDirect(768 * 576 * 3);
        byte[] noise = new byte[buf.capacity()];
        new Random(42).nextBytes(noise);
        buf.put(noise).flip();
        Object image = imgC.getConstructor(int.class, int.class, int.class, ByteBuffer.class).newInstance(768, 576, 768 * 3, buf);
        Object engine = engC.getConstructor().newInstance();

        double[] inv = new double[runs], both = new double[runs];
        double wallS;
        Method load = engC.getMethod("load", idC, byte[].class, specC, optC);
        try (AutoCloseable det = (AutoCloseable) load.invoke(engine, id, bytes, spec, opts)) {
            Method pre = det.getClass().getMethod("preprocess", imgC);
            Method invoke = det.getClass().getMethod("invokeOnly");
            for (int i = 0; i < warmup; i++) {
                pre.invoke(det, image);
                invoke.invoke(det);
            }
            long start = System.nanoTime();
            for (int i = 0; i < runs; i++) {
                long t0 = System.nanoTime();
                pre.invoke(det, image);
                long t1 = System.nanoTime();
                long invNs = (Long) invoke.invoke(det);
                inv[i] = invNs / 1e6;
                both[i] = (t1 - t0 + invNs) / 1e6;
            }
            wallS = (System.nanoTime() - start) / 1e9;
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("precision", precision);
        out.put("threads", threads);
        out.put("runs", runs);
        out.put("fpsSustained", Json.round(runs / wallS));
        out.put("invokeP50Ms", Json.round(Stats.percentile(inv, 50)));
        out.put("invokeP95Ms", Json.round(Stats.percentile(inv, 95)));
        out.put("preprocessInvokeP50Ms", Json.round(Stats.percentile(both, 50)));
        out.put("preprocessInvokeP95Ms", Json.round(Stats.percentile(both, 95)));
        String json = Json.line(out);
        Files.writeString(Path.of(a.get("json")), json + "\n");
        System.out.println(json);
    }
}
