package io.vigie.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

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
import com.google.gson.JsonParser;

import io.vigie.cloud.paho.KuraPayloadCodec;
import io.vigie.ota.core.PackageSigner;
import io.vigie.testkit.TeeOutput;
import io.vigie.tools.fleet.FleetMain;
import io.vigie.tools.fleet.FleetSim;
import io.vigie.tools.fleet.MqttGateways;

/**
 * ./vigie fleet against 10 real gateways (./vigie fleet-sim's processes, one real Mosquitto), each scenario a rollout of a
 * real signed model package over DEPLOY-V2: good model to all (every gateway's status asked all along: always a serving
 * model), bad model (the canary's health check refuses it: halt, the rest untouched), a gateway killed mid-install, the
 * broker restarted during a wave, a second rollout while one runs (refused), hostile targets and forged messages.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FleetIT {
    static final String ACCOUNT = "acme";
    static final String INT8 = OtaIT.INT8;
    static final int N = 10;
    Path dir;
    FleetSim sim;
    PackageSigner.KeyFiles keys;
    byte[] int8Bundle;
    String v1;
    MqttGateways watch;
    MqttClient tap;
    /** EXEC requests the gateways were sent (topic), to prove what was and was not touched. */
    final List<String> execs = new CopyOnWriteArrayList<>();
    final Map<String, String> notifyProgress = new ConcurrentHashMap<>();
    String ids;

    @BeforeAll
    void start() throws Exception {
        dir = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "fleet-");
        keys = PackageSigner.generate(dir.resolve("keys"), false);
        int8Bundle = Files.readAllBytes(TestDp.modelBundle("int8"));
        v1 = TestDp.bundleVersion(int8Bundle);
        Map<String, String> ota = Map.of("health.window.seconds", "10", "health.latency.budget.ms", "-1",
                "download.allow.local", "true", "allow.downgrade", "true");
        sim = new FleetSim(new FleetSim.Options(N, 2, 4, dir, ACCOUNT, "fleet-", Gateway.vtest(), keys.publicKeyBase64(), ota),
                Gateway.root());
        sim.prepare();
        long t0 = System.nanoTime();
        sim.start(Duration.ofSeconds(180), System.out);
        System.out.printf("FleetIT: %d gateways up in %.1f s%n", N, (System.nanoTime() - t0) / 1e9);
        ids = String.join(",", sim.gateways.stream().map(g -> g.id).toList());
        tap = new MqttClient(sim.broker.uri(), "fleet-it-tap", new MemoryPersistence());
        tap.connect();
        KuraPayloadCodec codec = new KuraPayloadCodec();
        tap.subscribe("$EDC/" + ACCOUNT + "/+/DEPLOY-V2/EXEC/#", 1, (t, m) -> execs.add(t));
        tap.subscribe("$EDC/" + ACCOUNT + "/+/DEPLOY-V2/NOTIFY/#", 1, (t, m) -> {
            KuraPayload p = codec.decode(m.getPayload());
            notifyProgress.put(t.split("/")[5], t.split("/")[6] + " " + p.getMetric("dp.download.status") + " "
                    + p.getMetric("dp.install.status"));
        });
        watch = new MqttGateways(sim.broker.uri(), ACCOUNT, "fleet-it-watch", Files.createDirectories(dir.resolve("watch")),
                Duration.ofSeconds(20), System.out);
        watch.connect(Duration.ofSeconds(10));
        // BIRTH comes before the first model is loaded: the rollouts start on a fleet that serves
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
        for (FleetSim.Gw g : sim.gateways) {
            Map<String, Object> st = null;
            while (System.nanoTime() < end && (st == null || !"RUNNING".equals(st.get("state")))) {
                st = watch.status(g.id);
                if (st == null || !"RUNNING".equals(st.get("state"))) Thread.sleep(500);
            }
            assertEquals("RUNNING", st == null ? null : st.get("state"), g.id + " serving: " + st);
        }
    }

    @AfterAll
    void stop() throws Exception {
        if (watch != null) watch.close();
        if (tap != null && tap.isConnected()) tap.disconnect();
        if (sim != null) {
            sim.close();
            for (FleetSim.Gw g : sim.gateways) {
                String log = Files.exists(g.log) ? Files.readString(g.log) : "";
                System.out.println("---- " + g.id + " log tail ----\n" + log.substring(Math.max(0, log.length() - 1500)));
            }
        }
    }

    /** A package and its detached signature (what ./vigie sign writes) in {@code dir}. */
    static Path signed(Path dir, PackageSigner.KeyFiles keys, String name, byte[] dp) throws Exception {
        Path f = dir.resolve(name + ".dp");
        Files.write(f, dp);
        java.security.Signature s = java.security.Signature.getInstance("Ed25519");
        s.initSign(PackageSigner.readPrivateKey(keys.privateKey()));
        s.update(dp);
        Files.writeString(dir.resolve(name + ".dp.sig"), java.util.Base64.getEncoder().encodeToString(s.sign()));
        return f;
    }

    Path signed(String name, byte[] dp) throws Exception {
        return signed(dir, keys, name, dp);
    }

    /** A signed INT8 model package at this version (the built model bundle, its Bundle-Version changed). */
    static Path modelDp(Path dir, PackageSigner.KeyFiles keys, byte[] int8Bundle, String version) throws Exception {
        byte[] b = version.equals(TestDp.bundleVersion(int8Bundle)) ? int8Bundle : TestDp.withVersion(int8Bundle, version);
        return signed(dir, keys, "int8-" + version, TestDp.dp(INT8, version, b, Map.of("Vigie-Kind", "model")));
    }

    Path modelDp(String version) throws Exception {
        return modelDp(dir, keys, int8Bundle, version);
    }

    /** The rollout, as ./vigie fleet runs it; @return exit code, output, report. */
    record Run(int rc, String out, JsonObject report, double seconds) {
        JsonObject gw(String id) {
            return report.getAsJsonObject("gateways").getAsJsonObject(id);
        }

        String status(String id) {
            return gw(id).get("status").getAsString();
        }
    }

    Run fleet(String state, Path dp, String... more) {
        TeeOutput tee = new TeeOutput();
        List<String> args = new ArrayList<>(List.of("--broker", sim.broker.uri(), "--account", ACCOUNT, "--dp", dp.toString(),
                "--public-key", keys.publicKeyBase64(), "--gateways", ids, "--state", dir.resolve(state).toString(),
                "--discover", "60", "--job-timeout", "240", "--offline-wait", "180"));
        args.addAll(List.of(more));
        long t0 = System.nanoTime();
        int rc = FleetMain.run(args.toArray(String[]::new), tee.stream());
        double secs = (System.nanoTime() - t0) / 1e9;
        JsonObject report = null;
        try {
            Path r = dir.resolve(state).resolve("report.json");
            if (Files.exists(r)) report = JsonParser.parseString(Files.readString(r)).getAsJsonObject();
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
        return new Run(rc, tee.text(), report, secs);
    }

    /** Every gateway's packages, asked over DEPLOY-V2 by the test's own client. */
    Map<String, Map<String, String>> packages() throws Exception {
        Map<String, Map<String, String>> m = new LinkedHashMap<>();
        for (FleetSim.Gw g : sim.gateways) m.put(g.id, watch.packages(g.id));
        return m;
    }

    void allOn(String version) throws Exception {
        packages().forEach((id, p) -> assertEquals(Map.of(INT8, version), p, id));
    }

    @Test
    @Order(1)
    void hostileTargetsAreRefusedBeforeAnyGatewayIsTouched() throws Exception {
        Path garbage = dir.resolve("garbage.dp");
        Files.write(garbage, new byte[] { 'P', 'K', 3, 4, 0, 0, 1, 2, 3 });
        Files.writeString(dir.resolve("garbage.dp.sig"), "AAAA");
        Run r = fleet("hostile", garbage);
        assertEquals(1, r.rc(), r.out());
        assertTrue(r.out().contains("not a deployment package"), r.out());
        Path unsigned = modelDp(v1);
        Files.delete(Path.of(unsigned + ".sig"));
        r = fleet("hostile", unsigned);
        assertEquals(1, r.rc(), r.out());
        assertTrue(r.out().contains("is not signed"), r.out());
        Thread.sleep(1000);
        assertEquals(List.of(), execs, "no gateway was sent anything");
        packages().forEach((id, p) -> assertEquals(Map.of(), p, id));
    }

    @Test
    @Order(2)
    void goodModelReachesAllWithAServingModelThroughoutAndASecondRolloutIsRefused() throws Exception {
        Path dp = modelDp(v1);
        AtomicBoolean done = new AtomicBoolean();
        AtomicInteger answered = new AtomicInteger();
        List<String> withoutModel = new CopyOnWriteArrayList<>();
        // forged messages all along: a BIRTH of a gateway that does not exist, verdicts for jobs the tool never sent
        MqttClient forger = new MqttClient(sim.broker.uri(), "forger", new MemoryPersistence());
        forger.connect();
        KuraPayloadCodec codec = new KuraPayloadCodec();
        CompletableFuture<Void> watcher = CompletableFuture.runAsync(() -> {
            try {
                while (!done.get()) {
                    KuraPayload birth = new KuraPayload();
                    birth.addMetric("display_name", "ghost");
                    forger.publish("$EDC/" + ACCOUNT + "/ghost-001/MQTT/BIRTH", codec.encode(birth), 1, false);
                    KuraPayload forged = new KuraPayload();
                    forged.addMetric("job.id", 42L);
                    forged.addMetric("dp.install.status", "COMPLETED");
                    forger.publish("$EDC/" + ACCOUNT + "/vigie-fleet/DEPLOY-V2/NOTIFY/fleet-002/install", codec.encode(forged), 1,
                            false);
                    for (FleetSim.Gw g : sim.gateways) {
                        Map<String, Object> st = watch.status(g.id);
                        if (st == null) continue;
                        answered.incrementAndGet();
                        if (!"RUNNING".equals(st.get("state")) || st.get("model.sha256") == null)
                            withoutModel.add(g.id + " " + st);
                    }
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        CompletableFuture<Run> first = CompletableFuture.supplyAsync(() -> fleet("main", dp, "--waves", "1,10%,100%",
                "--parallel", "5"));
        // a second rollout on the same state while the first runs: refused, not queued
        Path lock = dir.resolve("main/state.json");
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!Files.exists(lock) && System.nanoTime() < end) Thread.sleep(100);
        Run second = fleet("main", modelDp(v1 + "b"));
        assertEquals(1, second.rc(), second.out());
        assertTrue(second.out().contains("another rollout is running") && second.out().contains("refused"), second.out());

        Run r = first.get(10, TimeUnit.MINUTES);
        done.set(true);
        watcher.get(2, TimeUnit.MINUTES);
        forger.disconnect();
        assertEquals(0, r.rc(), r.out());
        System.out.printf("FleetIT: good model to %d gateways in %.1f s%n", N, r.seconds());
        for (FleetSim.Gw g : sim.gateways) {
            JsonObject gw = r.gw(g.id);
            assertEquals("HEALTHY", gw.get("status").getAsString(), gw.toString());
            System.out.printf("FleetIT:   %s wave %d swap %s ms, installed->verdict %s ms%n", g.id, gw.get("wave").getAsInt() + 1,
                    gw.get("swapMs"), gw.get("verdictAt").isJsonNull() || gw.get("installedAt").isJsonNull() ? "?"
                            : gw.get("verdictAt").getAsLong() - gw.get("installedAt").getAsLong());
        }
        assertEquals(0, r.gw("fleet-001").get("wave").getAsInt(), "the canary");
        assertFalse(r.report().getAsJsonObject("gateways").has("ghost-001"), "a BIRTH nobody answers for is no gateway");
        assertTrue(r.out().contains("ignored BIRTH of ghost-001"), r.out());
        assertTrue(r.report().getAsJsonObject("summary").get("messagesIgnored").getAsLong() > 0);
        assertEquals(List.of(), withoutModel, "every status answer during the rollout showed a serving model");
        assertTrue(answered.get() >= 2 * N, "statuses asked during the rollout: " + answered.get());
        allOn(v1);

        // idempotent: the same package again touches nobody
        execs.clear();
        Run again = fleet("main", dp);
        assertEquals(0, again.rc(), again.out());
        assertEquals(N, again.report().getAsJsonObject("summary").get("SKIPPED").getAsInt(), again.out());
        assertEquals(List.of(), execs);
    }

    @Test
    @Order(3)
    void badModelFailsOnTheCanaryHaltsAndLeavesTheRestUntouched() throws Exception {
        String bad = v1 + "nolabel";
        Path dp = signed("bad", RollbackIT.refusedModelDp(int8Bundle, bad));
        execs.clear();
        Run r = fleet("main", dp, "--waves", "1,10%,100%", "--max-failures", "0");
        assertEquals(2, r.rc(), r.out());
        System.out.printf("FleetIT: bad model halted (and rolled back) in %.1f s%n", r.seconds());
        assertEquals("FAILED", r.status("fleet-001"));
        assertTrue(r.gw("fleet-001").get("reason").getAsString().contains("ROLLED_BACK"), r.gw("fleet-001").toString());
        for (int i = 2; i <= N; i++) assertEquals("UNTOUCHED", r.status(String.format("fleet-%03d", i)));
        assertTrue(execs.stream().allMatch(t -> t.contains("/fleet-001/")), "only the canary was sent anything: " + execs);
        allOn(v1); // the canary rolled itself back; the others never moved
    }

    /** Sets the OTA health latency budget of one gateway (-1: the detector's), waiting until it logs it in force. */
    void budget(FleetSim.Gw g, String ms) throws Exception {
        Map<String, Object> ota = new LinkedHashMap<>(Map.of("health.window.seconds", "10", "health.latency.budget.ms", ms,
                "download.allow.local", "true", "allow.downgrade", "true", "public.key", keys.publicKeyBase64()));
        long before = Files.readString(g.log).split("health budget", -1).length;
        g.writeConfig("io.vigie.ota", ota);
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (Files.readString(g.log).split("health budget", -1).length == before && System.nanoTime() < end) Thread.sleep(200);
    }

    @Test
    @Order(4)
    void aFailureInALaterWaveRollsTheUpdatedGatewaysBackToTheirPreviousPackage() throws Exception {
        FleetSim.Gw slow = sim.gateways.get(N - 1);
        budget(slow, "1"); // no model does a frame in 1 ms: its health check refuses any new model
        try {
            Run r = fleet("main", modelDp(v1 + "w"), "--waves", "1,100%", "--max-failures", "0", "--parallel", "9");
            assertEquals(2, r.rc(), r.out());
            System.out.printf("FleetIT: wave-2 failure: halted and rolled back in %.1f s%n", r.seconds());
            assertEquals("FAILED", r.status(slow.id));
            assertEquals("RESTORED", r.status("fleet-001"), "the canary passed, then was put back");
            for (int i = 2; i < N; i++) { // put back by the tool, or (a failure of its own) by the gateway
                String id = String.format("fleet-%03d", i);
                assertTrue(List.of("RESTORED", "FAILED").contains(r.status(id)), r.gw(id).toString());
            }
            assertEquals(0, r.report().getAsJsonObject("summary").get("HEALTHY").getAsInt(), r.out());
            allOn(v1); // every gateway back on the package it had before this rollout
        } finally {
            budget(slow, "-1");
        }
    }

    @Test
    @Order(5)
    void gatewayKilledMidInstallComesBackOnAModelThatPassedItsChecks() throws Exception {
        String v2 = v1 + "k";
        Path dp = modelDp(v2);
        FleetSim.Gw victim = sim.gateways.get(3);
        notifyProgress.clear();
        CompletableFuture<Run> run = CompletableFuture.supplyAsync(
                () -> fleet("main", dp, "--waves", "100%", "--parallel", "10"));
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!notifyProgress.getOrDefault(victim.id, "").startsWith("install") && System.nanoTime() < end) Thread.sleep(50);
        // the kill must land mid-install, or this test would only check an ordinary restart
        assertTrue(notifyProgress.getOrDefault(victim.id, "").startsWith("install"),
                victim.id + " never reported install progress: " + notifyProgress);
        sim.kill(victim);
        System.out.println("FleetIT: killed " + victim.id + " at " + notifyProgress.get(victim.id));
        Thread.sleep(2000);
        sim.startOne(victim, Duration.ofSeconds(120));
        Run r = run.get(10, TimeUnit.MINUTES);
        assertEquals(0, r.rc(), r.out());
        assertEquals("HEALTHY", r.status(victim.id), r.gw(victim.id).toString());
        Map<String, Object> st = watch.status(victim.id);
        assertEquals("RUNNING", st.get("state"), String.valueOf(st));
        assertEquals(Map.of(INT8, v2), watch.packages(victim.id));
        allOn(v2);
    }

    @Test
    @Order(6)
    void brokerRestartDuringAWaveResumes() throws Exception {
        String v3 = v1 + "r";
        Path dp = modelDp(v3);
        execs.clear();
        CompletableFuture<Run> run = CompletableFuture.supplyAsync(
                () -> fleet("main", dp, "--waves", "1,100%", "--parallel", "3"));
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
        while (execs.stream().filter(t -> t.endsWith("/download")).count() < 3 && System.nanoTime() < end) Thread.sleep(50);
        // the broker must go down during the wave, not before it started
        assertTrue(execs.stream().filter(t -> t.endsWith("/download")).count() >= 3, "downloads sent: " + execs);
        sim.broker.stop();
        Thread.sleep(3000);
        sim.broker.start();
        Run r = run.get(10, TimeUnit.MINUTES);
        assertEquals(0, r.rc(), r.out());
        assertTrue(r.out().contains("reconnected"), r.out());
        allOn(v3);
    }
}
