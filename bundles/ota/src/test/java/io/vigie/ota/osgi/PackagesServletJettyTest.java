package io.vigie.ota.osgi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.net.URLEncoder;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.servlet.ServletContextHandler;
import org.eclipse.jetty.servlet.ServletHolder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import io.vigie.ota.core.Background;
import io.vigie.ota.core.DownloadPolicy;
import io.vigie.ota.core.DpStore;
import io.vigie.ota.core.FakeDa;
import io.vigie.ota.core.GuardedPackages;
import io.vigie.ota.core.HashSpec;
import io.vigie.ota.core.HealthPolicy;
import io.vigie.ota.core.ModelGuard;
import io.vigie.ota.core.ModelRef;
import io.vigie.ota.core.PackageManager;
import io.vigie.ota.core.PackageSigner;
import io.vigie.ota.core.TestDps;
import io.vigie.ota.core.TestHttp;

/** The packages servlet in Jetty 9.4 (Kura's line) under /vigie, on a real package manager and a fake DeploymentAdmin. */
class PackagesServletJettyTest {
    @TempDir
    Path tmp;
    Server server;
    int port;
    String base;
    Path incoming;
    GuardedPackages packages;
    FakeDa da;
    final HttpClient client = HttpClient.newHttpClient();
    static final long MAX = 1_000_000;

    /** What the wiring component would share. */
    record Agent(PackageManager packages, DpStore store, ModelGuard guard, ExecutorService installs, Path incoming)
            implements OtaAgent {
    }

    /** What OtaComponent gives the servlet: one background thread. */
    final ExecutorService installs = Executors.newSingleThreadExecutor(Background.threads("test-ota-install"));

    @BeforeEach
    void start() throws Exception {
        packages = new GuardedPackages(tmp.resolve("dp"), new HealthPolicy(60_000, 0, 0, 0), System::currentTimeMillis, o -> { });
        da = packages.da;
        incoming = Files.createDirectories(tmp.resolve("dp/incoming"));
        // local addresses allowed: the URL test's server is on 127.0.0.1
        PackagesServlet servlet = new PackagesServlet(new Agent(packages.pm, packages.store, packages.guard, installs,
                incoming), 5_000,
                MAX, DownloadPolicy.LOCAL);
        server = new Server(0);
        ServletContextHandler ctx = new ServletContextHandler();
        ctx.setContextPath("/vigie");
        ServletHolder holder = new ServletHolder(servlet);
        // what the whiteboard registration asks of the container (PackagesServlet.whiteboard)
        holder.getRegistration().setMultipartConfig(PackagesServlet.multipartConfig(MAX, incoming));
        ctx.addServlet(holder, "/api/packages");
        ctx.addServlet(holder, "/api/packages/*");
        server.setHandler(ctx);
        server.start();
        port = ((ServerConnector) server.getConnectors()[0]).getLocalPort();
        base = "http://127.0.0.1:" + port + "/vigie/api/packages";
    }

    @AfterEach
    void stop() throws Exception {
        server.stop();
        installs.shutdownNow();
    }

