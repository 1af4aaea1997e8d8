package io.vigie.tools.bench;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Raw interpreter vs full pipeline, normal and edge-simulated; see docs/BENCHMARKS.md. Usually run
 * through scripts/bench.sh, which checks the jars first.
 *
 * <pre>
 * java -cp 'tools/bench/target/*:tools/bench/target/lib/*' io.vigie.tools.bench.BenchRunner --root . --out FILE
 *      [--quick] [--no-edge] [--video vtest.avi] [--precisions INT8,FP32] [--threads 1,2] [--window S] [--warmup S]
 *      [--runs N] [--jvm "opts"] [--edge-jvm "opts"] [--edge-cpus 0.5] [--edge-mem 512M] [--source-max-fps 0]
 *      [--peers | --peers-only]
 * </pre>
 */
public final class BenchRunner {
    /** Sized for a 512 MB / 0.5 CPU box; chosen by measurement, see docs/BENCHMARKS.md. */
    /** The JVM options ./vigie run uses (JAVA_OPTS_DEFAULT in the launcher), and its MALLOC_ARENA_MAX=2. */
    public static final String LAUNCHER_JVM = "-Xmx128m -Xms24m -Xmn8m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 "
            + "-XX:ReservedCodeCacheSize=32m -XX:MaxMetaspaceSize=96m -Xss512k -Dorg.bytedeco.javacpp.maxPhysicalBytes=0"
            + " -XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=30 -XX:-ShrinkHeapInSteps"
            + " " + SwapBench.PRIORITY_JVM;
    public static final String DEFAULT_EDGE_JVM = LAUNCHER_JVM + " -XX:ActiveProcessorCount=1";
    /** What ./vigie run uses (JAVA_OPTS_DEFAULT there): JavaCPP's 2 x Xmx physical cap lifted, natives are freed explicitly. */
    public static final String DEFAULT_NORMAL_JVM = LAUNCHER_JVM;

    /** Extra environment for the edge JVM: the launcher sets MALLOC_ARENA_MAX=2 (bounded glibc arenas). */
    public static final String DEFAULT_EDGE_ENV = "MALLOC_ARENA_MAX=2";

    static final Set<String> FLAGS = Set.of("quick", "no-edge", "help", "swap", "no-swap", "peers", "peers-only",
            "no-edge-profile", "gating", "no-gating");
    static final Set<String> OPTIONS = Set.of("root", "out", "video", "precisions", "threads", "window", "warmup", "runs", "jvm",
            "edge-jvm", "edge-cpus", "edge-mem", "source-max-fps", "cold-timeout", "envs", "edge-env", "swap-cycles",
            "edge-profile", "swap-variants", "mlflow", "mlflow-experiment");

    private boolean peersOnly;
    private String peerPython;
    private final List<PeerReport.Row> peerRows = new ArrayList<>();

    /** Motion gating (GatingBench): the clips to play, none with --no-gating; rows of every environment. */
    private List<GatingBench.Clip> gatingClips = List.of();
    private boolean gatingOnly;
    private final List<GatingBench.Row> gating = new ArrayList<>();

    public static void main(String[] argv) throws Exception {
        Map<String, String> a;
        try {
            a = parse(argv);
        } catch (IllegalArgumentException e) {
            System.err.println("bench: " + e.getMessage());
            System.err.println(usage());
            System.exit(2);
            return;
        }
        if (a.containsKey("help")) {
            System.out.println(usage());
            return;
        }
        try {
            System.exit(new BenchRunner().run(a));
        } catch (IllegalArgumentException e) {
            System.err.println("bench: " + e.getMessage());
            System.exit(2);
        }
    }

