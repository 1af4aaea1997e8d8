package io.vigie.tools.bench;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;

/**
 * Measures the real gateway (exported jar, all bundles, HTTP API) for one configuration: a fresh
 * process per configuration, so each run gives a cold start and an RSS not inflated by earlier
 * models. The detector reads the video as fast as it can (source.realtime=false).
 */
public final class PipelineBench {
    public static final String DETECTOR_PID = "io.vigie.detector";

    /** What to run and how long to look at it. */
    public record Setup(List<String> wrapper, String java, List<String> jvmOpts, Path gatewayJar, Path video,
            double sourceMaxFps, long coldTimeoutMs, double warmupS, double windowS) {
    }

    private final Setup setup;
    private final long ticksPerSecond = ProcStats.clockTicksPerSecond();
    /** CPU seconds (all threads) the gateway had used when its first detection was seen, last run; NaN if unknown. */
    private volatile double coldStartCpuS = Double.NaN;

    public PipelineBench(Setup setup) {
        this.setup = setup;
    }

    /** The detector configuration used for a run (every key documented in docs/BENCHMARKS.md). */
    public static Map<String, Object> detectorConfig(Path video, String precision, int threads, double maxFps) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("source.uri", video.toAbsolutePath().toString());
        c.put("source.loop", true);
        c.put("source.realtime", false);
        c.put("source.max.fps", maxFps);
        c.put("model.precision", precision);
        c.put("threads", threads);
        c.put("score.threshold", 0.5);
        // one zone over the whole frame, so zone/dwell bookkeeping runs on every frame as in production
        c.put("zones", List.of("bench:0,0;1,0;1,1;0,1"));
        c.put("dwell.ms", 1000);
        c.put("cooldown.ms", 3000);
        return c;
    }

    public Setup setup() {
        return setup;
    }

    /** CPU seconds the gateway process had used at the last run's first detection (NaN if the run did not get there). */
    public double coldStartCpuS() {
        return coldStartCpuS;
    }

    public List<String> command(Path confDir, Path dataDir, int port) {
        List<String> cmd = new ArrayList<>(setup.wrapper());
        cmd.add(setup.java());
        cmd.addAll(Cds.jvmOptions(setup.gatewayJar()));
        cmd.addAll(BundleDir.jvmOptions(setup.gatewayJar()));
        cmd.addAll(setup.jvmOpts());
        cmd.add("-Dvigie.conf=" + confDir.toAbsolutePath());
        cmd.add("-Dvigie.data=" + dataDir.toAbsolutePath());
        // absolute, as the gateway README asks (relative ones would depend on the working directory)
        cmd.add("-Dfelix.cm.dir=" + dataDir.toAbsolutePath().resolve("config"));
        cmd.add("-Dorg.osgi.framework.storage=" + dataDir.toAbsolutePath().resolve("framework"));
        cmd.add("-Dorg.osgi.service.http.port=" + port);
        cmd.add("-jar");
        cmd.add(setup.gatewayJar().toAbsolutePath().toString());
        return cmd;
    }

    public PipelineResult run(String precision, int threads, Path workDir) throws IOException, InterruptedException {
        return run(precision, threads, workDir, detectorConfig(setup.video(), precision, threads, setup.sourceMaxFps()), null);
    }

    /** One run with the given detector configuration (e.g. the edge profile's); precision and threads label it. */
    public PipelineResult run(String precision, int threads, Path workDir, Map<String, Object> detectorConfig)
            throws IOException, InterruptedException {
        return run(precision, threads, workDir, detectorConfig, null);
    }

    /**
     * @param viewer opens a viewer (e.g. an MJPEG client) as the bench user once the first detection is seen; it stays
     *               connected through warm-up and window and is closed before the gateway is stopped
     */
    public PipelineResult run(String precision, int threads, Path workDir, Function<Http, AutoCloseable> viewer)
            throws IOException, InterruptedException {
        return run(precision, threads, workDir, detectorConfig(setup.video(), precision, threads, setup.sourceMaxFps()),
                viewer);
    }

    private PipelineResult run(String precision, int threads, Path workDir, Map<String, Object> detectorConfig,
            Function<Http, AutoCloseable> viewer) throws IOException, InterruptedException {
        try {
            return measureGateway(precision, threads, workDir, detectorConfig, viewer);
        } finally {
            // the framework storage holds a copy of every bundle (~100 MB); the logs and config stay
            BenchRunner.deleteTree(workDir.resolve("data/framework"));
        }
    }

    private PipelineResult measureGateway(String precision, int threads, Path workDir, Map<String, Object> detectorConfig,
            Function<Http, AutoCloseable> viewer)
            throws IOException, InterruptedException {
        Path conf = workDir.resolve("conf"), data = workDir.resolve("data");
        Files.createDirectories(data);
        ConfigFile.write(conf, DETECTOR_PID, detectorConfig);
        int port = freePort();
        Path log = workDir.resolve("gateway.log");
        String password = Http.newPassword();
        ConfigFile.write(conf, Http.AUTH_PID, Http.authConfig(password));
        Http http = new Http(port, password);
        boolean wrapped = !setup.wrapper().isEmpty();
        coldStartCpuS = Double.NaN;
        try (ChildProcess p = ChildProcess.start(command(conf, data, port), workDir, log)) {
            // cold start: spawn -> API answers -> a model is active -> first result that contains a detection
            Double apiMs = null, modelMs = null, coldMs = null;
            long deadline = p.startNanos() + TimeUnit.MILLISECONDS.toNanos(setup.coldTimeoutMs());
            while (coldMs == null) {
                if (!p.isAlive())
                    return PipelineResult.failed(precision, threads, null, apiMs, modelMs,
                            "gateway exited " + p.process().exitValue() + " (log " + log + ")");
                if (System.nanoTime() > deadline) {
                    String state = http.getJson("/vigie/api/status")
                            .map(s -> Json.str(s, "state") + " " + Json.str(s, "error")).orElse("no API");
                    return PipelineResult.failed(precision, threads, null, apiMs, modelMs,
                            "no detection within " + setup.coldTimeoutMs() + " ms (status: " + state + ", log " + log + ")");
                }
                if (modelMs == null) {
                    Optional<JsonObject> st = http.getJson("/vigie/api/status");
                    if (st.isPresent() && apiMs == null) apiMs = sinceMs(p);
                    if (st.isPresent() && Json.at(st.get(), "activeModel") != null) modelMs = sinceMs(p);
                } else {
                    Optional<JsonObject> d = http.getJson("/vigie/api/detections");
                    if (d.isPresent()) {
                        JsonArray dets = d.get().getAsJsonArray("detections");
                        if (dets != null && !dets.isEmpty()) coldMs = sinceMs(p);
                    }
                }
                if (coldMs == null) Thread.sleep(50);
            }
            long pid = p.javaPid().orElseThrow(() -> new IllegalStateException("no java process under the gateway wrapper"));
            // less sensitive to a busy machine than the wall time: what the start cost, whoever else ran
            OptionalLong coldTicks = ProcStats.cpuTicks(pid);
            coldStartCpuS = coldTicks.isPresent() ? (double) coldTicks.getAsLong() / ticksPerSecond : Double.NaN;
            if (viewer != null) p.closeFirst(viewer.apply(http));
            Thread.sleep((long) (setup.warmupS() * 1000));

            JsonObject s0 = http.getJson("/vigie/api/status").orElse(null);
            OptionalLong c0 = ProcStats.cpuTicks(pid);
            long t0 = System.nanoTime();
            long end = t0 + (long) (setup.windowS() * 1e9);
            List<Long> rss = new ArrayList<>();
            long anonMax = -1, fileMax = -1;
            while (System.nanoTime() < end) {
                Optional<String> st = ProcStats.status(pid);
                if (st.isPresent()) {
                    ProcStats.vmRssKb(st.get()).ifPresent(rss::add);
                    anonMax = Math.max(anonMax, ProcStats.statusKb(st.get(), "RssAnon").orElse(-1));
                    fileMax = Math.max(fileMax, ProcStats.statusKb(st.get(), "RssFile").orElse(-1));
                }
                Thread.sleep(250);
            }
            JsonObject s1 = http.getJson("/vigie/api/status").orElse(null);
            OptionalLong c1 = ProcStats.cpuTicks(pid);
            long t1 = System.nanoTime();
            JsonObject m = http.getJson("/vigie/api/metrics").orElse(null);
            // only meaningful for our own cgroup: unwrapped, the process sits in a shared parent group
            OptionalLong cg = wrapped ? ProcStats.cgroupMaxUsageBytes(pid) : OptionalLong.empty();
            if (s0 == null || s1 == null || m == null)
                return PipelineResult.failed(precision, threads, coldMs, apiMs, modelMs,
                        "status/metrics unavailable during the window (log " + log + ")");
            return measure(precision, threads, new double[] { coldMs, apiMs, modelMs }, s0, s1, m, (t1 - t0) / 1e9, rss,
                    anonMax < 0 ? null : anonMax / 1024.0, fileMax < 0 ? null : fileMax / 1024.0,
                    c0.isPresent() && c1.isPresent() ? (double) (c1.getAsLong() - c0.getAsLong()) / ticksPerSecond : null,
                    cg.isPresent() ? cg.getAsLong() / 1048576.0 : null);
        }
    }

    private static double sinceMs(ChildProcess p) {
        return (System.nanoTime() - p.startNanos()) / 1e6;
    }

    /** Turns two status snapshots, the metrics at window end and the RSS samples into a result. */
    static PipelineResult measure(String precision, int threads, double[] coldApiModelMs, JsonObject s0, JsonObject s1,
            JsonObject m, double seconds, List<Long> rssKb, Double rssAnonMb, Double rssFileMb, Double cpuSeconds,
            Double cgroupMb) {
        Double f0 = Json.num(s0, "framesProcessed"), f1 = Json.num(s1, "framesProcessed");
        Long frames = f0 == null || f1 == null ? null : (long) (f1 - f0);
        Double fps = frames == null ? null : frames / seconds;
        double[] rssMb = rssKb.stream().mapToDouble(k -> k / 1024.0).toArray();
        String active = Json.str(s1, "activeModel", "precision");
        String error = null;
        if (active == null) error = "no active model at window end (state " + Json.str(s1, "state") + ")";
        else if (!active.equalsIgnoreCase(precision)) error = "detector fell back to " + active;
        Double sdec0 = Json.num(s0, "source", "decoded"), sdec1 = Json.num(s1, "source", "decoded");
        Double sdrop0 = Json.num(s0, "source", "dropped"), sdrop1 = Json.num(s1, "source", "dropped");
        Double lc = Json.num(m, "latencyMs", "count");
        Double[] cold = new Double[3];
        for (int i = 0; i < 3; i++) cold[i] = coldApiModelMs == null ? null : Json.round(coldApiModelMs[i]);
        Double sinkDrops = Json.num(s1, "sinkDrops");
        return new PipelineResult(precision, threads, active, cold[0], cold[1], cold[2], Json.round(seconds), frames,
                Json.round(fps), Json.round(Json.num(s1, "fps")), Json.round(Json.num(m, "latencyMs", "p50")),
                Json.round(Json.num(m, "latencyMs", "p95")), Json.round(Json.num(m, "latencyMs", "p99")),
                lc == null ? null : lc.longValue(),
                Json.round(Json.num(m, "stagesMs", "inference", "p50")), Json.round(Json.num(m, "stagesMs", "decode", "p50")),
                delta(sdec0, sdec1), delta(sdrop0, sdrop1), sinkDrops == null ? null : sinkDrops.longValue(),
                Json.round(Stats.max(rssMb)), Json.round(Stats.mean(rssMb)), rssMb.length, Json.round(rssAnonMb),
                Json.round(rssFileMb), Json.round(cgroupMb),
                cpuSeconds == null ? null : Json.round(cpuSeconds / seconds), error);
    }

    private static Long delta(Double a, Double b) {
        return a == null || b == null ? null : (long) (b - a);
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
