package io.vigie.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.PrintStream;
import java.io.StringReader;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarInputStream;
import java.util.stream.Collectors;

import org.eclipse.kura.message.KuraPayload;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import com.google.gson.JsonObject;
import com.sun.net.httpserver.HttpServer;

import io.vigie.cloud.paho.KuraPayloadCodec;
import io.vigie.testkit.MlflowServer;
import io.vigie.testkit.Mosquitto;
import io.vigie.testkit.TeeOutput;
import io.vigie.tools.audit.AuditListener;
import io.vigie.tools.audit.DeploymentAuditor;
import io.vigie.tools.audit.DeploymentRecord;
import io.vigie.tools.audit.MlflowAuditWriter;
import io.vigie.tools.mlflow.MlflowClient;

/**
 * The deployment audit end to end: a real gateway (cloud connection to a real Mosquitto, telemetry publishing its OTA
 * events), the auditor of tools/audit, a real MLflow server. A good model package installed over DEPLOY-V2 while the
 * auditor is away becomes one HEALTHY run (with the job id) and a deployed.GATEWAY tag on the registry version of its
 * model once the auditor is back; a refused model installed while MLflow is down becomes one ROLLED_BACK run with the
 * reason once MLflow is back. One gateway, one broker, one MLflow server for the class.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DeploymentAuditIT {
    static final String INT8 = OtaIT.INT8;
    static final String ACCOUNT = "acme";
    static final String DEVICE = "audit-gw";
    Path dir;
    Mosquitto broker;
    MlflowServer mlflow;
    MlflowClient client;
    HttpServer http;
    final Map<String, byte[]> served = new ConcurrentHashMap<>();
    Gateway gw;
    KuraCloud cloud;
    /** What the gateway's telemetry published on its model topic (decoded), to check the events themselves. */
    MqttClient tap;
    final List<Map<String, Object>> published = new CopyOnWriteArrayList<>();
    byte[] int8Bundle;
    String version;
    String registryVersion;
    byte[] goodDp;
    byte[] badDp;
    final TeeOutput tee = new TeeOutput();
    final PrintStream out = tee.stream();

    @BeforeAll
    void start() throws Exception {
        dir = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "audit-");
        broker = new Mosquitto(Files.createDirectories(dir.resolve("mqtt")));
        broker.start();
        mlflow = new MlflowServer(Files.createDirectories(dir.resolve("mlflow")));
        mlflow.start();
        client = new MlflowClient(mlflow.uri());
        int8Bundle = Files.readAllBytes(TestDp.modelBundle("int8"));
        version = TestDp.bundleVersion(int8Bundle);
        // the registry as the pipeline leaves it: a version of the model file (precision + sha256)
        client.ensureRegisteredModel(MlflowAuditWriter.REGISTERED_MODEL, "audit IT");
        MlflowClient.Run made = client.createRun(client.experimentId("vigie-pipeline"), "pipeline", null, Map.of());
        registryVersion = client.registerVersion(MlflowAuditWriter.REGISTERED_MODEL, "int8", modelSha256(int8Bundle),
                MlflowClient.artifactUri(made, "dp/int8.dp"), made.runId(), Map.of()).version();
        // the auditor's persistent session exists before anything is published (then the broker keeps what comes)
        try (AuditListener first = listener(1_000)) {
            assertEquals(0, first.run());
        }
        http = HostileKit.serve(served);
        tap = new MqttClient(broker.uri(), "audit-tap", new MemoryPersistence());
        tap.connect();
        KuraPayloadCodec codec = new KuraPayloadCodec();
        tap.subscribe(ACCOUNT + "/" + DEVICE + "/VIGIE/model", 1, (t, m) -> {
            KuraPayload p = codec.decode(m.getPayload());
            Map<String, Object> metrics = new LinkedHashMap<>();
            for (String n : p.metricNames()) metrics.put(n, p.getMetric(n));
            published.add(metrics);
        });
        gw = new Gateway(dir.resolve("gw"));
        cloud = DeployV2IT.startWithCloud(gw, broker.uri(), ACCOUNT, DEVICE);
    }

    @AfterAll
    void stop() throws Exception {
        if (cloud != null) cloud.close();
        if (tap != null) tap.disconnect();
        HostileKit.stop(gw);
        if (http != null) http.stop(0);
        if (mlflow != null) mlflow.close();
        if (broker != null) broker.close();
    }

    static String modelSha256(byte[] bundle) throws Exception {
        try (JarInputStream in = new JarInputStream(new ByteArrayInputStream(bundle))) {
            for (JarEntry e; (e = in.getNextJarEntry()) != null;) {
                if (!e.getName().equals("model/model.properties")) continue;
                Properties p = new Properties();
                p.load(new StringReader(new String(in.readAllBytes(), StandardCharsets.UTF_8)));
                return p.getProperty("sha256").trim().toLowerCase(java.util.Locale.ROOT);
            }
        }
        throw new IllegalStateException("no model/model.properties");
    }

    AuditListener listener(long untilIdleMs) throws Exception {
        MlflowClient c = new MlflowClient(mlflow.uri(), Duration.ofSeconds(2), Duration.ofSeconds(10));
        return new AuditListener(new AuditListener.Options(broker.uri(), "audit-it", List.of("+/+/VIGIE/model"), null, null,
                dir.resolve("audit-state"), untilIdleMs), new DeploymentAuditor(),
                new MlflowAuditWriter(c, MlflowAuditWriter.EXPERIMENT, MlflowAuditWriter.REGISTERED_MODEL), out);
    }

    String logText() {
        return tee.text();
    }

    /** This gateway's runs for a package version. */
    List<MlflowClient.RunData> runs(String v) throws Exception {
        return client.searchRuns(client.experimentId(MlflowAuditWriter.EXPERIMENT), "params.version = '" + v + "'").stream()
                .filter(r -> DEVICE.equals(r.params().get("gateway")) && INT8.equals(r.params().get("package")))
                .collect(Collectors.toList());
    }

    /** Runs the auditor in the background until {@code done} holds (it never returns on its own: no idle limit). */
    void withAuditor(ThrowingRunnable during) throws Exception {
        ExecutorService ex = Executors.newSingleThreadExecutor();
        try (AuditListener l = listener(0)) {
            Future<Integer> running = ex.submit(l::run);
            during.run(l);
            l.close();
            running.get(60, TimeUnit.SECONDS);
        } finally {
            ex.shutdownNow();
        }
    }

    interface ThrowingRunnable {
        void run(AuditListener l) throws Exception;
    }

    @Test
    @Order(1)
    void aGoodModelInstalledWhileTheAuditorIsAwayIsOneHealthyRunAndTagsItsRegistryVersion() throws Exception {
        goodDp = TestDp.dp(INT8, version, int8Bundle, Map.of("Vigie-Kind", "model"));
        served.put("/int8.dp", goodDp);
        Map<String, Object> req = new LinkedHashMap<>();
        req.put("dp.uri", "http://127.0.0.1:" + http.getAddress().getPort() + "/int8.dp");
        req.put("dp.name", INT8);
        req.put("dp.version", version);
        req.put("dp.download.protocol", "HTTP");
        req.put("job.id", 4242L);
        req.put("dp.install.system.update", false);
        req.put("dp.install", true);
        req.put("dp.signature", gw.signature(goodDp));
        assertEquals(200, cloud.request(DeployV2IT.APP, "EXEC", "download", req).metric("response.code"));
        KuraCloud.Msg done = cloud.notification(DeployV2IT.APP, "install", "dp.install.status", "COMPLETED", 120_000);
        assertTrue(String.valueOf(done.metric("dp.install.message")).contains("healthy"), done.metrics().toString());
        assertEquals(List.of(), runs(version), "nothing logged while the auditor is away");

        withAuditor(l -> gw.await("the HEALTHY run", Duration.ofSeconds(90), () -> runs(version),
                rs -> rs.size() == 1 && "HEALTHY".equals(rs.get(0).tags().get("verdict"))));
        Map<String, Object> healthy = published.stream().filter(m -> "OTA_HEALTHY".equals(m.get("type"))).findFirst()
                .orElseThrow(() -> new AssertionError("no OTA_HEALTHY published: " + published));
        assertEquals(OtaIT.sha256(goodDp), healthy.get("sha256"), "the verdict names the judged .dp");
        assertEquals(4242L, healthy.get("job.id"), "and the DEPLOY-V2 job that installed it");
        MlflowClient.RunData run = runs(version).get(0);
        assertEquals(OtaIT.sha256(goodDp), run.params().get("sha256"));
        assertEquals(modelSha256(int8Bundle), run.params().get("model.sha256"));
        assertEquals("INT8", run.params().get("model.precision"));
        assertEquals("4242", run.tags().get("job.id"), "the DEPLOY-V2 job");
        assertTrue(run.tags().get("reason").contains("healthy"), run.tags().toString());
        assertTrue(run.metrics().get("health.window.s") >= 6.0, run.metrics().toString()); // the configured 6 s window
        assertEquals("FINISHED", run.status());
        String where = client.getVersion(MlflowAuditWriter.REGISTERED_MODEL, registryVersion).tags().get("deployed." + DEVICE);
        assertTrue(where != null && where.startsWith("HEALTHY ") && where.endsWith(INT8 + " " + version), where);
    }

    @Test
    @Order(2)
    void aRefusedModelInstalledWhileMlflowIsDownIsOneRollbackRecordOnceMlflowIsBack() throws Exception {
        String bad = version + "nolabel";
        mlflow.stop();
        withAuditor(l -> {
            byte[] dp = RollbackIT.refusedModelDp(int8Bundle, bad);
            badDp = dp;
            HttpResponse<String> r = gw.post("/vigie/api/packages?sha256=sha256:" + OtaIT.sha256(dp) + "&"
                    + gw.signatureParam(dp), dp, "application/octet-stream");
            assertEquals(200, r.statusCode(), r.body());
            JsonObject o = gw.awaitJson("/vigie/api/packages", j -> {
                JsonObject last = j.getAsJsonObject("health").getAsJsonObject("last");
                return last.has(INT8) && bad.equals(last.getAsJsonObject(INT8).get("version").getAsString());
            }, 120_000);
            assertEquals("ROLLED_BACK", o.getAsJsonObject("health").getAsJsonObject("last").getAsJsonObject(INT8).get("state")
                    .getAsString());
            gw.await("the rollback journaled while MLflow is down", Duration.ofSeconds(60), () -> l.journal().pending(),
                    p -> p.stream().anyMatch(x -> bad.equals(x.version()) && DeploymentRecord.ROLLED_BACK.equals(x.verdict())));
            assertTrue(logText().contains("not logged yet"), logText());
            mlflow.start(); // same port and sqlite file
            gw.await("the journal written once MLflow is back", Duration.ofSeconds(180), () -> l.journal().count(),
                    n -> n == 0);
        });
        // the gateway's ROLLBACK event itself names the judged .dp, its install, the restored version and the times
        Map<String, Object> ev = published.stream().filter(m -> "OTA_ROLLBACK".equals(m.get("type"))).findFirst()
                .orElseThrow(() -> new AssertionError("no OTA_ROLLBACK published: " + published));
        assertEquals(OtaIT.sha256(badDp), ev.get("sha256"));
        assertEquals(bad, ev.get("version"));
        assertEquals(version, ev.get("restored.version"));
        assertEquals(modelSha256(int8Bundle), ev.get("model.sha256"));
        assertTrue((Long) ev.get("verdict.at") >= (Long) ev.get("installed.at"), ev.toString()); // refused at once
        Map<String, Object> installed = published.stream().filter(m -> "OTA_INSTALLED".equals(m.get("type"))
                && bad.equals(m.get("version"))).findFirst().orElseThrow();
        assertEquals(ev.get("installed.at"), installed.get("installed.at"));
        assertEquals(Boolean.TRUE, installed.get("health.watched"));
        List<MlflowClient.RunData> rolled = runs(bad);
        assertEquals(1, rolled.size(), "exactly once: " + rolled);
        MlflowClient.RunData run = rolled.get(0);
        assertEquals("ROLLED_BACK", run.tags().get("verdict"));
        assertTrue(run.tags().get("reason").contains("refused"), run.tags().toString());
        assertEquals(version, run.tags().get("restored.version"));
        // the good version: its HEALTHY run, and the re-install of the rollback (not judged: INSTALLED), each once
        Map<String, Long> verdicts = runs(version).stream().collect(Collectors.groupingBy(x -> x.tags().get("verdict"),
                Collectors.counting()));
        assertEquals(Map.of("HEALTHY", 1L, "INSTALLED", 1L), verdicts);
        // the refused package carries the same model file (only its labels differ): the tag tells the latest deployment
        // of that file on the gateway, whatever order the records reached MLflow in
        String where = client.getVersion(MlflowAuditWriter.REGISTERED_MODEL, registryVersion).tags().get("deployed." + DEVICE);
        assertTrue(where.startsWith("ROLLED_BACK ") && where.endsWith(INT8 + " " + bad), where);
    }
}
