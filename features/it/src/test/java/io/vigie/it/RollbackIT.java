package io.vigie.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.StringReader;
import java.io.StringWriter;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.jar.JarEntry;
import java.util.jar.JarInputStream;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.zip.ZipEntry;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

/**
 * Automatic rollback on the real gateway (REST installs): a model package the detector refuses
 * (its labels no longer name a person, so the built-in check image finds nobody) and a model that
 * serves but is too slow for the configured budget are both replaced by the package they updated,
 * while the stream keeps being analysed on INT8.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RollbackIT {
    static final String API = "/vigie/api/packages";
    static final String INT8 = OtaIT.INT8;
    Gateway gw;
    byte[] int8Bundle;
    String v1;
    byte[] v1Dp;

    @BeforeAll
    void start() throws Exception {
        Path dir = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "rollback-");
        gw = new Gateway(dir);
        int8Bundle = Files.readAllBytes(TestDp.modelBundle("int8"));
        gw.writeConfig(GatewayIT.DETECTOR,
                GatewayIT.detectorConfig("INT8", Gateway.vtest().toAbsolutePath().toString(), OtaIT.FLOOR));
        gw.writeConfig("io.vigie.ota", otaConfig(0));
        gw.start();
        gw.awaitJson("/vigie/api/status", s -> GatewayIT.running(s, "INT8"), 90_000);
    }

    @AfterAll
    void stop() throws Exception {
        HostileKit.stop(gw);
    }

    /** 6 s health window; budget 0 = the detector's (1000 ms), else this p95 limit. */
    static Map<String, Object> otaConfig(long budgetMs) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("health.window.seconds", "6");
        m.put("health.latency.budget.ms", budgetMs == 0 ? "-1" : Long.toString(budgetMs));
        m.put("download.allow.local", "true"); // DeployV2IT serves its packages from 127.0.0.1
        return m;
    }

    /**
     * The model bundle with another Bundle-Version and changes to its model/model.properties (the
     * model bytes stay, so the sha256 the detector checks still holds).
     */
    static byte[] withModelProperties(byte[] bundle, String bundleVersion, Map<String, String> changes) throws Exception {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (JarInputStream in = new JarInputStream(new ByteArrayInputStream(bundle))) {
            Manifest m = in.getManifest();
            m.getMainAttributes().putValue("Bundle-Version", bundleVersion);
            try (JarOutputStream out = new JarOutputStream(bos, m)) {
                for (JarEntry e; (e = in.getNextJarEntry()) != null;) {
                    out.putNextEntry(new ZipEntry(e.getName()));
                    if (e.getName().equals("model/model.properties")) {
                        Properties p = new Properties();
                        p.load(new StringReader(new String(in.readAllBytes(), StandardCharsets.UTF_8)));
                        changes.forEach(p::setProperty);
                        StringWriter w = new StringWriter();
                        p.store(w, "changed by the rollback test");
                        out.write(w.toString().getBytes(StandardCharsets.UTF_8));
                    } else {
                        in.transferTo(out);
                    }
                    out.closeEntry();
                }
            }
        }
        return bos.toByteArray();
    }

    /** An INT8 package whose model the detector refuses: class 0 (person) is now labelled "bicycle". */
    static byte[] refusedModelDp(byte[] int8Bundle, String version) throws Exception {
        byte[] b = withModelProperties(int8Bundle, version, Map.of("label.offset", "1", "version", "1.0.0-nolabel"));
        return TestDp.dp(INT8, version, b, Map.of("Vigie-Kind", "model"));
    }

    Map<String, String> packages() throws Exception {
        Map<String, String> m = new LinkedHashMap<>();
        for (JsonElement e : gw.json(API).getAsJsonArray("packages"))
            m.put(e.getAsJsonObject().get("name").getAsString(), e.getAsJsonObject().get("version").getAsString());
        return m;
    }

    /** The latest health outcome of a package, once it is about that version. */
    JsonObject outcome(String version, long timeoutMs) throws Exception {
        JsonObject o = gw.awaitJson(API, j -> {
            JsonObject last = j.getAsJsonObject("health").getAsJsonObject("last");
            return last.has(INT8) && version.equals(last.getAsJsonObject(INT8).get("version").getAsString());
        }, timeoutMs);
        return o.getAsJsonObject("health").getAsJsonObject("last").getAsJsonObject(INT8);
    }

    void detectionsContinue() throws Exception {
        gw.awaitDetectionsContinue("INT8", 60_000);
    }

    HttpResponse<String> post(byte[] dp) throws Exception {
        return gw.post(API + "?sha256=sha256:" + OtaIT.sha256(dp) + "&" + gw.signatureParam(dp), dp,
                "application/octet-stream");
    }

    @Test
    @Order(1)
    void goodPackageIsKept() throws Exception {
        v1 = TestDp.bundleVersion(int8Bundle);
        v1Dp = TestDp.dp(INT8, v1, int8Bundle, Map.of("Vigie-Kind", "model"));
        HttpResponse<String> r = post(v1Dp);
        assertEquals(200, r.statusCode(), r.body());
        JsonObject o = outcome(v1, 60_000);
        assertEquals("HEALTHY", o.get("state").getAsString(), o.toString());
        assertTrue(o.get("reason").getAsString().contains("healthy"), o.toString());
        assertEquals(Map.of(INT8, v1), packages());
    }

    @Test
    @Order(2)
    void refusedModelIsRolledBackToThePreviousPackage() throws Exception {
        String v2 = v1 + "nolabel";
        HttpResponse<String> r = post(refusedModelDp(int8Bundle, v2));
        assertEquals(200, r.statusCode(), r.body()); // the package itself is fine: only the detector can tell
        JsonObject o = outcome(v2, 90_000);
        assertEquals("ROLLED_BACK", o.get("state").getAsString(), o.toString());
        assertEquals(v1, o.get("restoredVersion").getAsString());
        assertTrue(o.get("reason").getAsString().contains("refused"), o.toString());
        assertEquals(Map.of(INT8, v1), packages());
        assertEquals(OtaIT.sha256(v1Dp), OtaIT.sha256(Files.readAllBytes(gw.data.resolve("dp/" + INT8 + ".dp"))),
                "the store holds the restored package again");
        assertTrue(gw.logText().contains("failed its health check"), "rollback logged");
        detectionsContinue();
    }

    @Test
    @Order(3)
    void tooSlowModelIsRolledBack() throws Exception {
        gw.writeConfig("io.vigie.ota", otaConfig(1)); // no real model does a frame in 1 ms end to end
        gw.await("configuration applied (health budget 1 ms logged)", Duration.ofSeconds(30),
                () -> gw.logText().contains("health budget 1 ms"));
        String v3 = v1 + "slow";
        byte[] dp = TestDp.dp(INT8, v3, TestDp.withVersion(int8Bundle, v3), Map.of("Vigie-Kind", "model"));
        assertEquals(200, post(dp).statusCode());
        JsonObject o = outcome(v3, 90_000);
        assertEquals("ROLLED_BACK", o.get("state").getAsString(), o.toString());
        String reason = o.get("reason").getAsString();
        assertTrue(reason.contains("too slow") && reason.contains("budget 1 ms"), o.toString());
        assertEquals(v1, o.get("restoredVersion").getAsString());
        assertEquals(Map.of(INT8, v1), packages());
        detectionsContinue();
    }
}
