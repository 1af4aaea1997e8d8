package io.vigie.it;

import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.URLEncoder;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import java.util.function.Supplier;

import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

/**
 * The real exported gateway jar, started as a separate JVM with its own conf and data dirs (public: the dashboard
 * tests in io.vigie.it.dashboard use it too).
 */
public final class Gateway implements AutoCloseable {
    public final Path dir;
    public final Path conf;
    public final Path data;
    public final Path log;
    public final int port;
    /** The /vigie user every request of these tests logs in as (its PBKDF2 hash is in io.vigie.web.auth.config). */
    public static final String USER = "it";
    public final String password = "it-" + Long.toHexString(new java.security.SecureRandom().nextLong());
    private Process process;
    static final String OTA = "io.vigie.ota";
    /**
     * This gateway's package signing key: the gateway requires signed packages by default, so its OTA configuration
     * always carries the public key ({@link #writeConfig} adds it) and the tests sign what they install.
     */
    final KeyPair signing = ed25519();
    /** How often the waits below ask again. */
    static final Duration POLL = Duration.ofMillis(250);
    public final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    public Gateway(Path dir) throws IOException {
        this.dir = dir;
        this.conf = Files.createDirectories(dir.resolve("conf"));
        this.data = Files.createDirectories(dir.resolve("data"));
        this.log = dir.resolve("gateway.log");
        this.port = freePort();
        writeConfig("io.vigie.web.auth", Map.of("users", new String[] { USER + ":" + pbkdf2(password) }));
        writeConfig(OTA, Map.of());
    }