    HttpResponse<String> send(HttpRequest.Builder b) throws Exception {
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static JsonObject json(HttpResponse<String> r) {
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/json"), r.headers().toString());
        return JsonParser.parseString(r.body()).getAsJsonObject();
    }

    HttpResponse<String> postRaw(Path dp) throws Exception {
        return send(raw(base).POST(HttpRequest.BodyPublishers.ofFile(dp)));
    }

    static HttpRequest.Builder raw(String url) {
        return HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/octet-stream");
    }

    @Test
    void signaturesAreRequiredByDefaultAndTheListSaysWhenTheyAreNot() throws Exception {
        packages.pm.options(OtaComponent.packageOptions(OtaConfigs.of(Map.of())));
        JsonObject list = json(send(HttpRequest.newBuilder(URI.create(base))));
        assertTrue(list.get("signatureRequired").getAsBoolean(), list.toString());
        assertEquals(0, list.get("signatureKeys").getAsInt());
        Path dp = TestDps.model(tmp, "signed", "io.signed", "1.0.0");
        HttpResponse<String> noKey = postRaw(dp);
        assertEquals(500, noKey.statusCode(), noKey.body());
        assertTrue(json(noKey).get("error").getAsString().contains("./vigie keys"), noKey.body());

        PackageSigner.KeyFiles keys = PackageSigner.generate(tmp.resolve("keys"), false);
        packages.pm.options(OtaComponent.packageOptions(OtaConfigs.of(Map.of("public_key",
                new String[] { keys.publicKeyBase64() }))));
        HttpResponse<String> unsigned = postRaw(dp);
        assertEquals(422, unsigned.statusCode(), unsigned.body());
        String sig = Files.readString(PackageSigner.signFile(PackageSigner.readPrivateKey(keys.privateKey()), dp)).strip();
        HttpResponse<String> signed = send(raw(base + "?signature=" + URLEncoder.encode(sig, StandardCharsets.US_ASCII))
                .POST(HttpRequest.BodyPublishers.ofFile(dp)));
        assertEquals(200, signed.statusCode(), signed.body());
        assertEquals(1, json(send(HttpRequest.newBuilder(URI.create(base)))).get("signatureKeys").getAsInt());

        packages.pm.options(OtaComponent.packageOptions(OtaConfigs.of(Map.of("signature_required", false))));
        assertFalse(json(send(HttpRequest.newBuilder(URI.create(base)))).get("signatureRequired").getAsBoolean());
    }

    @Test
    void rawUploadInstallsThenGetListsAndDeleteUninstalls() throws Exception {
        Path dp = TestDps.model(tmp, "plain", "io.plain", "1.0.0");
        HttpResponse<String> r = postRaw(dp);
        assertEquals(200, r.statusCode(), r.body());
        JsonObject o = json(r);
        assertEquals("plain", o.get("installed").getAsString());
        assertEquals("1.0.0", o.get("version").getAsString());
        assertEquals(HashSpec.sha256(dp), o.get("sha256").getAsString());
        assertEquals("io.plain 1.0.0", o.getAsJsonArray("bundles").get(0).getAsString());
        assertEquals("none", o.get("healthCheck").getAsString(), "no model: nothing to watch");

        JsonObject list = json(send(HttpRequest.newBuilder(URI.create(base))));
        assertEquals("plain", list.getAsJsonArray("packages").get(0).getAsJsonObject().get("name").getAsString());
        assertEquals(0, list.getAsJsonObject("health").getAsJsonArray("watching").size());
        JsonObject one = json(send(HttpRequest.newBuilder(URI.create(base + "/plain"))));
        assertEquals("io.plain", one.getAsJsonArray("bundles").get(0).getAsJsonObject().get("symbolicName").getAsString());

        HttpResponse<String> del = send(HttpRequest.newBuilder(URI.create(base + "/plain")).DELETE());
        assertEquals(200, del.statusCode(), del.body());
        assertEquals("plain", json(del).get("uninstalled").getAsString());
        assertEquals(List.of("UNINSTALLED plain"), packages.events);
        assertTrue(da.installed.isEmpty());
        // the install and the uninstall ran on the background thread, not on Jetty's request thread
        assertEquals(2, da.callers.size());
        for (Thread t : da.callers) {
            assertEquals("test-ota-install", t.getName());
            assertEquals(Thread.MIN_PRIORITY, t.getPriority());
        }
        try (var left = Files.list(tmp.resolve("dp/incoming"))) {
            assertEquals(0, left.count(), "uploads are deleted after the install");
        }
    }

    @Test
    void aModelPackageIsWatchedAndShownInTheHealthState() throws Exception {
        ModelRef m = new ModelRef("ssd", "INT8", "2.0.0", "b".repeat(64));
        HttpResponse<String> r = postRaw(TestDps.model(tmp, "ssd-int8", "io.ssd", "2.0.0", m));
        assertEquals("watching", json(r).get("healthCheck").getAsString(), r.body());
        JsonObject list = json(send(HttpRequest.newBuilder(URI.create(base))));
        JsonObject health = list.getAsJsonObject("health");
        assertEquals("ssd-int8", health.getAsJsonArray("watching").get(0).getAsString());
        // the countdown the packages page shows
        JsonObject w = health.getAsJsonArray("watches").get(0).getAsJsonObject();
        assertEquals("ssd-int8", w.get("name").getAsString());
        assertEquals("2.0.0", w.get("version").getAsString());
        assertEquals("waiting", w.get("phase").getAsString(), "no frame on the model yet");
        long left = w.get("remainingMs").getAsLong();
        assertTrue(left > 0 && left <= 60_000, w.toString());
        assertEquals(left + 60_000, w.get("maxRemainingMs").getAsLong(), "a judging window follows the wait");
        assertEquals(60_000, w.get("windowMs").getAsLong());
        assertTrue(w.get("checks").getAsString().contains("within 60 s"), w.toString());
        assertTrue(health.get("now").getAsLong() > 0);
        // the verdict, with the time it came; the watch is gone
        long at = System.currentTimeMillis() + 61_000;
        packages.guard.tick(at);
        health = json(send(HttpRequest.newBuilder(URI.create(base)))).getAsJsonObject("health");
        assertEquals(0, health.getAsJsonArray("watches").size(), health.toString());
        JsonObject last = health.getAsJsonObject("last").getAsJsonObject("ssd-int8");
        assertEquals("HEALTHY", last.get("state").getAsString(), last.toString());
        assertEquals(at, last.get("at").getAsLong());
        assertTrue(last.get("reason").getAsString().contains("not observed"), last.toString());
    }

    HttpResponse<String> postJson(String json) throws Exception {
        return send(HttpRequest.newBuilder(URI.create(base)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)));
    }

