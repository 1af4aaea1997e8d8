package io.vigie.tools.quantizer;

import static org.bytedeco.tensorflowlite.global.tensorflowlite.kTfLiteFloat32;
import static org.bytedeco.tensorflowlite.global.tensorflowlite.kTfLiteInt8;

import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.tensorflowlite.BuiltinOpResolver;
import org.bytedeco.tensorflowlite.FlatBufferModel;
import org.bytedeco.tensorflowlite.Interpreter;
import org.bytedeco.tensorflowlite.InterpreterBuilder;
import org.bytedeco.tensorflowlite.TfLiteTensor;

import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;

/**
 * Interpreter-only latency of several models in ONE run, alternating model by model in rounds so
 * that a noisy shared machine hits them all alike (default XNNPACK delegate, as the engine uses).
 *
 * <pre>
 * java -cp 'target/*:target/lib/*' io.vigie.tools.quantizer.SpeedMain --frame DIR_OR_VIDEO
 *      [--threads 1,2] [--rounds 30] [--per-round 5] [--mean 128 --std 128] name=model.tflite ...
 * </pre>
 * Prints median / p90 Invoke ms per model and thread count, and each model's speed-up over the
 * first one; JSON lines on stdout after the table.
 */
public final class SpeedMain {
    public static void main(String[] argv) throws Exception {
        String frameSrc = null;
        int[] threads = { 1, 2 };
        int rounds = 30, perRound = 5;
        float mean = 128f, std = 128f;
        List<String[]> models = new ArrayList<>();
        for (int i = 0; i < argv.length; i++) {
            switch (argv[i]) {
                case "--frame" -> frameSrc = argv[++i];
                case "--threads" -> threads = Arrays.stream(argv[++i].split(",")).mapToInt(Integer::parseInt).toArray();
                case "--rounds" -> rounds = Integer.parseInt(argv[++i]);
                case "--per-round" -> perRound = Integer.parseInt(argv[++i]);
                case "--mean" -> mean = Float.parseFloat(argv[++i]);
                case "--std" -> std = Float.parseFloat(argv[++i]);
                default -> {
                    String[] kv = argv[i].split("=", 2);
                    if (kv.length != 2) throw new IllegalArgumentException("expected name=model.tflite, got " + argv[i]);
                    models.add(kv);
                }
            }
        }
        if (frameSrc == null || models.isEmpty())
            throw new IllegalArgumentException("usage: SpeedMain --frame DIR_OR_VIDEO [--threads 1,2] name=model.tflite ...");
        List<String> json = new ArrayList<>();
        System.out.printf(Locale.ROOT, "%-16s %7s %9s %9s %9s %10s %12s%n", "model", "threads", "p50 ms", "p90 ms", "mean ms",
                "speed-up", "(mean-based)");
        for (int t : threads) {
            List<Runner> rs = new ArrayList<>();
            for (String[] m : models) rs.add(new Runner(m[0], Files.readAllBytes(Path.of(m[1])), t));
            byte[] rgb = CalibrationFrames.load(Path.of(frameSrc), rs.get(0).w, rs.get(0).h, 1).get(0);
            for (Runner r : rs) r.feed(rgb, mean, std);
            for (Runner r : rs) for (int i = 0; i < 5; i++) r.invoke(); // warm-up
            double[][] ms = new double[rs.size()][rounds * perRound];
            for (int round = 0; round < rounds; round++)
                for (int k = 0; k < rs.size(); k++)
                    for (int i = 0; i < perRound; i++) ms[k][round * perRound + i] = rs.get(k).invoke();
            // p50 for a free machine; under a CPU quota (edge-sim) latency is bimodal (throttled
            // periods), there the mean is the throughput that counts
            double base = median(ms[0]), baseMean = mean(ms[0]);
            for (int k = 0; k < rs.size(); k++) {
                double p50 = median(ms[k]), p90 = pct(ms[k], 0.9), avg = mean(ms[k]);
                System.out.printf(Locale.ROOT, "%-16s %7d %9.2f %9.2f %9.2f %9.3fx %11.3fx%n", rs.get(k).name, t, p50, p90, avg,
                        base / p50, baseMean / avg);
                JsonObject row = new JsonObject();
                row.addProperty("model", rs.get(k).name);
                row.addProperty("threads", t);
                row.add("p50Millis", decimals(p50, 3));
                row.add("p90Millis", decimals(p90, 3));
                row.add("meanMillis", decimals(avg, 3));
                row.add("speedupVsFirst", decimals(base / p50, 4));
                row.add("meanSpeedupVsFirst", decimals(baseMean / avg, 4));
                json.add(QuantizeMain.json(row));
            }
            for (Runner r : rs) r.close();
        }
        json.forEach(System.out::println);
    }

    /** {@code v} as {@code %.Nf} prints it, as a JSON number; null when it has no JSON form (NaN, infinite). */
    private static JsonElement decimals(double v, int places) {
        if (!Double.isFinite(v)) return JsonNull.INSTANCE;
        return new JsonPrimitive(new BigDecimal(String.format(Locale.ROOT, "%." + places + "f", v)));
    }

    private static double mean(double[] a) {
        return Arrays.stream(a).average().orElse(Double.NaN);
    }

    private static double median(double[] a) {
        return pct(a, 0.5);
    }

    private static double pct(double[] a, double p) {
        double[] s = a.clone();
        Arrays.sort(s);
        return s[(int) Math.min(s.length - 1, Math.floor(p * s.length))];
    }

    private static final class Runner implements AutoCloseable {
        final String name;
        final BytePointer bytes;
        final FlatBufferModel model;
        final BuiltinOpResolver resolver = new BuiltinOpResolver();
        final InterpreterBuilder builder;
        final Interpreter it = new Interpreter((Pointer) null);
        final int w, h;

        Runner(String name, byte[] m, int threads) {
            this.name = name;
            bytes = new BytePointer(m.length);
            bytes.put(m);
            model = FlatBufferModel.VerifyAndBuildFromBuffer(bytes, m.length);
            if (model == null || model.isNull()) throw new IllegalStateException(name + ": TFLite refused the model");
            builder = new InterpreterBuilder(model, resolver);
            builder.SetNumThreads(threads);
            if (builder.apply(it) != 0 || it.AllocateTensors() != 0) throw new IllegalStateException(name + ": no interpreter");
            TfLiteTensor in = it.input_tensor(0);
            h = in.dims().data(1);
            w = in.dims().data(2);
        }

        void feed(byte[] rgb, float mean, float std) {
            TfLiteTensor in = it.input_tensor(0);
            if (in.type() == kTfLiteFloat32) {
                float[] f = new float[rgb.length];
                for (int i = 0; i < f.length; i++) f[i] = ((rgb[i] & 0xFF) - mean) / std;
                new FloatPointer(in.data().raw()).put(f);
            } else if (in.type() == kTfLiteInt8) {
                byte[] s = new byte[rgb.length];
                for (int i = 0; i < s.length; i++) s[i] = (byte) (rgb[i] ^ 0x80);
                in.data().raw().put(s);
            } else {
                in.data().raw().put(rgb);
            }
        }

        double invoke() {
            long t0 = System.nanoTime();
            if (it.Invoke() != 0) throw new IllegalStateException(name + ": Invoke failed");
            return (System.nanoTime() - t0) / 1e6;
        }

        @Override
        public void close() {
            it.close();
            builder.close();
            resolver.close();
            model.close();
            bytes.close();
        }
    }
}
