package io.vigie.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the exported target/vigie-gateway.jar as its own JVM (as ./vigie does) with a temp conf and
 * data dir and a free port, and checks it over HTTP through the Felix web console.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class GatewayJarIT {

    static final String CONSOLE = "/system/console";
    static final String PASSWORD = "it-" + Long.toHexString(System.nanoTime());

    @TempDir
    static Path dir;
    static Path conf;
    static Path log;
    static int port;
    static Process process;
    static Path framework;
    static List<String> bundleOptions;
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void start() throws Exception {
        Path jar = Path.of(System.getProperty("vigie.gateway.jar", "target/vigie-gateway.jar")).toAbsolutePath();
        assertTrue(Files.isRegularFile(jar), "gateway jar not exported: " + jar);
        conf = Files.createDirectories(dir.resolve("conf"));
        Path data = Files.createDirectories(dir.resolve("data"));
        log = dir.resolve("gateway.log");
        // the web console's hashed form: {sha-256} + base64(sha-256(utf-8 password))
        String hash = Base64.getEncoder().encodeToString(
                MessageDigest.getInstance("SHA-256").digest(PASSWORD.getBytes(StandardCharsets.UTF_8)));
        Files.writeString(conf.resolve("org.apache.felix.webconsole.internal.servlet.OsgiManager.cfg"),
                "username=admin\npassword={sha-256}" + hash + "\n");
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        framework = data.resolve("framework");
        List<String> cmd = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m"));
        // as ./vigie starts it: the bundles the build unpacked beside the jar, installed by reference (bundle-dir.sh)
        bundleOptions = bundleDirOptions(jar);
        cmd.addAll(bundleOptions);
        cmd.addAll(List.of("-Dvigie.conf=" + conf, "-Dvigie.data=" + data,
                "-Dfelix.cm.dir=" + data.resolve("config"), "-Dorg.osgi.framework.storage=" + framework,
                "-Dorg.osgi.service.http.port=" + port, "-jar", jar.toString()));
        process = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        await("web console up", () -> get(CONSOLE + "/bundles.json", null).statusCode(), c -> c == 401 || c == 200, 90_000);
    }

    @AfterAll
    static void stop() throws Exception {
        if (process == null) {
            return;
        }
        process.destroy(); // SIGTERM: the framework shuts down from its shutdown hook
        boolean exited = process.waitFor(30, TimeUnit.SECONDS);
        if (!exited) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            fail("gateway did not stop within 30 s of SIGTERM\n" + tail());
        }
    }

    static List<String> bundleDirOptions(Path jar) throws Exception {
        Process p = new ProcessBuilder("bash", Path.of("bundle-dir.sh").toAbsolutePath().toString(), "--options",
                jar.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        return out.lines().toList();
    }

    @Test
    void theUnpackedBundlesAreInstalledByReferenceNotCopiedIntoTheStorage() throws Exception {
        assertEquals(2, bundleOptions.size(), "the build unpacks the bundles beside the jar: " + bundleOptions);
        await("all bundles installed", () -> get(CONSOLE + "/bundles.json", "admin:" + PASSWORD).body(),
                b -> status(b)[0] > 20, 60_000);
        long copied;
        try (var files = Files.walk(framework)) {
            copied = files.filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum();
        }
        // embedded installs copy every bundle (109 MB, 86 MB of it the natives bundle) into the storage
        assertTrue(copied < 20L << 20, "framework storage holds " + copied + " bytes: bundles were copied");
        try (var infos = Files.list(framework)) {
            long byReference = infos.map(d -> d.resolve("bundle.info")).filter(Files::isRegularFile).filter(f -> {
                try {
                    return Files.readString(f, StandardCharsets.UTF_8).contains("reference:file:");
                } catch (IOException e) {
                    return false;
                }
            }).count();
            assertTrue(byReference > 20, byReference + " bundles installed by reference");
        }
    }

    @Test
    void consoleNeedsTheConfiguredCredentials() throws Exception {
        assertEquals(401, get(CONSOLE + "/bundles.json", null).statusCode());
        assertEquals(401, get(CONSOLE + "/bundles.json", "admin:admin").statusCode(), "Felix's default password must not work");
        assertEquals(200, get(CONSOLE + "/bundles.json", "admin:" + PASSWORD).statusCode());
    }

    @Test
    void everyBundleIsActive() throws Exception {
        // status array s = [total, active, fragments, resolved, installed]
        String body = await("all bundles active", () -> get(CONSOLE + "/bundles.json", "admin:" + PASSWORD).body(),
                b -> {
                    int[] s = status(b);
                    return s[0] > 20 && s[1] + s[2] + lazyStarting(b) == s[0];
                }, 60_000);
        int[] s = status(body);
        assertEquals(0, s[3] + s[4], "bundles not active: " + body);
        // A bundle with Bundle-ActivationPolicy: lazy stays STARTING until a class is loaded from it: OSGi's
        // contract, not a failure (Paho's libraries, unused without a broker). Any other STARTING bundle is stuck.
        Matcher starting = Pattern.compile("\\{[^{}]*\"state\":\"Starting\"[^{}]*\\}").matcher(body);
        while (starting.find()) {
            Matcher id = Pattern.compile("\"id\":(\\d+)").matcher(starting.group());
            assertTrue(id.find(), starting.group());
            String detail = get(CONSOLE + "/bundles/" + id.group(1) + ".json", "admin:" + PASSWORD).body();
            assertTrue(detail.matches("(?s).*Bundle-ActivationPolicy: lazy.*"),
                    "stuck in STARTING without a lazy activation policy: " + starting.group() + "\n" + detail);
        }
        for (String bsn : List.of("io.vigie.api", "io.vigie.kura.provider", "io.vigie.runtime.logging",
                "org.apache.felix.scr", "org.apache.felix.fileinstall", "org.apache.felix.http.jetty")) {
            assertTrue(body.contains("\"symbolicName\":\"" + bsn + "\""), bsn + " missing from " + body);
        }
    }

    @Test
    void aDroppedCfgReachesConfigAdmin() throws Exception {
        String value = "v" + System.nanoTime();
        Path tmp = dir.resolve("io.vigie.it.probe.cfg.tmp");
        Files.writeString(tmp, "probe.key=" + value + "\n");
        Files.move(tmp, conf.resolve("io.vigie.it.probe.cfg"), StandardCopyOption.ATOMIC_MOVE);
        await("config visible in ConfigAdmin",
                () -> get(CONSOLE + "/configMgr/io.vigie.it.probe.json", "admin:" + PASSWORD).body(),
                b -> b.contains(value), 30_000);
        // a change applies live
        Files.writeString(tmp, "probe.key=" + value + "-2\n");
        Files.move(tmp, conf.resolve("io.vigie.it.probe.cfg"), StandardCopyOption.ATOMIC_MOVE,
                StandardCopyOption.REPLACE_EXISTING);
        await("config update visible",
                () -> get(CONSOLE + "/configMgr/io.vigie.it.probe.json", "admin:" + PASSWORD).body(),
                b -> b.contains(value + "-2"), 30_000);
    }

    @Test
    void aCrossSiteFormPostToTheConsoleIsRefusedASameOriginOneApplies() throws Exception {
        // Browsers re-send the console's cached Basic credentials with a cross-site form POST: without the guard
        // this request creates a configuration (it did before io.vigie.web.console.guard existed).
        String pid = "io.vigie.it.csrf";
        String form = "apply=true&action=ajaxConfigManager&propertylist=probe.key&probe.key=";
        HttpResponse<String> evil = post(CONSOLE + "/configMgr/" + pid, form + "evil", "http://evil.example");
        assertEquals(403, evil.statusCode(), evil.body());
        assertTrue(!get(CONSOLE + "/configMgr/" + pid + ".json", "admin:" + PASSWORD).body().contains("evil"));
        HttpResponse<String> own = post(CONSOLE + "/configMgr/" + pid, form + "mine", "http://127.0.0.1:" + port);
        assertTrue(own.statusCode() < 400, own.statusCode() + " " + own.body());
        await("same-origin console change applied",
                () -> get(CONSOLE + "/configMgr/" + pid + ".json", "admin:" + PASSWORD).body(), b -> b.contains("mine"),
                30_000);
    }

    @Test
    void osgiLogErrorsArePrintedWithBundleAndLevel() throws Exception {
        // a broken typed config makes fileinstall log an error through the OSGi log service
        Files.writeString(conf.resolve("io.vigie.it.broken.config"), "x=I\"not-a-number\"\n");
        await("OSGi log entry printed", GatewayJarIT::logText,
                t -> t.contains("osgi.org.apache.felix.fileinstall") && t.contains("[ERROR]"), 30_000);
    }

    @Test
    @Order(Integer.MAX_VALUE) // last: it locks the console
    void removingTheConsoleConfigLocksTheConsoleInsteadOfFallingBackToFelixDefaults() throws Exception {
        Files.delete(conf.resolve("org.apache.felix.webconsole.internal.servlet.OsgiManager.cfg"));
        await("old password refused", () -> get(CONSOLE + "/bundles.json", "admin:" + PASSWORD).statusCode(),
                c -> c == 401, 30_000);
        assertEquals(401, get(CONSOLE + "/bundles.json", "admin:admin").statusCode(), "Felix's default password must not work");
    }

    // ---- helpers

    /** Bundles in STARTING state (lazy activation policy, waiting for their first class load). */
    static int lazyStarting(String bundlesJson) {
        Matcher m = Pattern.compile("\"state\":\"Starting\"").matcher(bundlesJson);
        int n = 0;
        while (m.find()) n++;
        return n;
    }

    static int[] status(String bundlesJson) {
        Matcher m = Pattern.compile("\"s\":\\[(\\d+),(\\d+),(\\d+),(\\d+),(\\d+)\\]").matcher(bundlesJson);
        if (!m.find()) {
            return new int[] { 0, 0, 0, 0, 0 };
        }
        int[] s = new int[5];
        for (int i = 0; i < 5; i++) {
            s[i] = Integer.parseInt(m.group(i + 1));
        }
        return s;
    }

    static HttpResponse<String> get(String path, String userPass) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10)).GET();
        if (userPass != null) {
            b.header("Authorization", "Basic " + Base64.getEncoder().encodeToString(userPass.getBytes(StandardCharsets.UTF_8)));
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A url-encoded form POST to the console with the right credentials, as a browser sends it from origin. */
    static HttpResponse<String> post(String path, String form, String origin) throws IOException, InterruptedException {
        HttpRequest r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10)).header("Origin", origin)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("Authorization", "Basic " + Base64.getEncoder().encodeToString(
                        ("admin:" + PASSWORD).getBytes(StandardCharsets.UTF_8)))
                .POST(HttpRequest.BodyPublishers.ofString(form)).build();
        return HTTP.send(r, HttpResponse.BodyHandlers.ofString());
    }

    /** Polls (Awaitility) while the gateway lives; on timeout fails with the last answer and the log tail. */
    static <T> T await(String what, Callable<T> probe, Predicate<T> ok, long timeoutMs) throws Exception {
        AtomicReference<Object> last = new AtomicReference<>();
        try {
            return Awaitility.await(what).atMost(Duration.ofMillis(timeoutMs)).pollDelay(Duration.ZERO)
                    .pollInterval(Duration.ofMillis(250)).until(() -> {
                        if (!process.isAlive()) fail("gateway died while waiting for " + what + "\n" + tail());
                        try {
                            T v = probe.call();
                            last.set(v);
                            return v;
                        } catch (IOException e) {
                            last.set(e); // not listening yet
                            return null;
                        }
                    }, v -> v != null && ok.test(v));
        } catch (ConditionTimeoutException e) {
            String l = String.valueOf(last.get());
            return fail("timeout waiting for " + what + "; last: " + (l.length() > 2000 ? l.substring(0, 2000) : l)
                    + "\n" + tail());
        }
    }

    static String logText() throws IOException {
        return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
    }

    static String tail() throws IOException {
        String t = logText();
        return t.length() > 6000 ? t.substring(t.length() - 6000) : t;
    }
}