    @Test
    void jsonInstallFromAnHttpUrlAndMultipartWithItsHash() throws Exception {
        Path dp = TestDps.model(tmp, "plain", "io.plain", "1.0.0");
        try (TestHttp http = new TestHttp()) {
            http.files.put("/plain.dp", Files.readAllBytes(dp));
            HttpResponse<String> r = postJson("{\"url\":\"" + http.url("/plain.dp") + "\",\"sha256\":\""
                    + HashSpec.sha256(dp) + "\"}");
            assertEquals(200, r.statusCode(), r.body());
        }
        assertEquals(List.of("plain 1.0.0"), da.installs);

        Path dp2 = TestDps.model(Files.createDirectories(tmp.resolve("v2")), "plain", "io.plain", "2.0.0");
        String boundary = "vigie-test-boundary";
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"sha256\"\r\n\r\n" + HashSpec.sha256(dp2)
                + "\r\n--" + boundary + "\r\nContent-Disposition: form-data; name=\"dp\"; filename=\"plain.dp\"\r\n"
                + "Content-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        body.write(Files.readAllBytes(dp2));
        body.write(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        HttpResponse<String> m = send(HttpRequest.newBuilder(URI.create(base))
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())));
        assertEquals(200, m.statusCode(), m.body());
        assertEquals(List.of("plain 1.0.0", "plain 2.0.0"), da.installs);
    }

    @Test
    void refusalsAreJsonErrorsWithTheirStatus() throws Exception {
        Path dp = TestDps.model(tmp, "plain", "io.plain", "1.0.0");
        HttpResponse<String> wrongHash = send(raw(base + "?sha256=" + "0".repeat(64))
                .POST(HttpRequest.BodyPublishers.ofFile(dp)));
        assertEquals(422, wrongHash.statusCode(), wrongHash.body());
        assertTrue(json(wrongHash).get("error").getAsString().contains("mismatch"), wrongHash.body());
        assertEquals(422, json(wrongHash).get("status").getAsInt());

        HttpResponse<String> empty = send(raw(base).POST(HttpRequest.BodyPublishers.noBody()));
        assertEquals(400, empty.statusCode());
        assertTrue(json(empty).get("error").getAsString().contains("empty body"), empty.body());
        HttpResponse<String> notObject = send(HttpRequest.newBuilder(URI.create(base)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("[1]")));
        assertTrue(json(notObject).get("error").getAsString().contains("not a JSON object"), notObject.body());
        HttpResponse<String> noUrl = send(HttpRequest.newBuilder(URI.create(base)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"url\":\"ftp://x/y.dp\"}")));
        assertEquals(400, noUrl.statusCode());
        assertTrue(json(noUrl).get("error").getAsString().contains("unsupported URL scheme 'ftp'"), noUrl.body());
        assertEquals(400, send(raw(base + "/plain").POST(HttpRequest.BodyPublishers.ofFile(dp))).statusCode());
        assertEquals(404, send(HttpRequest.newBuilder(URI.create(base + "/nope"))).statusCode());
        assertEquals(400, send(HttpRequest.newBuilder(URI.create(base)).DELETE()).statusCode());
        assertFalse(da.installs.contains("plain 1.0.0"), "nothing installed: " + da.installs);
    }

    @Test
    void fileUrlsAreRefused() throws Exception {
        Path dp = TestDps.model(tmp, "plain", "io.plain", "1.0.0");
        HttpResponse<String> r = postJson("{\"url\":\"" + dp.toUri() + "\"}");
        assertEquals(400, r.statusCode(), r.body());
        assertTrue(json(r).get("error").getAsString().contains("unsupported URL scheme 'file' (http, https)"), r.body());
        try (TestHttp http = new TestHttp()) {
            http.files.put("/plain.dp", Files.readAllBytes(dp));
            HttpResponse<String> sig = postJson("{\"url\":\"" + http.url("/plain.dp") + "\",\"signatureUrl\":\""
                    + Files.writeString(tmp.resolve("plain.dp.sig"), "c2ln").toUri() + "\"}");
            assertEquals(400, sig.statusCode(), sig.body());
            assertTrue(json(sig).get("error").getAsString().contains("unsupported URL scheme 'file'"), sig.body());
        }
        assertTrue(da.installs.isEmpty());
    }

    @Test
    void sameVersionWithOtherContentIs409AndTheSamePackageAgainIsUnchanged() throws Exception {
        Path v1 = TestDps.model(tmp, "plain", "io.plain", "1.0.0");
        assertEquals(200, postRaw(v1).statusCode());
        byte[] stored = Files.readAllBytes(packages.store.dir().resolve("plain.dp"));
        Path other = TestDps.model(Files.createDirectories(tmp.resolve("other")), "plain", "io.plain", "1.0.0",
                new ModelRef("ssd", "INT8", "1.0.0", "0".repeat(64)));
        HttpResponse<String> r = postRaw(other);
        assertEquals(409, r.statusCode(), r.body());
        assertEquals("plain 1.0.0 is already installed with different content (sha256 " + HashSpec.sha256(v1) + ", this package "
                + HashSpec.sha256(other) + "); bump the version", json(r).get("error").getAsString());
        assertArrayEquals(stored, Files.readAllBytes(packages.store.dir().resolve("plain.dp")));
        HttpResponse<String> same = postRaw(v1);
        assertEquals(200, same.statusCode(), same.body());
        assertTrue(json(same).get("unchanged").getAsBoolean(), same.body());
        assertEquals(List.of("plain 1.0.0"), da.installs);
    }

    @Test
    void rawBodiesOnlyAsOctetStream() throws Exception {
        Path dp = TestDps.model(tmp, "plain", "io.plain", "1.0.0");
        for (String type : new String[] { "text/plain", "application/x-www-form-urlencoded", "application/zip" }) {
            HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create(base)).header("Content-Type", type)
                    .POST(HttpRequest.BodyPublishers.ofFile(dp)));
            assertEquals(415, r.statusCode(), type + ": " + r.body());
            assertTrue(json(r).get("error").getAsString().contains("application/octet-stream"), r.body());
        }
        HttpResponse<String> none = send(HttpRequest.newBuilder(URI.create(base)).POST(HttpRequest.BodyPublishers.ofFile(dp)));
        assertEquals(415, none.statusCode(), none.body());
        assertTrue(da.installs.isEmpty());
    }

    /** Status line of a POST whose headers announce {@code length} bytes but send only {@code sent} of them. */
    String announced(String contentType, long length, int sent) throws Exception {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000); // were the server to wait for the body, this read would time out
            OutputStream out = s.getOutputStream();
            out.write(("POST /vigie/api/packages HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: " + contentType
                    + "\r\nContent-Length: " + length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(new byte[sent]);
            out.flush();
            return new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII)).readLine();
        }
    }

    @Test
    void anAnnouncedOversizedUploadIsRefusedBeforeItsBodyIsRead() throws Exception {
        assertEquals("HTTP/1.1 413 Payload Too Large", announced("application/octet-stream", MAX + 1, 1000));
        assertEquals("HTTP/1.1 413 Payload Too Large", announced("multipart/form-data; boundary=b", 100_000_000, 1000));
        assertEquals("HTTP/1.1 413 Payload Too Large", announced("application/json", 1_000_000, 10));
        assertTrue(da.installs.isEmpty());
    }

    @Test
    void anOversizedMultipartUploadIsStoppedByTheContainersLimit() throws Exception {
        // chunked: no length announced, so the multipart parser's own limit must stop it
        String boundary = "vigie-test-boundary";
        long[] spooled = { 0 };
        Thread watcher = new Thread(() -> { // the largest spool file seen while the upload runs
            while (!Thread.currentThread().isInterrupted()) {
                try (var files = Files.list(incoming)) {
                    files.forEach(f -> spooled[0] = Math.max(spooled[0], f.toFile().length()));
                } catch (IOException e) {
                    // listing raced with a delete
                }
                try {
                    Thread.sleep(2);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        watcher.start();
        String status;
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(20_000);
            OutputStream out = s.getOutputStream();
            Thread writer = new Thread(() -> {
                try {
                    out.write(("POST /vigie/api/packages HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: multipart/form-data;"
                            + " boundary=" + boundary + "\r\nTransfer-Encoding: chunked\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
                    chunk(out, ("--" + boundary + "\r\nContent-Disposition: form-data; name=\"dp\"; filename=\"big.dp\"\r\n"
                            + "Content-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                    for (int i = 0; i < 64; i++) chunk(out, new byte[64 * 1024]); // 4 MiB: four times the cap
                    chunk(out, ("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.US_ASCII));
                    out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                } catch (IOException e) {
                    // the server answered and closed before the end: expected
                }
            });
            writer.start();
            status = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII)).readLine();
            s.close();
            writer.join(10_000);
        } finally {
            watcher.interrupt();
            watcher.join();
        }
        assertEquals("HTTP/1.1 413 Payload Too Large", status);
        assertTrue(spooled[0] <= MAX, "spooled at most the cap: " + spooled[0]);
        assertTrue(da.installs.isEmpty());
    }

    private static void chunk(OutputStream out, byte[] b) throws IOException {
        out.write((Integer.toHexString(b.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(b);
        out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
    }

    @Test
    void theWhiteboardRegistrationCarriesTheMultipartLimits() {
        var p = PackagesServlet.whiteboard(512L * 1024 * 1024, incoming);
        assertEquals(512L * 1024 * 1024, p.get("osgi.http.whiteboard.servlet.multipart.maxFileSize"));
        assertEquals(512L * 1024 * 1024 + 256 * 1024, p.get("osgi.http.whiteboard.servlet.multipart.maxRequestSize"));
        assertEquals(64 * 1024, p.get("osgi.http.whiteboard.servlet.multipart.fileSizeThreshold"));
        assertEquals(incoming.toString(), p.get("osgi.http.whiteboard.servlet.multipart.location"));
        assertEquals(Boolean.TRUE, p.get("osgi.http.whiteboard.servlet.multipart.enabled"));
    }
}
