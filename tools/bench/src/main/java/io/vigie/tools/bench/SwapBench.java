package io.vigie.tools.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.net.URLEncoder;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.Signature;
import java.util.Base64;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

/**
 * Model swap latency and frame continuity on the real gateway, source at the video's own 10 fps:
 * <ul>
 * <li>config: model.precision flips INT8 ⇄ FP32; latency = the detector's own swap.ms (configuration
 * received → first frame on the new model, announced on SSE);</li>
 * <li>dp: a model DP with a higher model version is uploaded to /vigie/api/packages while that precision
 * is active; latency = install call → first streamed frame on the new model (seen on SSE).</li>
 * </ul>
 * Continuity is measured on the SSE frames from 2 s before to 3 s after each swap. Each {@link #VARIANTS variant}
 * (loading options) runs the whole suite on its own gateway, one after the other.
 */
public final class SwapBench {
    /** One measured swap. */
    public record Swap(String path, String from, String to, Double latencyMs, Double detectorSwapMs, Integer httpStatus,
            Continuity continuity, String error) {
    }

    private record Seen(long receivedNanos, String event, JsonObject data) {
    }

    /**
     * Loading options measured alone, as detector settings over the shipped defaults. Rows of a variant other than
     * "default" carry it in their path ("config/standby"); the goals judge the defaults.
     */
    public static final Map<String, Map<String, Object>> VARIANTS = variants();

    private static Map<String, Map<String, Object>> variants() {
        Map<String, Map<String, Object>> v = new LinkedHashMap<>();
        v.put("default", Map.of()); // paced loading, no standby
        v.put("unpaced", Map.of("model.load.paced", false)); // the load at full speed beside the detector
        v.put("standby", Map.of("model.standby", true)); // the other precision kept loaded
        return java.util.Collections.unmodifiableMap(v); // insertion order: the order they run in
    }

    /**
     * PRIORITY_OPTS of the launcher: Java MIN_PRIORITY (the model loader, package installs) as nice 10, every other
     * priority as nice 0. Part of the launcher's options the bench runs with; without them the priorities are ignored.
     */
    public static final String PRIORITY_JVM = "-XX:ThreadPriorityPolicy=1 -XX:JavaPriority1_To_OSPriority=10 "
            + "-XX:JavaPriority2_To_OSPriority=0 -XX:JavaPriority3_To_OSPriority=0 -XX:JavaPriority4_To_OSPriority=0 "
            + "-XX:JavaPriority6_To_OSPriority=0 -XX:JavaPriority7_To_OSPriority=0 -XX:JavaPriority8_To_OSPriority=0 "
            + "-XX:JavaPriority9_To_OSPriority=0 -XX:JavaPriority10_To_OSPriority=0";

    /** Continuity window around a swap: frames from BEFORE_MS before it to AFTER_MS after it. */
    static final long BEFORE_MS = 2000, AFTER_MS = 3000;

    private final PipelineBench.Setup setup;
    private final Path root;
    /**
     * The bench's own package signing key: the gateway requires signed packages by default, and the bench measures
     * that default path (the signature check is part of the install latency). Made per run, never stored.
     */
    private final KeyPair signing;

