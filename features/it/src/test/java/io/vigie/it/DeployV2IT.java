package io.vigie.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import com.google.gson.JsonElement;
import com.sun.net.httpserver.HttpServer;

import io.vigie.testkit.Mosquitto;

/**
 * Kura DEPLOY-V2 on the real gateway: a real Mosquitto, the gateway's cloud connection
 * (io.vigie.cloud.paho) and a Paho client playing Kapua. The model package is served by a local
 * HTTP server; requests and notifications are KuraPayload protobuf. Tests run in order on one gateway.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DeployV2IT {
    static final String APP = "DEPLOY-V2";
    static final String INT8 = OtaIT.INT8;
    static final String ACCOUNT = "acme";
    static final String DEVICE = "vigie-it";
    Mosquitto broker;
    HttpServer http;
    final Map<String, byte[]> served = new ConcurrentHashMap<>();
    Gateway gw;
    KuraCloud cloud;
    byte[] int8Bundle;
    String version;
    long jobs;

    @BeforeAll
    void start() throws Exception {
        Path dir = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "deployv2-");
        broker = new Mosquitto(Files.createDirectories(dir.resolve("mqtt")));
        broker.start();
        http = HostileKit.serve(served);
        int8Bundle = Files.readAllBytes(TestDp.modelBundle("int8"));
        version = TestDp.bundleVersion(int8Bundle);

        gw = new Gateway(dir.resolve("gw"));
        cloud = startWithCloud(gw, broker.uri(), ACCOUNT, DEVICE);
    }

    /**
     * Starts {@code gw} on INT8 (vtest.avi, 6 s health window) with a cloud connection to the broker, and returns the
     * cloud side once the gateway's birth came and its DEPLOY-V2 handler answers.
     */
    static KuraCloud startWithCloud(Gateway gw, String brokerUri, String account, String device) throws Exception {
        gw.writeConfig(GatewayIT.DETECTOR,
                GatewayIT.detectorConfig("INT8", Gateway.vtest().toAbsolutePath().toString(), OtaIT.FLOOR));
        gw.writeCloudConfig(brokerUri, device, account, null);
        gw.writeConfig("io.vigie.ota", RollbackIT.otaConfig(0));
        KuraCloud cloud = new KuraCloud(brokerUri, account, "cloud-it", device);
        gw.start();
        gw.awaitJson("/vigie/api/status", s -> GatewayIT.running(s, "INT8"), 90_000);
        cloud.await(m -> m.topic().equals("$EDC/" + account + "/" + device + "/MQTT/BIRTH"), 60_000);
        // the handler registers when the ota component binds the cloud's registry: ask until it answers
        gw.await("the packages handler answering 200", Duration.ofSeconds(60),
                () -> cloud.request(APP, "GET", "packages", Map.of()),
                r -> Integer.valueOf(200).equals(r.metric("response.code")));
        return cloud;
    }

    @AfterAll
    void stop() throws Exception {
        if (cloud != null) cloud.close();
        if (gw != null) {
            gw.close();
            System.out.println("---- gateway log tail ----\n" + gw.tail());
        }
        if (http != null) http.stop(0);
        if (broker != null) broker.close();
    }

    String url(String path) {
        return "http://127.0.0.1:" + http.getAddress().getPort() + path;
    }

    Map<String, Object> download(String path, String name, String v) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("dp.uri", url(path));
        m.put("dp.name", name);
        m.put("dp.version", v);
        m.put("dp.download.protocol", "HTTP");
        m.put("job.id", ++jobs);
        m.put("dp.install.system.update", false);
        m.put("dp.install", true);
        byte[] body = served.get(path); // signed with the gateway's key when served (required by default)
        if (body != null) m.put("dp.signature", gw.signature(body));
        return m;
    }

    Map<String, String> restPackages() throws Exception {
        Map<String, String> m = new LinkedHashMap<>();
        for (JsonElement e : gw.json("/vigie/api/packages").getAsJsonArray("packages"))
            m.put(e.getAsJsonObject().get("name").getAsString(), e.getAsJsonObject().get("version").getAsString());
        return m;
    }

    void detectionsContinue() throws Exception {
        gw.awaitDetectionsContinue("INT8", 60_000);
    }

    @Test
    @Order(1)
    void getPackagesListsNothingYet() throws Exception {
        KuraCloud.Msg r = cloud.request(APP, "GET", "packages", Map.of());
        assertEquals(200, r.metric("response.code"));
        assertTrue(r.text().contains("<packages></packages>"), r.text());
        KuraCloud.Msg d = cloud.request(APP, "GET", "download", Map.of());
        assertEquals("ALREADY_DONE", d.metric("dp.download.status"), d.metrics().toString());
    }

    @Test
    @Order(2)
    void execDownloadWithHashInstallsTheModelPackage() throws Exception {
        byte[] dp = TestDp.dp(INT8, version, int8Bundle, Map.of("Vigie-Kind", "model"));
        served.put("/int8.dp", dp);
        Map<String, Object> req = download("/int8.dp", INT8, version);
        req.put("dp.download.hash", "SHA256:" + OtaIT.sha256(dp));
        req.put("dp.download.block.size", 1_000_000);
        cloud.clear();
        KuraCloud.Msg reply = cloud.request(APP, "EXEC", "download", req);
        assertEquals(200, reply.metric("response.code"), reply.metrics().toString());

        KuraCloud.Msg progress = cloud.notification(APP, "download", "dp.download.status", "IN_PROGRESS", 30_000);
        assertEquals(jobs, progress.metric("job.id"));
        assertEquals(dp.length, progress.metric("dp.download.size"));
        assertTrue((Integer) progress.metric("dp.download.progress") < 100);
        KuraCloud.Msg done = cloud.notification(APP, "download", "dp.download.status", "COMPLETED", 60_000);
        assertEquals(100, done.metric("dp.download.progress"));
        assertEquals(DEVICE, done.metric("client.id"));
        KuraCloud.Msg installed = cloud.notification(APP, "install", "dp.install.status", "COMPLETED", 90_000);
        assertEquals(100, installed.metric("dp.install.progress"));
        assertTrue(String.valueOf(installed.metric("dp.install.message")).contains("healthy"), installed.metrics().toString());

        assertEquals(Map.of(INT8, version), restPackages());
        KuraCloud.Msg list = cloud.request(APP, "GET", "packages", Map.of());
        assertTrue(list.text().contains("<package><name>" + INT8 + "</name><version>" + version
                + "</version><bundles><bundle><name>io.vigie.model.ssd-mobilenet-v2.int8</name>"), list.text());
        detectionsContinue();
    }

    @Test
    @Order(3)
    void badRequestsAreRefusedAndNothingIsInstalled() throws Exception {
        Map<String, String> before = restPackages();
        Map<String, Object> req = download("/int8.dp", INT8, version + "x");
        req.remove("dp.uri");
        KuraCloud.Msg r = cloud.request(APP, "EXEC", "download", req);
        assertEquals(400, r.metric("response.code"), r.metrics().toString());
        assertTrue(String.valueOf(r.metric("response.exception.message")).contains("missing metric dp.uri"),
                r.metrics().toString());

        req = download("/int8.dp", INT8, version + "x");
        req.put("job.id", "seven");
        r = cloud.request(APP, "EXEC", "download", req);
        assertEquals(400, r.metric("response.code"));
        assertTrue(String.valueOf(r.metric("response.exception.message")).contains("job.id must be an int64"),
                r.metrics().toString());

        req = download("/int8.dp", INT8, version + "x");
        req.put("dp.download.protocol", "FTP");
        r = cloud.request(APP, "EXEC", "download", req);
        assertEquals(400, r.metric("response.code"));
        assertTrue(String.valueOf(r.metric("response.exception.message")).contains("FTP"), r.metrics().toString());

        r = cloud.request(APP, "EXEC", "reboot", download("/int8.dp", INT8, version));
        assertEquals(404, r.metric("response.code"), r.metrics().toString());

        byte[] other = TestDp.dp(INT8, version + "x", TestDp.withVersion(int8Bundle, version + "x"),
                Map.of("Vigie-Kind", "model"));
        served.put("/other.dp", other);
        req = download("/other.dp", INT8, version + "x");
        req.put("dp.download.hash", "SHA256:" + "0".repeat(64));
        cloud.clear();
        r = cloud.request(APP, "EXEC", "download", req);
        assertEquals(200, r.metric("response.code")); // the hash is only known wrong once downloaded
        KuraCloud.Msg failed = cloud.notification(APP, "download", "dp.download.status", "FAILED", 60_000);
        assertTrue(String.valueOf(failed.metric("dp.download.error.message")).contains("mismatch"), failed.metrics().toString());

        r = cloud.request(APP, "EXEC", "download", download("/missing.dp", INT8, version + "y"));
        assertEquals(200, r.metric("response.code"));
        failed = cloud.notification(APP, "download", "dp.download.status", "FAILED", 60_000);
        assertTrue(String.valueOf(failed.metric("dp.download.error.message")).contains("HTTP 404"), failed.metrics().toString());

        assertEquals(before, restPackages());
        detectionsContinue();
    }

    @Test
    @Order(4)
    void modelTheDetectorRefusesIsRolledBackAndTheInstallReportedFailed() throws Exception {
        String bad = version + "nolabel";
        served.put("/bad.dp", RollbackIT.refusedModelDp(int8Bundle, bad));
        cloud.clear();
        KuraCloud.Msg r = cloud.request(APP, "EXEC", "download", download("/bad.dp", INT8, bad));
        assertEquals(200, r.metric("response.code"));
        KuraCloud.Msg failed = cloud.notification(APP, "install", "dp.install.status", "FAILED", 120_000);
        String msg = String.valueOf(failed.metric("dp.install.error.message"));
        assertTrue(msg.contains("refused") && msg.contains("rolled back to " + INT8 + " " + version), msg);
        assertEquals(Map.of(INT8, version), restPackages());
        detectionsContinue();
    }

    @Test
    @Order(5)
    void execUninstallRemovesThePackage() throws Exception {
        Map<String, Object> req = new LinkedHashMap<>();
        req.put("dp.name", INT8);
        req.put("job.id", ++jobs);
        cloud.clear();
        KuraCloud.Msg r = cloud.request(APP, "EXEC", "uninstall", req);
        assertEquals(200, r.metric("response.code"), r.metrics().toString());
        KuraCloud.Msg done = cloud.notification(APP, "uninstall", "dp.uninstall.status", "COMPLETED", 60_000);
        assertEquals(jobs, done.metric("job.id"));
        assertFalse(restPackages().containsKey(INT8));
        assertTrue(cloud.request(APP, "GET", "packages", Map.of()).text().contains("<packages></packages>"));
        r = cloud.request(APP, "EXEC", "uninstall", req);
        assertEquals(404, r.metric("response.code"), "not installed any more");
    }
}
