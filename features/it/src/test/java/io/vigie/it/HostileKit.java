package io.vigie.it;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

/**
 * Shared by the hostile-input ITs (HostilePackagesIT, HostileWebIT, CrashDuringInstallIT): requests that carry the
 * same-origin proof scripts send, crafted deployment packages, and a frame watch over SSE.
 */
public final class HostileKit {
    public static final String API = "/vigie/api/packages";
    public static final String STATUS = "/vigie/api/status";
    static final String INT8 = "vigie-model-ssd-mobilenet-v2-int8";
    static final String DETECTOR = "io.vigie.detector";

    private HostileKit() {
    }

    /** More configuration written before a gateway starts. */
    public interface Setup {
        void apply(Gateway gw) throws Exception;
    }

    /** vtest.avi looped in real time on INT8, no zones: the detector serves frames for the whole class. */
    public static Map<String, Object> detector(String precision) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("source.uri", Gateway.vtest().toAbsolutePath().toString());
        m.put("source.loop", "true");
        m.put("source.realtime", "true");
        m.put("model.precision", precision);
        m.put("threads", "2");
        m.put("score.threshold", "0.5");
        m.put("zones", new String[] { "floor:0,0.25;1,0.25;1,1;0,1" });
        return m;
    }

    /**
     * A gateway in a new folder under target/ analysing vtest.avi on INT8, with these io.vigie.ota settings (none
     * written when empty) and any other configuration {@code more} writes before the start; returns once it serves.
     */
    public static Gateway start(String prefix, Map<String, Object> ota, Setup more) throws Exception {
        Gateway gw = new Gateway(Files.createTempDirectory(Path.of("target").toAbsolutePath(), prefix));
        gw.writeConfig(DETECTOR, detector("INT8"));
        if (!ota.isEmpty()) gw.writeConfig("io.vigie.ota", ota);
        more.apply(gw);
        gw.start();
        gw.awaitJson(STATUS, s -> serving(s, "INT8"), 120_000);
        // the packages servlet is its own component: it may register after the detector serves (405/404 until then)
        gw.awaitJson(API, p -> p.has("packages"), 60_000);
        return gw;
    }

    /** An HTTP server on 127.0.0.1 (ephemeral port) serving these bytes by path, 404 for the rest; started. */
    static com.sun.net.httpserver.HttpServer serve(Map<String, byte[]> files) throws IOException {
        com.sun.net.httpserver.HttpServer http =
                com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress("127.0.0.1", 0), 0);
        http.createContext("/", x -> {
            try (x) {
                byte[] b = files.get(x.getRequestURI().getPath());
                if (b == null) {
                    x.sendResponseHeaders(404, -1);
                    return;
                }
                x.sendResponseHeaders(200, b.length);
                try (java.io.OutputStream out = x.getResponseBody()) {
                    out.write(b);
                }
            }
        });
        http.start();
        return http;
    }

    /** The INT8 model bundle of this checkout's build (what the gateway jar embeds). */
    static byte[] int8Bundle() {
        try {
            return Files.readAllBytes(TestDp.modelBundle("int8"));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static String version(byte[] bundle) {
        try {
            return TestDp.bundleVersion(bundle);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** A short health window (6 s) and no latency budget: the first install is judged within seconds. */
    static Map<String, Object> quickVerdicts() {
        return Map.of("health.window.seconds", "6", "health.latency.budget.ms", "0");
    }

    /** Stops the gateway (if started) and prints its log tail, for the test report. */
    public static void stop(Gateway gw) throws Exception {
        if (gw == null) return;
        gw.close();
        System.out.println("---- gateway log tail ----\n" + gw.tail());
    }

    /** Installs a package and waits for its health verdict: HEALTHY, else fails. */
    static void installHealthy(Gateway gw, byte[] dp, String name) throws Exception {
        HttpResponse<String> r = postDp(gw, dp);
        if (r.statusCode() != 200) throw new AssertionError("install refused: " + r.statusCode() + " " + r.body());
        JsonObject last = gw.awaitJson(API, o -> o.getAsJsonObject("health").getAsJsonObject("last").has(name), 90_000)
                .getAsJsonObject("health").getAsJsonObject("last").getAsJsonObject(name);
        if (!"HEALTHY".equals(last.get("state").getAsString())) throw new AssertionError("not healthy: " + last);
    }

    /** RUNNING with an active model of that precision. */
    public static boolean serving(JsonObject status, String precision) {
        JsonElement m = status.get("activeModel");
        JsonElement s = status.get("state");
        return s != null && "RUNNING".equals(s.getAsString()) && m != null && m.isJsonObject()
                && precision.equals(m.getAsJsonObject().get("precision").getAsString());
    }

    static String activeSha(Gateway gw) throws Exception {
        return gw.json(STATUS).getAsJsonObject("activeModel").get("sha256").getAsString();
    }

    static long frames(Gateway gw) throws Exception {
        return gw.json(STATUS).get("framesProcessed").getAsLong();
    }

    /** name -> version of every package, in the order listed; a name listed twice fails. */
    static Map<String, String> packages(Gateway gw) throws Exception {
        Map<String, String> m = new LinkedHashMap<>();
        for (JsonElement e : gw.json(API).getAsJsonArray("packages")) {
            String name = e.getAsJsonObject().get("name").getAsString();
            if (m.put(name, e.getAsJsonObject().get("version").getAsString()) != null)
                throw new AssertionError(name + " listed twice: " + gw.json(API));
        }
        return m;
    }

    /** The store's package and index files (dp/*.dp, dp/*.properties): what a refused package must not change. */
    static TreeSet<String> storeFiles(Gateway gw) throws IOException {
        Path dp = gw.data.resolve("dp");
        TreeSet<String> names = new TreeSet<>();
        if (!Files.isDirectory(dp)) return names;
        try (Stream<Path> s = Files.list(dp)) {
            s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".dp") || n.endsWith(".properties"))
                    .forEach(names::add);
        }
        return names;
    }

    /** A POST a script sends: logged in, with the X-Requested-By header ({@link Gateway#request}). */
    static HttpResponse<String> post(Gateway gw, String path, byte[] body, String type) throws Exception {
        return gw.http.send(gw.request(path).timeout(Duration.ofSeconds(120))
                .header("Content-Type", type).POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** A package upload signed with the gateway's key: refusals below are about the package, not its signature. */
    static HttpResponse<String> postDp(Gateway gw, byte[] dp) throws Exception {
        return post(gw, API + "?" + gw.signatureParam(dp), dp, "application/octet-stream");
    }

    static String error(HttpResponse<String> r) {
        try {
            JsonObject o = JsonParser.parseString(r.body()).getAsJsonObject();
            return o.has("error") ? o.get("error").getAsString() : "";
        } catch (RuntimeException e) {
            return "";
        }
    }

    static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    /** One extra zip entry of a crafted package; {@code named}: it gets a Name: section in the manifest. */
    record Extra(String name, byte[] bytes, boolean named) {
    }

    /**
     * A model DP (manifest first, then the bundle) plus extra entries, written with ZipOutputStream so any name
     * goes in as given; long manifest lines are folded the way the jar spec wants (72 bytes).
     */
    static byte[] dp(String name, String version, byte[] bundle, List<Extra> extras) throws IOException {
        Attributes main = TestDp.manifest(bundle).getMainAttributes();
        String bsn = main.getValue("Bundle-SymbolicName").split(";")[0].trim();
        String entry = "bundles/" + bsn + ".jar";
        StringBuilder mf = new StringBuilder();
        line(mf, "Manifest-Version: 1.0");
        line(mf, "DeploymentPackage-SymbolicName: " + name);
        line(mf, "DeploymentPackage-Version: " + version);
        line(mf, "Vigie-Kind: model");
        mf.append("\r\n");
        line(mf, "Name: " + entry);
        line(mf, "Bundle-SymbolicName: " + bsn);
        line(mf, "Bundle-Version: " + main.getValue("Bundle-Version"));
        mf.append("\r\n");
        for (Extra x : extras) {
            if (!x.named()) continue;
            line(mf, "Name: " + x.name());
            line(mf, "Vigie-Note: crafted");
            mf.append("\r\n");
        }
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (JarOutputStream out = new JarOutputStream(bos)) {
            out.putNextEntry(new ZipEntry("META-INF/MANIFEST.MF"));
            out.write(mf.toString().getBytes(StandardCharsets.UTF_8));
            out.closeEntry();
            out.putNextEntry(new ZipEntry(entry));
            out.write(bundle);
            out.closeEntry();
            for (Extra x : extras) {
                out.putNextEntry(new ZipEntry(x.name()));
                out.write(x.bytes());
                out.closeEntry();
            }
        }
        return bos.toByteArray();
    }

    /** A manifest line folded at 72 bytes (continuations start with one space); names here are ASCII. */
    private static void line(StringBuilder mf, String l) {
        int max = 70;
        mf.append(l, 0, Math.min(max, l.length())).append("\r\n");
        for (int i = max; i < l.length(); i += max - 1)
            mf.append(' ').append(l, i, Math.min(i + max - 1, l.length())).append("\r\n");
    }

    /** A model DP whose one entry named {@code bombName} inflates to {@code mib} MiB of zeros. */
    static byte[] bombDp(String name, String version, byte[] bundle, String bombName, int mib) throws IOException {
        byte[] zeros = new byte[1 << 20];
        ByteArrayOutputStream big = new ByteArrayOutputStream();
        byte[] plain = dp(name, version, bundle, List.of(new Extra(bombName, new byte[0], true)));
        // rebuild with the real bomb streamed in (no 512 MiB array): same entries, the last one filled
        try (JarOutputStream out = new JarOutputStream(big);
                java.util.zip.ZipInputStream in = new java.util.zip.ZipInputStream(new java.io.ByteArrayInputStream(plain))) {
            out.setLevel(java.util.zip.Deflater.BEST_COMPRESSION);
            for (ZipEntry e; (e = in.getNextEntry()) != null;) {
                out.putNextEntry(new ZipEntry(e.getName()));
                if (e.getName().equals(bombName)) {
                    for (int i = 0; i < mib; i++) out.write(zeros);
                } else {
                    in.transferTo(out);
                }
                out.closeEntry();
            }
        }
        return big.toByteArray();
    }

    /** A copy of the model bundle with every .tflite entry zeroed (same size, same Bundle-Version). */
    static byte[] zeroedModel(byte[] bundle) throws IOException {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        int zeroed = 0;
        try (java.util.jar.JarInputStream in = new java.util.jar.JarInputStream(new java.io.ByteArrayInputStream(bundle));
                JarOutputStream out = new JarOutputStream(bos, in.getManifest())) {
            for (java.util.jar.JarEntry e; (e = in.getNextJarEntry()) != null;) {
                out.putNextEntry(new ZipEntry(e.getName()));
                byte[] b = in.readAllBytes();
                if (e.getName().endsWith(".tflite")) {
                    b = new byte[b.length];
                    zeroed++;
                }
                out.write(b);
                out.closeEntry();
            }
        }
        if (zeroed == 0) throw new IllegalStateException("no .tflite in the model bundle");
        return bos.toByteArray();
    }

    /** Arrival times of {@code event: detection} on /vigie/events: one per analysed frame (10/s cap per client). */
    static final class FrameWatch implements AutoCloseable {
        private final List<Long> arrivals = new ArrayList<>();
        private final Thread reader;
        private volatile InputStream body;

        FrameWatch(Gateway gw) throws Exception {
            HttpResponse<InputStream> r = gw.stream("/vigie/events");
            if (r.statusCode() != 200) throw new IllegalStateException("/vigie/events -> " + r.statusCode());
            body = r.body();
            reader = new Thread(() -> {
                try (BufferedReader in = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
                    for (String l; (l = in.readLine()) != null;) {
                        if (l.equals("event: detection")) {
                            synchronized (arrivals) {
                                arrivals.add(System.nanoTime());
                            }
                        }
                    }
                } catch (IOException e) {
                    // closed, or the gateway went away: the arrivals so far stand
                }
            }, "frame-watch");
            reader.setDaemon(true);
            reader.start();
        }

        /** Frames that arrived in [from, to] (System.nanoTime()). */
        int count(long from, long to) {
            synchronized (arrivals) {
                return (int) arrivals.stream().filter(t -> t >= from && t <= to).count();
            }
        }

        /** The longest time in ms without a frame within [from, to], its edges included. */
        long maxGapMs(long from, long to) {
            long last = from;
            long max = 0;
            synchronized (arrivals) {
                for (long t : arrivals) {
                    if (t < from || t > to) continue;
                    max = Math.max(max, t - last);
                    last = t;
                }
            }
            return Math.max(max, to - last) / 1_000_000;
        }

        @Override
        public void close() throws IOException {
            body.close();
        }
    }
}