    public SwapBench(PipelineBench.Setup setup, Path root) {
        this.setup = setup;
        this.root = root;
        try {
            this.signing = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    public List<Swap> run(int threads, int cycles, Path workDir, String variant) throws IOException, InterruptedException {
        Path conf = workDir.resolve("conf"), data = workDir.resolve("data");
        Files.createDirectories(data);
        List<Swap> out = new ArrayList<>();
        Map<String, Object> cfg = PipelineBench.detectorConfig(setup.video(), "INT8", threads, 0);
        cfg.put("source.realtime", true); // the camera's pace: every frame counts for continuity
        cfg.putAll(VARIANTS.get(variant));
        String configPath = "default".equals(variant) ? "config" : "config/" + variant;
        String dpPath = "default".equals(variant) ? "dp" : "dp/" + variant;
        ConfigFile.write(conf, PipelineBench.DETECTOR_PID, cfg);
        // every frame on SSE (the default caps 'detection' events at 10/s per client, which would look like loss)
        ConfigFile.write(conf, "io.vigie.web", Map.of("sse.detection.rate", 1000));
        int port = PipelineBench.freePort();
        String password = Http.newPassword();
        ConfigFile.write(conf, Http.AUTH_PID, Http.authConfig(password));
        ConfigFile.write(conf, "io.vigie.ota", Map.of("public.key",
                Base64.getEncoder().encodeToString(signing.getPublic().getEncoded())));
        Http http = new Http(port, password);
        PipelineBench pb = new PipelineBench(setup);
        CopyOnWriteArrayList<Seen> seen = new CopyOnWriteArrayList<>();
        try (ChildProcess p = ChildProcess.start(pb.command(conf, data, port), workDir, workDir.resolve("gateway.log"))) {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(setup.coldTimeoutMs());
            while (!"INT8".equals(http.getJson("/vigie/api/status")
                    .map(s -> Json.str(s, "activeModel", "precision")).orElse(null))) {
                if (!p.isAlive() || System.nanoTime() > deadline)
                    return List.of(new Swap("config", null, "INT8", null, null, null, null, "gateway did not run INT8 (log "
                            + workDir.resolve("gateway.log") + ")"));
                Thread.sleep(100);
            }
            Thread reader = sseReader(http, seen);
            Thread.sleep(BEFORE_MS + 1000); // frames before the first swap (and the SSE stream connected)
            if (Boolean.TRUE.equals(cfg.get("model.standby"))) awaitLog(workDir.resolve("gateway.log"), "Hot standby:", 60_000);
            // what a variant costs in memory (the standby's interpreter), before the first swap
            BenchRunner.log("swap variant %s: RSS %s MB with INT8 serving", variant, p.javaPid().map(ProcStats::vmRssKb)
                    .filter(java.util.OptionalLong::isPresent).map(r -> Long.toString(r.getAsLong() / 1024)).orElse("-"));
            String current = "INT8";
            for (int i = 0; i < cycles * 2; i++) {
                String to = current.equals("INT8") ? "FP32" : "INT8";
                cfg.put("model.precision", to);
                int mark = seen.size();
                long t0 = System.nanoTime();
                ConfigFile.write(conf, PipelineBench.DETECTOR_PID, cfg);
                Seen ev = await(seen, mark, s -> "model".equals(s.event()) && to.equals(Json.str(s.data(), "model", "precision"))
                        && Json.num(s.data(), "swapMs") != null, 30_000);
                out.add(ev == null ? new Swap(configPath, current, to, null, null, null, null, "no swap within 30 s")
                        : new Swap(configPath, current, to, Json.num(ev.data(), "swapMs"), Json.num(ev.data(), "swapMs"), null,
                                window(seen, t0, BEFORE_MS, AFTER_MS), null));
                BenchRunner.log("swap %s %s -> %s: %s ms", configPath, current, to,
                        ev == null ? "-" : Report.fmt(Json.num(ev.data(), "swapMs"), 0));
                current = to;
                Thread.sleep(BEFORE_MS); // window() waited AFTER_MS already: the next window must not overlap this one
            }
            // DP updates: a higher model version of the active precision, then of the other one
            for (String precision : List.of(current, current.equals("INT8") ? "FP32" : "INT8")) {
                if (!precision.equals(current)) {
                    cfg.put("model.precision", precision);
                    int mark = seen.size();
                    ConfigFile.write(conf, PipelineBench.DETECTOR_PID, cfg);
                    await(seen, mark, s -> "model".equals(s.event())
                            && precision.equals(Json.str(s.data(), "model", "precision")), 30_000);
                    current = precision;
                    Thread.sleep(BEFORE_MS); // this unmeasured switch settles before the measured install
                }
                out.add(installDp(http, precision, seen, dpPath));
                Thread.sleep(BEFORE_MS);
            }
            reader.interrupt();
        }
        return out;
    }

    private Swap installDp(Http http, String precision, List<Seen> seen, String path) throws IOException, InterruptedException {
        byte[] bundle = Files.readAllBytes(ModelDp.modelBundle(root, precision));
        String from = ModelDp.modelVersion(bundle);
        String to = from + ".1"; // numerically higher: the detector prefers it (ModelSelector)
        // a new version per run: the gateway refuses the same version with other bytes (409) and downgrades
        String bv = "99.0.0.swapbench" + System.currentTimeMillis();
        byte[] dp = ModelDp.dp("vigie-model-ssd-mobilenet-v2-" + precision.toLowerCase(Locale.ROOT), bv,
                ModelDp.withVersions(bundle, to, bv));
        String sha;
        String signature; // detached Ed25519 signature over the whole file, what ./vigie sign writes
        try {
            sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(dp));
            Signature s = Signature.getInstance("Ed25519");
            s.initSign(signing.getPrivate());
            s.update(dp);
            signature = URLEncoder.encode(Base64.getEncoder().encodeToString(s.sign()), StandardCharsets.US_ASCII);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
        int mark = seen.size();
        long t0 = System.nanoTime();
        HttpClient c = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        int status;
        try {
            HttpRequest install = http.request("/vigie/api/packages?sha256=sha256:" + sha + "&signature=" + signature)
                    .timeout(Duration.ofSeconds(60)).header("Content-Type", "application/octet-stream")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(dp)).build();
            status = c.send(install, HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return new Swap(path, precision + " " + from, precision + " " + to, null, null, null, null,
                    "install call failed: " + e);
        }
        Seen first = await(seen, mark, s -> "detection".equals(s.event()) && to.equals(Json.str(s.data(), "model", "version"))
                && precision.equals(Json.str(s.data(), "model", "precision")), 30_000);
        Seen ev = await(seen, mark, s -> "model".equals(s.event()) && to.equals(Json.str(s.data(), "model", "version")), 1000);
        Double latency = first == null ? null : (first.receivedNanos() - t0) / 1e6;
        BenchRunner.log("swap %s %s %s -> %s: HTTP %d, %s ms", path, precision, from, to, status, Report.fmt(latency, 0));
        return new Swap(path, precision + " " + from, precision + " " + to, Json.round(latency),
                ev == null ? null : Json.round(Json.num(ev.data(), "swapMs")), status, window(seen, t0, BEFORE_MS, AFTER_MS),
                first == null ? "no frame on " + to + " within 30 s (HTTP " + status + ")" : null);
    }

    /** Frames streamed in [t0 - before, t0 + after]. */
    private static Continuity window(List<Seen> seen, long t0, long beforeMs, long afterMs) throws InterruptedException {
        long end = t0 + TimeUnit.MILLISECONDS.toNanos(afterMs);
        while (System.nanoTime() < end) Thread.sleep(50);
        long start = t0 - TimeUnit.MILLISECONDS.toNanos(beforeMs);
        List<Continuity.Frame> frames = new ArrayList<>();
        for (Seen s : seen) {
            if (!"detection".equals(s.event()) || s.receivedNanos() < start || s.receivedNanos() > end)
                continue;
            Double seq = Json.num(s.data(), "seq"), ts = Json.num(s.data(), "timestamp");
            if (seq != null && ts != null) frames.add(new Continuity.Frame(seq.longValue(), ts.longValue()));
        }
        return Continuity.of(frames);
    }

    /** Waits until the gateway's log holds {@code text} (e.g. the standby loaded), at most timeoutMs. */
    private static void awaitLog(Path log, String text, long timeoutMs) throws IOException, InterruptedException {
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (System.nanoTime() < end) {
            if (Files.isRegularFile(log) && Files.readString(log, StandardCharsets.UTF_8).contains(text)) {
                Thread.sleep(BEFORE_MS); // frames after it settled, before the measured swap
                return;
            }
            Thread.sleep(200);
        }
        BenchRunner.log("'%s' not in %s after %d ms: measuring anyway", text, log, timeoutMs);
    }

    private static Seen await(List<Seen> seen, int from, Predicate<Seen> p, long timeoutMs) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        int i = from;
        while (System.nanoTime() < end) {
            for (; i < seen.size(); i++) if (p.test(seen.get(i))) return seen.get(i);
            Thread.sleep(20);
        }
        return null;
    }

    /** Reads /vigie/events (SSE) into {@code seen} until interrupted or the stream ends. */
    private static Thread sseReader(Http http, List<Seen> seen) {
        Thread t = new Thread(() -> {
            HttpClient c = HttpClient.newHttpClient();
            try {
                HttpResponse<InputStream> r = c.send(http.request("/vigie/events").GET().build(),
                        HttpResponse.BodyHandlers.ofInputStream());
                try (BufferedReader br = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
                    String event = null, line;
                    while (!Thread.currentThread().isInterrupted() && (line = br.readLine()) != null) {
                        if (line.startsWith("event:")) event = line.substring(6).trim();
                        else if (line.startsWith("data:") && event != null) {
                            try {
                                seen.add(new Seen(System.nanoTime(), event,
                                        JsonParser.parseString(line.substring(5).trim()).getAsJsonObject()));
                            } catch (RuntimeException notJson) {
                                // keep-alive comments and non-object data are not frames
                            }
                        } else if (line.isEmpty()) event = null;
                    }
                }
            } catch (IOException e) {
                BenchRunner.log("SSE stream ended: %s", e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "swap-sse");
        t.setDaemon(true);
        t.start();
        return t;
    }
}
