package io.vigie.tools.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;

import com.google.gson.JsonObject;

/**
 * Runs the Python peer (tools/peer-python/peer.py: the seed's OpenCV + LiteRT + fastapi stack) on the same
 * video and model file as the gateway, optionally inside the same edge wrapper, with one MJPEG viewer, and
 * measures it from outside exactly as {@link PipelineBench} measures the gateway.
 */
public final class PeerBench {
    /** How to start the peer and how long to look at it. */
    public record Setup(List<String> wrapper, String python, Path script, Path video, double sourceMaxFps,
            long coldTimeoutMs, double warmupS, double windowS) {
    }

    private final Setup setup;
    private final long ticksPerSecond = ProcStats.clockTicksPerSecond();

    public PeerBench(Setup setup) {
        this.setup = setup;
    }

    public List<String> command(Path model, int threads, int port) {
        List<String> cmd = new ArrayList<>(setup.wrapper());
        cmd.add(setup.python());
        cmd.add(setup.script().toAbsolutePath().toString());
        cmd.addAll(List.of("--model", model.toAbsolutePath().toString(), "--video", setup.video().toAbsolutePath().toString(),
                "--threads", Integer.toString(threads), "--max-fps", Double.toString(setup.sourceMaxFps()),
                "--port", Integer.toString(port)));
        return cmd;
    }

    public PeerResult run(String precision, Path model, int threads, Path workDir) throws IOException, InterruptedException {
        Files.createDirectories(workDir);
        int port = PipelineBench.freePort();
        Path log = workDir.resolve("peer.log");
        Http http = new Http(port, "unused"); // the peer has no login: the header is ignored
        try (ChildProcess p = ChildProcess.start(command(model, threads, port), workDir, log)) {
            long deadline = p.startNanos() + TimeUnit.MILLISECONDS.toNanos(setup.coldTimeoutMs());
            Double coldMs = null;
            while (coldMs == null) {
                if (!p.isAlive())
                    return PeerResult.failed(precision, threads, null, "peer exited " + p.process().exitValue() + " (log " + log
                            + ")");
                if (System.nanoTime() > deadline)
                    return PeerResult.failed(precision, threads, null, "no frame within " + setup.coldTimeoutMs() + " ms (log "
                            + log + ")");
                Double f = http.getJson("/stats").map(s -> Json.num(s, "framesProcessed")).orElse(null);
                if (f != null && f > 0) coldMs = (System.nanoTime() - p.startNanos()) / 1e6;
                else Thread.sleep(50);
            }
            Optional<Long> pid = pythonPid(p);
            if (pid.isEmpty()) return PeerResult.failed(precision, threads, coldMs, "no python process under the wrapper");
            JsonObject s0, s1;
            OptionalLong c0, c1;
            List<Long> rss = new ArrayList<>();
            long t0, t1;
            MjpegClient viewer = MjpegClient.open(http.request("/stream"));
            try {
                Thread.sleep((long) (setup.warmupS() * 1000));
                s0 = http.getJson("/stats").orElse(null);
                c0 = ProcStats.cpuTicks(pid.get());
                t0 = System.nanoTime();
                for (long end = t0 + (long) (setup.windowS() * 1e9); System.nanoTime() < end; Thread.sleep(250))
                    ProcStats.vmRssKb(pid.get()).ifPresent(rss::add);
                s1 = http.getJson("/stats").orElse(null);
                c1 = ProcStats.cpuTicks(pid.get());
                t1 = System.nanoTime();
            } finally {
                viewer.close();
            }
            if (s0 == null || s1 == null)
                return PeerResult.failed(precision, threads, coldMs, "/stats unavailable during the window (log " + log + ")");
            if (viewer.error() != null) return PeerResult.failed(precision, threads, coldMs, "MJPEG viewer: " + viewer.error());
            Double cpu = c0.isPresent() && c1.isPresent() ? (double) (c1.getAsLong() - c0.getAsLong()) / ticksPerSecond : null;
            return measure(precision, threads, coldMs, s0, s1, (t1 - t0) / 1e9, rss, cpu, viewer.partsPerSecond());
        }
    }

    /** The peer's python: the started process itself, or its first python descendant under a wrapper. */
    static Optional<Long> pythonPid(ChildProcess p) {
        if (isPython(p.process().toHandle())) return Optional.of(p.process().pid());
        return p.process().descendants().filter(PeerBench::isPython).map(ProcessHandle::pid).findFirst();
    }

    static boolean isPython(ProcessHandle h) {
        return h.info().command().map(c -> c.substring(c.lastIndexOf('/') + 1).startsWith("python")).orElse(false);
    }

    /** Two /stats snapshots (window start and end), RSS samples and CPU seconds to a result. */
    static PeerResult measure(String precision, int threads, Double coldMs, JsonObject s0, JsonObject s1, double seconds,
            List<Long> rssKb, Double cpuSeconds, Double streamFps) {
        Double f0 = Json.num(s0, "framesProcessed"), f1 = Json.num(s1, "framesProcessed");
        Long frames = f0 == null || f1 == null ? null : (long) (f1 - f0);
        double[] rssMb = rssKb.stream().mapToDouble(k -> k / 1024.0).toArray();
        Double lc = Json.num(s1, "latencyMs", "count");
        String error = Json.str(s1, "error");
        if (error == null && frames != null && frames == 0) error = "no frame processed during the window";
        return new PeerResult(precision, threads, Json.round(coldMs), Json.round(seconds), frames,
                frames == null ? null : Json.round(frames / seconds), Json.round(Json.num(s1, "latencyMs", "p50")),
                Json.round(Json.num(s1, "latencyMs", "p95")), Json.round(Json.num(s1, "latencyMs", "p99")),
                lc == null ? null : lc.longValue(), stage(s1, "decode"), stage(s1, "preprocess"), stage(s1, "inference"),
                stage(s1, "postprocess"), delta(s0, s1, "decoded"), delta(s0, s1, "dropped"),
                rssMb.length == 0 ? null : Json.round(Stats.max(rssMb)), rssMb.length == 0 ? null : Json.round(Stats.mean(rssMb)),
                cpuSeconds == null ? null : Json.round(cpuSeconds / seconds), Json.round(streamFps), error);
    }

    private static Double stage(JsonObject s, String name) {
        return Json.round(Json.num(s, "stagesMs", name, "p50"));
    }

    private static Long delta(JsonObject s0, JsonObject s1, String field) {
        Double a = Json.num(s0, "source", field), b = Json.num(s1, "source", field);
        return a == null || b == null ? null : (long) (b - a);
    }
}