    static KeyPair ed25519() {
        try {
            return KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A public key as the one base64 line {@code public.key} takes (what ./vigie keys prints). */
    static String publicKey(KeyPair kp) {
        return Base64.getEncoder().encodeToString(kp.getPublic().getEncoded());
    }

    /** The detached signature of a whole package, base64: what ./vigie sign writes to X.dp.sig. */
    static String signature(KeyPair kp, byte[] dp) {
        try {
            Signature s = Signature.getInstance("Ed25519");
            s.initSign(kp.getPrivate());
            s.update(dp);
            return Base64.getEncoder().encodeToString(s.sign());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** This gateway's signature of a package. */
    String signature(byte[] dp) {
        return signature(signing, dp);
    }

    /** {@code signature=<url-encoded base64>}, the REST query parameter carrying this gateway's signature. */
    String signatureParam(byte[] dp) {
        return "signature=" + URLEncoder.encode(signature(dp), StandardCharsets.US_ASCII);
    }

    /** The stored form ./vigie password writes ({pbkdf2-sha256}ITER:SALT:HASH), computed here with the JRE. */
    public static String pbkdf2(String password) {
        try {
            byte[] salt = new byte[16];
            new java.security.SecureRandom().nextBytes(salt);
            int iterations = 20_000; // tests: cheap, still above the gateway's minimum
            byte[] dk = javax.crypto.SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256")
                    .generateSecret(new javax.crypto.spec.PBEKeySpec(password.toCharArray(), salt, iterations, 256)).getEncoded();
            java.util.HexFormat hex = java.util.HexFormat.of();
            return "{pbkdf2-sha256}" + iterations + ":" + hex.formatHex(salt) + ":" + hex.formatHex(dk);
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A request to the gateway, logged in as {@link #USER}, with the same-origin proof scripts send
     * ({@code X-Requested-By}: the web bundle's request guard refuses state changes without one).
     */
    public HttpRequest.Builder request(String path) {
        return loggedIn(path).header("X-Requested-By", "vigie-it");
    }

    /** A request logged in as {@link #USER} without any same-origin proof (the request guard's own tests add theirs). */
    public HttpRequest.Builder loggedIn(String path) {
        return HttpRequest.newBuilder(uri(path)).header("Authorization", "Basic " + java.util.Base64.getEncoder()
                .encodeToString((USER + ":" + password).getBytes(StandardCharsets.UTF_8)));
    }

    /** A GET without credentials. */
    public HttpResponse<String> anonymousGet(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static Path jar() {
        Path jar = Path.of(System.getProperty("vigie.gateway.jar", "../gateway/target/vigie-gateway.jar"));
        if (!Files.isRegularFile(jar)) throw new IllegalStateException("gateway jar not built: " + jar.toAbsolutePath());
        return jar;
    }

    /** ../shared/media/vtest.avi: these tests need the shared media folder (CI passes -Dvigie.shared). */
    static Path vtest() {
        Path p = Path.of(System.getProperty("vigie.shared", "../../../shared"), "media", "vtest.avi");
        if (!Files.isRegularFile(p))
            throw new IllegalStateException("needs ../shared/media/vtest.avi, not found at " + p.toAbsolutePath());
        return p;
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /**
     * Writes a typed ConfigAdmin file ({@code <pid>.config}, the format fileinstall reads with
     * arrays): strings quoted, String[] as {@code ["a","b"]}. Written atomically.
     */
    public void writeConfig(String pid, Map<String, Object> props) throws IOException {
        if (pid.equals(OTA) && !props.containsKey("public.key")) { // this gateway's key, unless a test sets its own
            Map<String, Object> withKey = new LinkedHashMap<>(props);
            withKey.put("public.key", publicKey(signing));
            props = withKey;
        }
        io.vigie.testkit.GatewayProcess.writeConfig(conf, dir, pid, props);
    }

    /** The standalone cloud connection (io.vigie.cloud.paho) to a broker; store null: its default folder. */
    void writeCloudConfig(String brokerUri, String clientId, String account, Path store) throws IOException {
        Map<String, Object> c = new java.util.LinkedHashMap<>();
        c.put("broker.uri", brokerUri);
        c.put("client.id", clientId);
        c.put("account.name", account);
        if (store != null) c.put("store.path", store.toString());
        writeConfig("io.vigie.cloud.paho", c);
    }

    /** Starts the gateway the way users do: {@code ./vigie run} (never builds here: VIGIE_NO_BUILD=1). */
    public void start() throws IOException {
        process = io.vigie.testkit.GatewayProcess.start(root(), conf, data, port, dir, log,
                Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }

    long pid() {
        return process.pid();
    }

    public boolean alive() {
        return process != null && process.isAlive();
    }

    public String logText() throws IOException {
        return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
    }

    public HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(request(path).timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<InputStream> stream(String path) throws IOException, InterruptedException {
        return http.send(request(path).GET().build(), HttpResponse.BodyHandlers.ofInputStream());
    }

    /** POST with a body and content type (the OTA REST API). */
    HttpResponse<String> post(String path, byte[] body, String contentType) throws IOException, InterruptedException {
        return http.send(request(path).timeout(Duration.ofSeconds(120)).header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> delete(String path) throws IOException, InterruptedException {
        return http.send(request(path).timeout(Duration.ofSeconds(60)).DELETE().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** The checkout root (the gateway jar is ROOT/features/gateway/target/vigie-gateway.jar). */
    static Path root() {
        return jar().toAbsolutePath().normalize().getParent().getParent().getParent().getParent();
    }

    public URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    public JsonObject json(String path) throws IOException, InterruptedException {
        HttpResponse<String> r = get(path);
        if (r.statusCode() != 200) throw new IOException(path + " -> HTTP " + r.statusCode() + ": " + r.body());
        return JsonParser.parseString(r.body()).getAsJsonObject();
    }

    /** Polls a JSON endpoint until the predicate holds; fails with the last body and the log tail. */
    public JsonObject awaitJson(String path, Predicate<JsonObject> ok, long timeoutMs) throws IOException {
        AtomicReference<String> last = new AtomicReference<>("(no answer)");
        return await(path, Duration.ofMillis(timeoutMs), () -> {
            if (!alive()) throw new AssertionError("gateway died:\n" + tail());
            try {
                JsonObject o = json(path);
                last.set(o.toString());
                return o;
            } catch (IOException e) {
                last.set(e.toString()); // not up yet, or restarting its connectors
                return null;
            }
        }, o -> o != null && ok.test(o), () -> "; last: " + last.get());
    }

    /** Frames keep coming on that precision (10 more counted) and people are detected on it. */
    void awaitDetectionsContinue(String precision, long timeoutMs) throws IOException, InterruptedException {
        long before = json("/vigie/api/status").get("framesProcessed").getAsLong();
        awaitJson("/vigie/api/detections", d -> precision.equals(d.getAsJsonObject("model").get("precision").getAsString())
                && d.getAsJsonArray("detections").size() > 0, timeoutMs);
        awaitJson("/vigie/api/status",
                s -> GatewayIT.running(s, precision) && s.get("framesProcessed").getAsLong() > before + 10, timeoutMs);
    }

    /** Polls (Awaitility) until the value is ok; on timeout fails with what was awaited and the gateway's log tail. */
    <T> T await(String what, Duration atMost, Callable<T> poll, Predicate<? super T> ok) throws IOException {
        return await(what, atMost, poll, ok, () -> "");
    }

    /** ... and with {@code last} (what was seen) after the timeout message. */
    <T> T await(String what, Duration atMost, Callable<T> poll, Predicate<? super T> ok, Supplier<String> last)
            throws IOException {
        try {
            return Awaitility.await(what).atMost(atMost).pollDelay(Duration.ZERO).pollInterval(POLL)
                    .until(poll, ok::test);
        } catch (ConditionTimeoutException e) {
            throw new AssertionError(e.getMessage() + last.get() + "\n---- gateway log tail ----\n" + tail(), e);
        }
    }

    /** {@link #await(String, Duration, Callable, Predicate)} for a yes/no condition. */
    void await(String what, Duration atMost, Callable<Boolean> condition) throws IOException {
        await(what, atMost, condition, Boolean.TRUE::equals);
    }

    public String tail() throws IOException {
        String t = logText();
        return t.length() > 6000 ? t.substring(t.length() - 6000) : t;
    }

    /** SIGKILL (the launcher execs java, so this is the JVM itself): a crash, no shutdown hook, no store close. */
    public void kill() throws InterruptedException {
        if (process == null) return;
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws Exception {
        io.vigie.testkit.GatewayProcess.stop(process, 15);
    }
}
