package io.vigie.tools.audit;

import static io.vigie.tools.audit.Events.DP_SHA;
import static io.vigie.tools.audit.Events.MODEL_SHA;
import static io.vigie.tools.audit.Events.T0;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

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

import io.vigie.cloud.paho.KuraPayloadCodec;
import io.vigie.testkit.MlflowServer;
import io.vigie.testkit.Mosquitto;
import io.vigie.testkit.TeeOutput;
import io.vigie.tools.mlflow.MlflowClient;

/**
 * The listener against a real Mosquitto and a real MLflow server, fed the messages a gateway's telemetry publishes
 * (KuraPayload protobuf by the gateway's own codec): events published while the auditor is away arrive when it is back,
 * hostile messages on the same topic change nothing, MLflow stopped while events arrive loses nothing and writes each
 * record once when it is back, replays write nothing. One broker and one MLflow server for the class.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AuditListenerIT {
    Path dir;
    Mosquitto broker;
    MlflowServer mlflow;
    MlflowClient client;
    MqttClient gateway;
    final KuraPayloadCodec codec = new KuraPayloadCodec();
    final TeeOutput tee = new TeeOutput();
    final PrintStream out = tee.stream();
    String registryVersion;

    @BeforeAll
    void start() throws Exception {
        dir = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "audit-it-");
        broker = new Mosquitto(Files.createDirectories(dir.resolve("mqtt")));
        broker.start();
        mlflow = new MlflowServer(Files.createDirectories(dir.resolve("mlflow")));
        mlflow.start();
        client = new MlflowClient(mlflow.uri());
        // the pipeline's registry layout: a version per (precision, model sha256)
        client.ensureRegisteredModel(MlflowAuditWriter.REGISTERED_MODEL, "test");
        MlflowClient.Run made = client.createRun(client.experimentId("vigie-pipeline"), "pipeline", null, Map.of());
        registryVersion = client.registerVersion(MlflowAuditWriter.REGISTERED_MODEL, "int8", MODEL_SHA,
                MlflowClient.artifactUri(made, "dp/int8.dp"), made.runId(), Map.of()).version();
        gateway = new MqttClient(broker.uri(), "gw-publisher", new MemoryPersistence());
        gateway.connect();
    }

    @AfterAll
    void stop() throws Exception {
        if (gateway != null) gateway.disconnect();
        if (mlflow != null) mlflow.close();
        if (broker != null) broker.close();
    }

    AuditListener listener(long untilIdleMs) throws Exception {
        MlflowClient c = new MlflowClient(mlflow.uri(), java.time.Duration.ofSeconds(2), java.time.Duration.ofSeconds(10));
        return new AuditListener(new AuditListener.Options(broker.uri(), "audit-it", List.of(AuditMain.DEFAULT_TOPIC), null,
                null, dir.resolve("state"), untilIdleMs), new DeploymentAuditor(),
                new MlflowAuditWriter(c, MlflowAuditWriter.EXPERIMENT, MlflowAuditWriter.REGISTERED_MODEL), out);
    }

    void publish(String gw, Map<String, Object> metrics) throws Exception {
        KuraPayload p = new KuraPayload();
        p.setTimestamp(new Date());
        metrics.forEach(p::addMetric);
        gateway.publish(Events.topic(gw), codec.encode(p), 1, false);
    }

    List<MlflowClient.RunData> runs() throws Exception {
        return client.searchRuns(client.experimentId(MlflowAuditWriter.EXPERIMENT), null);
    }

    static void await(String what, long ms, BooleanSupplier ok) throws InterruptedException {
        long end = System.currentTimeMillis() + ms;
        while (!ok.getAsBoolean()) {
            if (System.currentTimeMillis() > end) throw new AssertionError("not within " + ms + " ms: " + what);
            Thread.sleep(200);
        }
    }

    String logText() {
        return tee.text();
    }

    @Test
    @Order(1)
    void eventsPublishedWhileTheAuditorIsAwayAreDeliveredWhenItComesBack() throws Exception {
        try (AuditListener first = listener(1_000)) {
            assertEquals(0, first.run(), "the first run makes the persistent session; nothing to log yet");
        }
        // the auditor is down: a deployment and its verdict, and hostile messages on the audited topic
        publish("gw-1", Events.installed("1.0.1", DP_SHA, T0));
        publish("gw-1", Events.healthy("1.0.1", DP_SHA, T0, T0 + 6_000));
        gateway.publish(Events.topic("gw-1"), new byte[] { 0x0a, (byte) 0xff, 0x01, 0x02 }, 1, false); // garbage protobuf
        gateway.publish(Events.topic("gw-1"), new byte[AuditListener.MAX_PAYLOAD_BYTES + 1], 1, false); // huge
        Map<String, Object> evil = Events.installed("9\u0000.9", "ef".repeat(32), T0);
        evil.put("name", "x/../".repeat(2_000));
        publish("..", evil);
        publish("gw-1", Events.healthy("1.0.1", DP_SHA, T0, T0 + 6_000)); // a replay
        try (AuditListener back = listener(3_000)) {
            assertEquals(0, back.run());
        }
        List<MlflowClient.RunData> runs = runs();
        assertEquals(2, runs.size(), runs.toString());
        MlflowClient.RunData good = runs.stream().filter(r -> "gw-1".equals(r.params().get("gateway"))).findFirst().get();
        assertEquals("HEALTHY", good.tags().get("verdict"));
        assertEquals("FINISHED", good.status());
        assertEquals(DP_SHA, good.params().get("sha256"));
        assertEquals("1.0.1", good.params().get("version"));
        assertEquals(6.0, good.metrics().get("health.window.s"));
        assertEquals((double) T0, good.metrics().get("installed.at.ms"));
        assertEquals(MlflowAuditWriter.REGISTERED_MODEL + "/" + registryVersion, good.tags().get("registry.version"));
        MlflowClient.ModelVersion v = client.getVersion(MlflowAuditWriter.REGISTERED_MODEL, registryVersion);
        assertTrue(v.tags().get("deployed.gw-1").startsWith("HEALTHY 2025-"), v.tags().toString());
        MlflowClient.RunData odd = runs.stream().filter(r -> !"gw-1".equals(r.params().get("gateway"))).findFirst().get();
        assertEquals(Names.MAX_NAME, odd.params().get("package").length());
        assertTrue(v.tags().keySet().stream().anyMatch(k -> k.matches("deployed\\.__-[0-9a-f]{8}")), v.tags().toString());
        assertTrue(logText().contains("rejected a message on acme/gw-1/VIGIE/model: not a telemetry payload"), logText());
    }

    @Test
    @Order(2)
    void mlflowStoppedWhileEventsArriveLosesNothingAndWritesOnce() throws Exception {
        int before = runs().size();
        mlflow.stop();
        ExecutorService ex = Executors.newSingleThreadExecutor();
        try (AuditListener l = listener(0)) {
            Future<Integer> running = ex.submit(l::run);
            publish("gw-2", Events.installed("1.0.2", DP_SHA, T0 + 50_000));
            publish("gw-2", Events.rollback("1.0.2", DP_SHA, T0 + 50_000, T0 + 58_000));
            publish("gw-3", Events.installed("1.0.2", DP_SHA, T0 + 60_000));
            await("the outage said", 60_000, () -> logText().contains("not logged yet"));
            await("both deployments journaled", 30_000, () -> count(l) == 2);
            mlflow.start(); // same port, same sqlite file
            await("the journal written to MLflow", 120_000, () -> count(l) == 0);
            assertTrue(logText().contains("MLflow is back"), logText());
            publish("gw-2", Events.rollback("1.0.2", DP_SHA, T0 + 50_000, T0 + 58_000)); // replays after the outage
            publish("gw-2", Events.installed("1.0.2", DP_SHA, T0 + 50_000));
            Thread.sleep(3_000);
            l.close();
            assertEquals(0, running.get(30, TimeUnit.SECONDS));
        } finally {
            ex.shutdownNow();
        }
        List<MlflowClient.RunData> runs = runs();
        assertEquals(before + 2, runs.size(), runs.toString());
        MlflowClient.RunData rb = runs.stream().filter(r -> "gw-2".equals(r.params().get("gateway"))).findFirst().get();
        assertEquals("ROLLED_BACK", rb.tags().get("verdict"));
        assertEquals("1.0.0", rb.tags().get("restored.version"));
        assertEquals("7", rb.tags().get("job.id"));
        assertTrue(rb.tags().get("reason").contains("refused"));
        MlflowClient.RunData pending = runs.stream().filter(r -> "gw-3".equals(r.params().get("gateway"))).findFirst().get();
        assertEquals("PENDING", pending.tags().get("verdict"));
        assertEquals("RUNNING", pending.status());
        assertTrue(client.getVersion(MlflowAuditWriter.REGISTERED_MODEL, registryVersion).tags().get("deployed.gw-2")
                .startsWith("ROLLED_BACK"));
    }

    @Test
    @Order(3)
    void theCommandDrainsOnceAndStopsCleanlyOnSigterm() throws Exception {
        Path state = dir.resolve("cli-state");
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), AuditMain.class.getName(), "--broker", broker.uri(), "--mlflow",
                mlflow.uri(), "--client-id", "audit-cli", "--state", state.toString());
        List<String> once = new java.util.ArrayList<>(cmd);
        once.add("--once");
        Process p = new ProcessBuilder(once).redirectErrorStream(true).start();
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), text);
        assertTrue(text.contains("0 record(s) logged"), text);

        Path outFile = dir.resolve("cli.out");
        Process running = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(outFile.toFile()).start();
        await("listening", 30_000, () -> read(outFile).contains("persistent session"));
        publish("gw-cli", Events.installed("3.0.0", DP_SHA, T0 + 900_000));
        await("logged by the command", 30_000, () -> read(outFile).contains("on gw-cli: PENDING"));
        running.destroy(); // SIGTERM
        assertTrue(running.waitFor(30, TimeUnit.SECONDS), "stopped on SIGTERM: " + read(outFile));
        assertTrue(read(outFile).contains("audit: stopped"), read(outFile));
        assertTrue(read(outFile).contains("1 record(s) logged"), read(outFile));
        assertEquals(0, new Journal(state).count());
    }

    static String read(Path f) {
        try {
            return Files.exists(f) ? Files.readString(f) : "";
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static int count(AuditListener l) {
        try {
            return l.journal().count();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