    static String usage() {
        return "usage: BenchRunner --root DIR --out FILE [--quick] [--no-edge] [--video FILE] "
                + "[--precisions INT8,FP32] [--threads 1,2]\n"
                + "       [--window S] [--warmup S] [--runs N] [--jvm \"opts\"] [--edge-jvm \"opts\"] "
                + "[--edge-cpus 0.5] [--edge-mem 512M]\n"
                + "       [--source-max-fps 30] [--cold-timeout S] [--envs normal,edge] [--edge-env \"NAME=value ...\"]\n"
                + "       [--swap (only the model-swap suite) | --no-swap] [--swap-cycles N]\n"
                + "       [--peers (also Vigie vs the Python peer, tools/peer-python) | --peers-only]\n"
                + "       [--edge-profile FILE (default conf/edge-profile.properties) | --no-edge-profile]\n"
                + "       [--swap-variants default,unpaced,standby (SwapBench.VARIANTS)]\n"
                + "       [--gating (only the motion-gating suite) | --no-gating]\n"
                + "       [--mlflow URI (else MLFLOW_TRACKING_URI): the results as an MLflow run] [--mlflow-experiment NAME]";
    }

    /** --key value / --flag parsing; unknown or valueless options are errors (nothing runs). */
    static Map<String, String> parse(String[] argv) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < argv.length; i++) {
            String s = argv[i];
            if (!s.startsWith("--")) throw new IllegalArgumentException("unexpected argument: " + s);
            String k = s.substring(2);
            if (FLAGS.contains(k)) m.put(k, "true");
            else if (OPTIONS.contains(k)) {
                if (i + 1 >= argv.length) throw new IllegalArgumentException("--" + k + " needs a value");
                m.put(k, argv[++i]);
            } else throw new IllegalArgumentException("unknown option: " + s);
        }
        return m;
    }

    static List<Integer> ints(String csv, String what) {
        try {
            List<Integer> v = Arrays.stream(csv.split(",")).map(String::trim).map(Integer::parseInt).toList();
            if (v.isEmpty() || v.stream().anyMatch(x -> x < 1 || x > 16)) throw new NumberFormatException();
            return v;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(what + ": expected a comma list of integers 1..16, got '" + csv + "'");
        }
    }

    static List<String> precisions(String csv) {
        List<String> v = Arrays.stream(csv.split(",")).map(String::trim).map(s -> s.toUpperCase(Locale.ROOT)).toList();
        for (String p : v)
            if (!p.equals("INT8") && !p.equals("FP32"))
                throw new IllegalArgumentException("precisions: INT8 and/or FP32, got '" + p + "'");
        return v;
    }

    static List<String> opts(String s) {
        return s == null || s.isBlank() ? List.of() : Arrays.asList(s.trim().split("\\s+"));
    }

    /** "512M" / "1G" / "300000000" to MB. */
    static long megabytes(String s) {
        String t = s.trim().toUpperCase(Locale.ROOT);
        long mult = 1;
        if (t.endsWith("G")) { mult = 1024; t = t.substring(0, t.length() - 1); }
        else if (t.endsWith("M")) t = t.substring(0, t.length() - 1);
        else return Long.parseLong(t) / 1048576;
        return Long.parseLong(t) * mult;
    }

    int run(Map<String, String> a) throws IOException, InterruptedException {
        Instant started = Instant.now();
        boolean quick = a.containsKey("quick");
        Path root = Path.of(a.getOrDefault("root", ".")).toAbsolutePath().normalize();
        Path out = Path.of(a.getOrDefault("out", root.resolve("target/bench/bench.json").toString())).toAbsolutePath();
        Path video = Path.of(a.getOrDefault("video", "/usr/share/doc/opencv-doc/examples/data/vtest.avi"));
        if (!Files.isRegularFile(video)) video = root.resolve("../shared/media/vtest.avi").normalize();
        List<String> precisions = precisions(a.getOrDefault("precisions", "INT8,FP32"));
        List<Integer> threads = ints(a.getOrDefault("threads", "1,2"), "threads");
        double window = Double.parseDouble(a.getOrDefault("window", quick ? "5" : "20"));
        double warmup = Double.parseDouble(a.getOrDefault("warmup", quick ? "1" : "5"));
        int runs = Integer.parseInt(a.getOrDefault("runs", quick ? "15" : "50"));
        double maxFps = Double.parseDouble(a.getOrDefault("source-max-fps", "30"));
        boolean swapOnly = a.containsKey("swap"), swaps = !a.containsKey("no-swap") && !a.containsKey("peers-only");
        peersOnly = a.containsKey("peers-only");
        if (peersOnly && swapOnly) throw new IllegalArgumentException("--peers-only and --swap exclude each other");
        if (swapOnly && !swaps) throw new IllegalArgumentException("--swap and --no-swap exclude each other");
        int swapCycles = Integer.parseInt(a.getOrDefault("swap-cycles", quick ? "1" : "2"));
        // motion gating: vtest.avi (cut to 20 s with --quick) and the clip with still stretches the build makes
        gatingOnly = a.containsKey("gating");
        if (gatingOnly && (a.containsKey("no-gating") || swapOnly))
            throw new IllegalArgumentException("--gating excludes --no-gating and --swap");
        if (gatingOnly) swaps = false;
        Path stillClip = root.resolve("tools/bench/target/media/" + GatingBench.STILL_CLIP + ".avi");
        if (!a.containsKey("no-gating") && !swapOnly && !peersOnly)
            gatingClips = List.of(new GatingBench.Clip("vtest", video, quick ? 20 : 0),
                    new GatingBench.Clip(GatingBench.STILL_CLIP, stillClip, 0));
        if (swapCycles < 1 || swapCycles > 20) throw new IllegalArgumentException("--swap-cycles: 1..20");
        swapVariants = Arrays.asList(a.getOrDefault("swap-variants", String.join(",", SwapBench.VARIANTS.keySet())).split(","));
        for (String v : swapVariants)
            if (!SwapBench.VARIANTS.containsKey(v))
                throw new IllegalArgumentException("--swap-variants: " + v + " is not one of " + SwapBench.VARIANTS.keySet());
        long coldTimeoutMs = (long) (Double.parseDouble(a.getOrDefault("cold-timeout", "90")) * 1000);
        List<String> jvm = opts(a.getOrDefault("jvm", DEFAULT_NORMAL_JVM));
        List<String> edgeJvm = opts(a.getOrDefault("edge-jvm", DEFAULT_EDGE_JVM));
        String edgeCpus = a.getOrDefault("edge-cpus", "0.5"), edgeMem = a.getOrDefault("edge-mem", "512M");
        String edgeEnv = a.getOrDefault("edge-env", DEFAULT_EDGE_ENV);
        for (String kv : opts(edgeEnv))
            if (!kv.matches("[A-Za-z_][A-Za-z0-9_]*=.*"))
                throw new IllegalArgumentException("--edge-env: expected NAME=value, got '" + kv + "'");

        // the edge profile row (./vigie demo --edge settings): read first, a bad file stops before anything runs
        Path profileFile = Path.of(a.getOrDefault("edge-profile", root.resolve("conf/edge-profile.properties").toString()));
        boolean noProfile = swapOnly || gatingOnly || peersOnly || a.containsKey("no-edge-profile");
        EdgeProfile.Settings profile = noProfile ? null : EdgeProfile.read(profileFile);
        EdgeProfile.Run profileRun = profile == null ? null : new EdgeProfile.Run(profile, null, "edge simulation not run");
        Path gatewayJar = root.resolve("features/gateway/target/vigie-gateway.jar");
        // RawMain runs on this tool's jars + tools/eval's runtime libraries (api, inference, natives)
        String rawCp = root.resolve("tools/bench/target") + "/*:" + root.resolve("tools/bench/target/lib") + "/*:"
                + root.resolve("tools/eval/target/lib") + "/*";
        Map<String, Path> models = new LinkedHashMap<>();
        for (String p : precisions)
            models.put(p, root.resolve("bundles/model-" + p.toLowerCase(Locale.ROOT)
                    + "/target/generated-resources/vigie-model/model/model.tflite"));
        List<String> missing = new ArrayList<>();
        if (!Files.isRegularFile(gatewayJar)) missing.add(gatewayJar.toString());
        Path evalLib = root.resolve("tools/eval/target/lib");
        if (!Files.isDirectory(evalLib)) missing.add(evalLib.toString());
        models.values().stream().filter(p -> !Files.isRegularFile(p)).forEach(p -> missing.add(p.toString()));
        if (!Files.isRegularFile(video)) missing.add(video.toString());
        if (!gatingClips.isEmpty() && !Files.isRegularFile(stillClip)) missing.add(stillClip + " (or --no-gating)");
        if (!missing.isEmpty()) {
            System.err.println("bench: missing " + String.join(", ", missing) + " (see scripts/bench.sh for the build commands)");
            return 2;
        }
        String java = ProcessHandle.current().info().command().orElse("java");
        Path runDir = out.getParent().resolve(out.getFileName().toString().replaceFirst("\\.json$", "") + "-work");
        Files.createDirectories(runDir);
        if (peersOnly || a.containsKey("peers")) {
            peerPython = peerPython(root);
            if (peerPython == null) return 2;
        }
        String load0 = loadAvg();

        List<Environment> envs = new ArrayList<>();
        List<String> only = Arrays.asList(a.getOrDefault("envs", "normal,edge").split(","));
        if (!only.contains("normal"))
            envs.add(new Environment("normal", null, null, jvm, List.of(), List.of(), "--envs " + a.get("envs")));
        else envs.add(measure("normal", null, null, List.of("env", "MALLOC_ARENA_MAX=2"), jvm, java, rawCp, gatewayJar, video,
                models, threads, runs, warmup, window, maxFps, coldTimeoutMs, runDir, root, swapOnly, swaps ? swapCycles : 0));
        if (a.containsKey("no-edge") || !only.contains("edge")) {
            envs.add(new Environment("edge", Double.parseDouble(edgeCpus), megabytes(edgeMem), edgeJvm, List.of(), List.of(),
                    "--no-edge"));
        } else if (!isRoot()) {
            System.err.println("bench: edge simulation skipped: it needs root (cgroup writes); run as root or pass --no-edge");
            envs.add(new Environment("edge", Double.parseDouble(edgeCpus), megabytes(edgeMem), edgeJvm, List.of(), List.of(),
                    "not root"));
        } else {
            List<String> wrapper = new ArrayList<>(List.of(root.resolve("scripts/edge-sim.sh").toString(),
                    "--cpus", edgeCpus, "--mem", edgeMem, "--"));
            // environment variables for the JVM inside the cgroup (env execs java: same pid)
            List<String> env = opts(edgeEnv);
            if (!env.isEmpty()) {
                wrapper.add("env");
                wrapper.addAll(env);
            }
            envs.add(measure("edge", Double.parseDouble(edgeCpus), megabytes(edgeMem), wrapper, edgeJvm, java, rawCp,
                    gatewayJar, video, models, threads, runs, warmup, window, maxFps, coldTimeoutMs * 2, runDir, root, swapOnly,
                    swaps ? swapCycles : 0));
            if (profile != null) {
                log("edge: edge profile (%s), %.0f s window", profile.describe(), window);
                profileRun = EdgeProfile.run(new PipelineBench(new PipelineBench.Setup(wrapper, java, edgeJvm, gatewayJar, video,
                        maxFps, coldTimeoutMs * 2, warmup, window)), profile, runDir.resolve("edge-profile"));
            }
        }

        Map<String, Object> header = new LinkedHashMap<>();
        header.put("startedAt", started.truncatedTo(ChronoUnit.SECONDS).toString());
        header.put("durationS", Json.round((Instant.now().toEpochMilli() - started.toEpochMilli()) / 1000.0));
        Map<String, Object> machine = new LinkedHashMap<>();
        machine.put("host", InetAddress.getLocalHost().getHostName());
        machine.put("nproc", Runtime.getRuntime().availableProcessors());
        machine.put("cpuModel", cpuModel());
        machine.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                + System.getProperty("os.arch"));
        machine.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
        machine.put("loadAvgStart", load0);
        machine.put("loadAvgEnd", loadAvg());
        header.put("machine", machine);
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("quick", quick);
        params.put("video", video.toString());
        params.put("warmupS", warmup);
        params.put("windowS", window);
        params.put("rawRuns", runs);
        params.put("sourceMaxFps", maxFps);
        params.put("swapCycles", swaps ? swapCycles : 0);
        params.put("swapOnly", swapOnly);
        params.put("swapVariants", swapVariants);
        params.put("edgeEnv", opts(edgeEnv));
        params.put("gatewayJar", gatewayJar.toString());
        params.put("gatewaySha256", sha256(gatewayJar));
        params.put("cdsArchive", Cds.jvmOptions(gatewayJar).isEmpty() ? null : Cds.archiveOf(gatewayJar).toString());
        params.put("gitCommit", git(root));
        header.put("params", params);
        Map<String, Object> mm = new LinkedHashMap<>();
        for (Map.Entry<String, Path> e : models.entrySet()) {
            Map<String, Object> one = new LinkedHashMap<>();
            one.put("path", e.getValue().toString());
            one.put("sha256", sha256(e.getValue()));
            mm.put(e.getKey(), one);
        }
        header.put("models", mm);
        Map<String, Object> ep = null; // null: not run (--no-edge-profile, --swap)
        if (profileRun != null) {
            ep = new LinkedHashMap<>();
            ep.put("file", profile.file().toString());
            ep.put("settings", profile.values());
            ep.put("skipped", profileRun.result() == null ? profileRun.skipped() : null);
            ep.put("result", profileRun.result());
        }
        header.put("edgeProfile", ep);
        if (!gating.isEmpty()) header.put("gating", Map.of("rows", gating, "goals", GatingBench.goals(gating)));

        Files.createDirectories(out.getParent());
        com.google.gson.JsonObject json = Report.toJson(header, envs, maxFps);
        PeerReport.addTo(json, peerRows);
        // the profile's verdicts sit with the others, where a CI gate looks them up by id
        if (profileRun != null)
            EdgeProfile.goals(profileRun).forEach(g -> json.getAsJsonArray("goals").add(Json.PRETTY.toJsonTree(g)));
        Files.writeString(out, Report.toText(json));
        System.out.println();
        if (!peersOnly) System.out.println(Report.table(envs, maxFps));
        if (!peerRows.isEmpty()) System.out.println(PeerReport.table(peerRows));
        String swapTable = Report.swapTable(envs);
        if (!swapTable.isEmpty()) System.out.println(swapTable);
        if (profileRun != null) System.out.println(EdgeProfile.table(profileRun));
        if (!gating.isEmpty()) System.out.println(GatingBench.table(gating));
        if (!peersOnly) System.out.print(Report.verdicts(envs, maxFps));
        if (profileRun != null) EdgeProfile.goals(profileRun).forEach(g -> System.out.println(g.line()));
        GatingBench.goals(gating).forEach(g -> System.out.println(g.line()));
        PeerReport.goals(peerRows).forEach(g -> System.out.println(g.line()));
        System.out.println();
        System.out.println("JSON: " + out);
        BenchMlflow.log(json, out, root, a.get("mlflow"), a.getOrDefault("mlflow-experiment", "vigie-bench"));
        return 0;
    }

    /** SwapBench variants to run in each environment (--swap-variants). */
    private List<String> swapVariants = List.copyOf(SwapBench.VARIANTS.keySet());

    private Environment measure(String name, Double cpus, Long memMb, List<String> wrapper, List<String> jvmOpts, String java,
            String rawCp, Path gatewayJar, Path video, Map<String, Path> models, List<Integer> threads, int runs, double warmup,
            double window, double maxFps, long coldTimeoutMs, Path runDir, Path root, boolean swapOnly, int swapCycles)
            throws IOException, InterruptedException {
        PipelineBench pb = new PipelineBench(new PipelineBench.Setup(wrapper, java, jvmOpts, gatewayJar, video, maxFps,
                coldTimeoutMs, warmup, window));
        List<RawResult> raw = new ArrayList<>();
        List<PipelineResult> pipeline = new ArrayList<>();
        for (Map.Entry<String, Path> m : models.entrySet()) {
            if (swapOnly || peersOnly || gatingOnly) break;
            String precision = m.getKey();
            for (int t : threads) {
                // raw right before its pipeline twin: on a shared machine the load changes by the minute,
                // so a ratio is only meaningful between measurements taken close together
                log("%s: raw interpreter %s, %d thread(s), %d runs", name, precision, t, runs);
                RawResult r = RawBench.run(wrapper, java, jvmOpts, rawCp, m.getValue(), precision, t, runs,
                        Math.max(3, runs / 10), runDir.resolve(name + "-raw-" + precision + "-t" + t));
                raw.add(r);
                log("%s: raw %s/%dt: %s FPS sustained (invoke p50 %s ms)%s", name, precision, t, Report.fmt(r.fps(), 1),
                        Report.fmt(r.invokeP50Ms(), 1), r.error() == null ? "" : " (" + r.error() + ")");
                log("%s: pipeline %s, %d thread(s), %.0f s window", name, precision, t, window);
                Path wd = runDir.resolve(name + "-" + precision + "-t" + t);
                deleteTree(wd);
                Files.createDirectories(wd);
                PipelineResult pr = pb.run(precision, t, wd);
                log("%s: pipeline %s/%dt: %s FPS, p95 %s ms, RSS max %s MB, cold %s ms%s", name, precision, t,
                        Report.fmt(pr.fps(), 1), Report.fmt(pr.latencyP95Ms(), 1), Report.fmt(pr.rssMaxMb(), 0),
                        Report.fmt(pr.coldStartMs(), 0), pr.error() == null ? "" : " (" + pr.error() + ")");
                pipeline.add(pr);
            }
        }
        if (peerPython != null && !swapOnly && !gatingOnly) {
            PeerBench peer = new PeerBench(new PeerBench.Setup(wrapper, peerPython, root.resolve("tools/peer-python/peer.py"),
                    video, maxFps, coldTimeoutMs, warmup, window));
            peerRows.addAll(new PeerSuite(pb, peer).run(name, cpus, models, threads.get(0), runDir));
        }
        List<SwapBench.Swap> swaps = List.of();
        if (swapCycles > 0) {
            log("%s: model swaps, source at the video's 10 fps, %d config cycle(s) INT8<->FP32 + a model DP update per precision",
                    name, swapCycles);
            swaps = new ArrayList<>();
            for (String variant : swapVariants) { // each loading option measured alone, back to back
                Path wd = runDir.resolve(name + "-swap-" + variant);
                deleteTree(wd);
                Files.createDirectories(wd);
                log("%s: swap variant %s %s", name, variant, SwapBench.VARIANTS.get(variant));
                swaps.addAll(new SwapBench(pb.setup(), root).run(threads.get(0), swapCycles, wd, variant));
                deleteTree(wd.resolve("data/framework"));
            }
        }
        if (!gatingClips.isEmpty()) {
            Path wd = runDir.resolve(name + "-gating");
            Files.createDirectories(wd);
            gating.addAll(new GatingBench(pb.setup(), threads.get(0)).run(name, gatingClips, wd));
        }
        return new Environment(name, cpus, memMb, jvmOpts, raw, pipeline, null, swaps);
    }

    /** tools/peer-python/setup.sh: creates the peer's venv once (PyPI), prints its python; null when it fails. */
    static String peerPython(Path root) throws IOException, InterruptedException {
        log("Python peer: preparing its venv (tools/peer-python/setup.sh)");
        Process p = new ProcessBuilder("bash", root.resolve("tools/peer-python/setup.sh").toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String out = new String(p.getInputStream().readAllBytes()).trim();
        if (p.waitFor() != 0 || out.isEmpty()) {
            System.err.println("bench: tools/peer-python/setup.sh failed (exit " + p.exitValue() + "): no peer to compare with");
            return null;
        }
        return out.lines().reduce((x, y) -> y).orElse(out);
    }

    static void log(String fmt, Object... args) {
        System.err.println("[bench " + java.time.LocalTime.now().truncatedTo(ChronoUnit.SECONDS) + "] "
                + String.format(Locale.ROOT, fmt, args));
    }

    static boolean isRoot() {
        try {
            Process p = new ProcessBuilder("id", "-u").start();
            String s = new String(p.getInputStream().readAllBytes()).trim();
            p.waitFor();
            return s.equals("0");
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    static String loadAvg() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException e) {
            return null;
        }
    }

    static String cpuModel() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .map(l -> l.substring(l.indexOf(':') + 1).trim()).findFirst().orElse(null);
        } catch (IOException e) {
            return null;
        }
    }

    static String git(Path root) {
        try {
            Process p = new ProcessBuilder("git", "-C", root.toString(), "rev-parse", "HEAD").redirectErrorStream(true).start();
            String s = new String(p.getInputStream().readAllBytes()).trim();
            return p.waitFor() == 0 ? s : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    static String sha256(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0;) md.update(buf, 0, n);
            return HexFormat.of().formatHex(md.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) return;
        try (var s = Files.walk(p)) {
            for (Path x : s.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(x);
        }
    }
}
