package io.vigie.tools.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Cold starts only, for comparing gateway variants back to back on a busy machine: each round starts every variant
 * once (same order each round), with the bench's edge wrapper, JVM options and detector config, and stops it right
 * after its first detection. Prints each start and the medians; the numbers are {@link PipelineBench}'s.
 * <pre>
 * java -cp 'tools/bench/target/*:tools/bench/target/lib/*' io.vigie.tools.bench.ColdStartBench --root .
 *      [--variants "NAME=JAR [JVM options];NAME=JAR ..." (default: the built gateway)] [--rounds 3]
 *      [--edge-cpus 0.5] [--edge-mem 512M]
 *      [--no-edge] [--jvm "opts" (default: the bench's edge/normal options)] [--precision INT8] [--threads 1]
 * </pre>
 * A variant's CDS archive is the .jsa beside its jar (train a copied jar with features/gateway/cds-train.sh).
 */
public final class ColdStartBench {
    private ColdStartBench() {
    }

    static final java.util.Set<String> FLAGS = java.util.Set.of("no-edge");
    static final java.util.Set<String> OPTIONS = java.util.Set.of("root", "variants", "rounds", "edge-cpus", "edge-mem",
            "jvm", "precision", "threads", "video");

    public static void main(String[] argv) throws Exception {
        Map<String, String> a = new LinkedHashMap<>();
        for (int i = 0; i < argv.length; i++) {
            String k = argv[i].startsWith("--") ? argv[i].substring(2) : "";
            if (FLAGS.contains(k)) a.put(k, "true");
            else if (OPTIONS.contains(k) && i + 1 < argv.length) a.put(k, argv[++i]);
            else {
                System.err.println("cold-start: bad argument " + argv[i]);
                System.exit(2);
            }
        }
        Path root = Path.of(a.getOrDefault("root", ".")).toAbsolutePath().normalize();
        Map<String, Path> variants = new LinkedHashMap<>();
        Map<String, List<String>> extraJvm = new LinkedHashMap<>();
        variants(a.getOrDefault("variants", "built=" + root.resolve("features/gateway/target/vigie-gateway.jar")),
                variants, extraJvm);
        int rounds = Integer.parseInt(a.getOrDefault("rounds", "3"));
        if (rounds < 1 || rounds > 50) throw new IllegalArgumentException("--rounds: 1..50");
        boolean edge = !a.containsKey("no-edge");
        List<String> wrapper = edge ? List.of(root.resolve("scripts/edge-sim.sh").toString(), "--cpus",
                a.getOrDefault("edge-cpus", "0.5"), "--mem", a.getOrDefault("edge-mem", "512M"), "--", "env",
                BenchRunner.DEFAULT_EDGE_ENV) : List.of();
        List<String> jvm = BenchRunner.opts(a.getOrDefault("jvm",
                edge ? BenchRunner.DEFAULT_EDGE_JVM : BenchRunner.DEFAULT_NORMAL_JVM));
        Path video = Path.of(a.getOrDefault("video", "/usr/share/doc/opencv-doc/examples/data/vtest.avi"));
        if (!Files.isRegularFile(video)) video = root.resolve("../shared/media/vtest.avi").normalize();
        String precision = a.getOrDefault("precision", "INT8");
        int threads = Integer.parseInt(a.getOrDefault("threads", "1"));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path work = Files.createTempDirectory("vigie-coldstart");

        Map<String, List<double[]>> runs = new LinkedHashMap<>();
        for (int r = 1; r <= rounds; r++)
            for (var v : variants.entrySet()) {
                List<String> opts = new ArrayList<>(jvm);
                opts.addAll(extraJvm.get(v.getKey()));
                PipelineBench pb = new PipelineBench(new PipelineBench.Setup(wrapper, java, opts, v.getValue(), video, 30,
                        120_000, 0, 0.3));
                double load = loadAverage();
                PipelineResult res = pb.run(precision, threads, work.resolve(v.getKey() + "-" + r));
                double[] x = { nan(res.coldStartMs()), nan(res.apiUpMs()), nan(res.modelActiveMs()), pb.coldStartCpuS() };
                runs.computeIfAbsent(v.getKey(), k -> new ArrayList<>()).add(x);
                System.out.printf("round %d %-12s first detection %6.0f ms  API %6.0f  model %6.0f  CPU %5.2f s  load %.2f%s%n",
                        r, v.getKey(), x[0], x[1], x[2], x[3], load, res.error() == null ? "" : "  " + res.error());
            }
        System.out.printf("medians over %d rounds (%s, %s %d thread(s)), load now %.2f:%n", rounds,
                edge ? "edge " + a.getOrDefault("edge-cpus", "0.5") + " CPU" : "whole machine", precision, threads,
                loadAverage());
        for (var e : runs.entrySet())
            System.out.printf("  %-12s first detection %6.0f ms  API %6.0f  model %6.0f  CPU %5.2f s%n", e.getKey(),
                    median(e.getValue(), 0), median(e.getValue(), 1), median(e.getValue(), 2), median(e.getValue(), 3));
        BenchRunner.deleteTree(work);
    }

    /** "NAME=JAR [JVM options];NAME=JAR ..." into jars and extra JVM options per variant name. */
    static void variants(String spec, Map<String, Path> jars, Map<String, List<String>> jvm) {
        for (String entry : spec.split(";")) {
            List<String> words = BenchRunner.opts(entry);
            String kv = words.isEmpty() ? "" : words.get(0);
            int i = kv.indexOf('=');
            if (i <= 0 || i == kv.length() - 1)
                throw new IllegalArgumentException("--variants: NAME=JAR [options], got '" + entry + "'");
            Path jar = Path.of(kv.substring(i + 1)).toAbsolutePath();
            if (!Files.isRegularFile(jar)) throw new IllegalArgumentException("--variants: no such jar " + jar);
            if (jars.put(kv.substring(0, i), jar) != null)
                throw new IllegalArgumentException("--variants: " + kv.substring(0, i) + " given twice");
            jvm.put(kv.substring(0, i), words.subList(1, words.size()));
        }
    }

    static double median(List<double[]> rows, int col) {
        double[] v = rows.stream().mapToDouble(x -> x[col]).filter(d -> !Double.isNaN(d)).sorted().toArray();
        if (v.length == 0) return Double.NaN;
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    private static double nan(Double d) {
        return d == null ? Double.NaN : d;
    }

    private static double loadAverage() {
        try {
            return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }
}
