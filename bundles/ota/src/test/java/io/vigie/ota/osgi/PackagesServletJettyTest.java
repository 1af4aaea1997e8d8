package io.vigie.ota.osgi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import javax.servlet.MultipartConfigElement;

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

import io.vigie.ota.core.DpStore;
import io.vigie.ota.core.FakeDa;
import io.vigie.ota.core.GuardedPackages;
import io.vigie.ota.core.HashSpec;
import io.vigie.ota.core.HealthPolicy;
import io.vigie.ota.core.ModelGuard;
import io.vigie.ota.core.ModelRef;
import io.vigie.ota.core.PackageManager;
import io.vigie.ota.core.TestDps;

/** The packages servlet in Jetty 9.4 (Kura's line) under /vigie, on a real package manager and a fake DeploymentAdmin. */
class PackagesServletJettyTest {
    @TempDir
    Path tmp;
    Server server;
    String base;
    GuardedPackages packages;
    FakeDa da;
    final HttpClient client = HttpClient.newHttpClient();

    /** What the wiring component would share. */
    record Agent(PackageManager packages, DpStore store, ModelGuard guard, Path incoming) implements OtaAgent {
    }

    @BeforeEach
    void start() throws Exception {
        packages = new GuardedPackages(tmp.resolve("dp"), new HealthPolicy(60_000, 0, 0, 0), System::currentTimeMillis, o -> { });
        da = packages.da;
        PackagesServlet servlet = new PackagesServlet(new Agent(packages.pm, packages.store, packages.guard,
                Files.createDirectories(tmp.resolve("dp/incoming"))), 5_000, 1_000_000);
        server = new Server(0);
        ServletContextHandler ctx = new ServletContextHandler();
        ctx.setContextPath("/vigie");
        ServletHolder holder = new ServletHolder(servlet);
        holder.getRegistration().setMultipartConfig(new MultipartConfigElement(tmp.toString()));
        ctx.addServlet(holder, "/api/packages");
        ctx.addServlet(holder, "/api/packages/*");
        server.setHandler(ctx);
        server.start();
        base = "http://127.0.0.1:" + ((ServerConnector) server.getConnectors()[0]).getLocalPort() + "/vigie/api/packages";
    }

    @AfterEach
    void stop() throws Exception {
        server.stop();
    }

    HttpResponse<String> send(HttpRequest.Builder b) throws Exception {
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static JsonObject json(HttpResponse<String> r) {
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/json"), r.headers().toString());
        return JsonParser.parseString(r.body()).getAsJsonObject();
    }

    HttpResponse<String> postRaw(Path dp) throws Exception {
        return send(HttpRequest.newBuilder(URI.create(base)).POST(HttpRequest.BodyPublishers.ofFile(dp)));
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
        assertEquals("ssd-int8", list.getAsJsonObject("health").getAsJsonArray("watching").get(0).getAsString());
    }

    @Test
    void jsonInstallFromAFileUrlAndMultipartWithItsHash() throws Exception {
        Path dp = TestDps.model(tmp, "plain", "io.plain", "1.0.0");
        HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create(base)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"url\":\"" + dp.toUri() + "\",\"sha256\":\""
                        + HashSpec.sha256(dp) + "\"}")));
        assertEquals(200, r.statusCode(), r.body());
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
        HttpResponse<String> wrongHash = send(HttpRequest.newBuilder(URI.create(base + "?sha256=" + "0".repeat(64)))
                .POST(HttpRequest.BodyPublishers.ofFile(dp)));
        assertEquals(422, wrongHash.statusCode(), wrongHash.body());
        assertTrue(json(wrongHash).get("error").getAsString().contains("mismatch"), wrongHash.body());
        assertEquals(422, json(wrongHash).get("status").getAsInt());

        HttpResponse<String> empty = send(HttpRequest.newBuilder(URI.create(base)).POST(HttpRequest.BodyPublishers.noBody()));
        assertEquals(400, empty.statusCode());
        assertTrue(json(empty).get("error").getAsString().contains("empty body"), empty.body());
        HttpResponse<String> notObject = send(HttpRequest.newBuilder(URI.create(base)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("[1]")));
        assertTrue(json(notObject).get("error").getAsString().contains("not a JSON object"), notObject.body());
        HttpResponse<String> noUrl = send(HttpRequest.newBuilder(URI.create(base)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"url\":\"ftp://x/y.dp\"}")));
        assertEquals(400, noUrl.statusCode());
        assertTrue(json(noUrl).get("error").getAsString().contains("unsupported URL scheme 'ftp'"), noUrl.body());
        assertEquals(400, send(HttpRequest.newBuilder(URI.create(base + "/plain")).POST(HttpRequest.BodyPublishers.ofFile(dp)))
                .statusCode());
        assertEquals(404, send(HttpRequest.newBuilder(URI.create(base + "/nope"))).statusCode());
        assertEquals(400, send(HttpRequest.newBuilder(URI.create(base)).DELETE()).statusCode());
        assertFalse(da.installs.contains("plain 1.0.0"), "nothing installed: " + da.installs);
    }
}
