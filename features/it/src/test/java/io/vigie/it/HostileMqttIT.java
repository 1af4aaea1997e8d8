package io.vigie.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;

import org.eclipse.kura.message.KuraPayload;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import com.sun.net.httpserver.HttpServer;

import io.vigie.cloud.paho.KuraPayloadCodec;
import io.vigie.testkit.Mosquitto;

/**
 * Issue 10's MQTT ways in on the real gateway and a real Mosquitto: oversized, gzip-bomb, garbage and ill-typed
 * requests; DEPLOY-V2 with absurd download parameters; a cloud store file whose header was overwritten. One gateway
 * for the class; in every case it answers what can be answered, keeps publishing metrics and keeps detecting.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HostileMqttIT {
    static final String ACCOUNT = "acme";
    static final String DEVICE = "vigie-hostile";
    static final String ME = "cloud-hostile";
    static final String V1 = "VIGIE-V1";
    static final String V2 = "DEPLOY-V2";
    static final String METRICS = ACCOUNT + "/" + DEVICE + "/VIGIE/metrics";
    /** bundles/cloud README: {@code max.request.bytes} default. */
    static final int LIMIT = 1_048_576;

    record Metrics(long receivedAt, KuraPayload payload) {
    }

    final KuraPayloadCodec codec = new KuraPayloadCodec();
    final List<Metrics> metrics = new CopyOnWriteArrayList<>();
    final Map<String, byte[]> served = new ConcurrentHashMap<>();
    Mosquitto broker;
    HttpServer http;
    Gateway gw;
    KuraCloud cloud;
    MqttClient raw;
    long jobs;
    int rawRequests;
    Path mounted;

    @BeforeAll
    void start() throws Exception {
        Path dir = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "hostile-mqtt-");
        broker = new Mosquitto(Files.createDirectories(dir.resolve("mqtt")));
        broker.start();
        http = HostileKit.serve(served);
        cloud = new KuraCloud(broker.uri(), ACCOUNT, ME, DEVICE);
        // a second client: raw bytes out (what KuraCloud cannot send), the telemetry's metrics in
        raw = new MqttClient(broker.uri(), "hostile-raw", new MemoryPersistence());
        MqttConnectOptions o = new MqttConnectOptions();
        o.setCleanSession(true);
        o.setMaxInflight(100);
        raw.connect(o);
        raw.subscribe(METRICS, 1, (t, m) -> metrics.add(new Metrics(System.currentTimeMillis(),
                codec.decode(m.getPayload()))));
        gw = HostileKit.start("gw-", RollbackIT.otaConfig(0), g -> {
            g.writeCloudConfig(broker.uri(), DEVICE, ACCOUNT, null); // default store: data/cloud/store
            Map<String, Object> t = new LinkedHashMap<>();
            t.put("metrics.interval.s", "1");
            t.put("rate.max.per.s", "20");
            t.put("rate.burst", "50");
            g.writeConfig("io.vigie.telemetry", t);
        });
        cloud.await(m -> m.topic().equals("$EDC/" + ACCOUNT + "/" + DEVICE + "/MQTT/BIRTH"), 60_000);
        awaitDeployV2();
    }

    @AfterAll
    void stop() throws Exception {
        try {
            if (raw != null) {
                if (raw.isConnected()) raw.disconnect();
                raw.close();
            }
            if (cloud != null) cloud.close();
        } finally {
            HostileKit.stop(gw);
            if (mounted != null) new ProcessBuilder("umount", "-l", mounted.toString()).inheritIO().start().waitFor();
            if (http != null) http.stop(0);
            if (broker != null) broker.close();
        }
    }

    @Test
    @Order(1)
    void oversizedGzipBombGarbageAndIllTypedRequestsAreRefusedAndTheGatewayCarriesOn() throws Exception {
        long t0 = System.currentTimeMillis();
        for (String target : List.of("GET/status", "PUT/config")) {
            // (a) above the limit on the wire: the reply address is read from the metrics before the body
            byte[] big = new byte[LIMIT + 200_000];
            new Random(1).nextBytes(big);
            KuraCloud.Msg r = rawRequest(target, id -> KuraCloud.encode(address(id), big));
            assertEquals(400, r.metric("response.code"), r.metrics().toString());
            assertTrue(String.valueOf(r.metric("response.exception.message")).contains("max.request.bytes"),
                    r.metrics().toString());
            // (b) a gzip bomb: 64 MiB of body inflated from ~64 kB
            byte[][] bomb = new byte[1][];
            r = rawRequest(target, id -> bomb[0] = gzipBomb(address(id), 64));
            assertTrue(bomb[0].length < LIMIT / 8, "bomb on the wire: " + bomb[0].length);
            assertEquals(400, r.metric("response.code"), r.metrics().toString());
            assertTrue(String.valueOf(r.metric("response.exception.message")).contains("max.request.bytes"),
                    r.metrics().toString());
            System.out.printf("hostile mqtt %s: oversized %d bytes and gzip bomb %d bytes (64 MiB inflated) -> 400%n",
                    target, big.length, bomb[0].length);
            // (c) garbage, plain and behind a gzip header: no reply address can be read, nothing may break
            Random rnd = new Random(2);
            for (int i = 0; i < 5; i++) {
                byte[] g = new byte[64 + rnd.nextInt(8192)];
                rnd.nextBytes(g);
                if (i % 2 == 1) {
                    g[0] = 0x1f;
                    g[1] = (byte) 0x8b;
                }
                raw.publish("$EDC/" + ACCOUNT + "/" + DEVICE + "/" + V1 + "/" + target, g, 1, false);
            }
        }
        // (d) valid KuraPayloads, wrong metric types for PUT config: 400 each
        List<Map<String, Object>> illTyped = List.of(Map.of("score.threshold", Boolean.TRUE), Map.of("threads", "two"),
                Map.of("dwell.ms", new byte[] { 1, 2, 3 }), Map.of("zones", 42), Map.of("score.threshold", 1e308));
        for (Map<String, Object> m : illTyped) {
            KuraCloud.Msg r = cloud.request(V1, "PUT", "config", m);
            assertEquals(400, r.metric("response.code"), m + " -> " + r.metrics());
            assertNotNull(r.metric("response.exception.message"), m.toString());
        }
        assertTrue(gw.alive(), "gateway process alive");
        carriesOn(t0);
    }

    @Test
    @Order(2)
    void deployV2AbsurdParametersAreClampedAndDoNotFlood() throws Exception {
        byte[] bundle = HostileKit.int8Bundle();
        String version = TestDp.bundleVersion(bundle);
        String slowVersion = version + "slow";
        served.put("/slow.dp", TestDp.dp(HostileKit.INT8, slowVersion, TestDp.withVersion(bundle, slowVersion),
                Map.of("Vigie-Kind", "model")));
        byte[] dp = TestDp.dp(HostileKit.INT8, version, bundle, Map.of("Vigie-Kind", "model"));
        served.put("/int8.dp", dp);

        // negative and wrong-typed values: refused at once, no job
        for (Map.Entry<String, Object> bad : List.<Map.Entry<String, Object>>of(
                Map.entry("dp.download.block.size", -1), Map.entry("dp.download.block.delay", -5),
                Map.entry("dp.download.timeout", -1), Map.entry("dp.download.notify.block.size", "1"),
                Map.entry("dp.download.block.size", Boolean.TRUE))) {
            Map<String, Object> req = download("/slow.dp", slowVersion);
            req.put(bad.getKey(), bad.getValue());
            KuraCloud.Msg r = cloud.request(V2, "EXEC", "download", req);
            assertEquals(400, r.metric("response.code"), bad + " -> " + r.metrics());
        }
        assertEquals("ALREADY_DONE", cloud.request(V2, "GET", "download", Map.of()).metric("dp.download.status"));

        // every absurd value at once: clamped in the reply; the 5 s pauses make it slow, so it is cancelled
        Map<String, Object> req = absurd(download("/slow.dp", slowVersion));
        req.put("dp.download.block.delay", 3_600_000);
        cloud.clear();
        long t0 = System.currentTimeMillis();
        KuraCloud.Msg r = cloud.request(V2, "EXEC", "download", req);
        assertEquals(200, r.metric("response.code"), r.metrics().toString());
        assertEquals(65_536, r.metric("dp.download.block.size"), r.metrics().toString());
        assertEquals(5_000, r.metric("dp.download.block.delay"), r.metrics().toString());
        assertTrue((Integer) r.metric("dp.download.notify.block.size") >= 65_536, r.metrics().toString());
        assertEquals(10_000, r.metric("dp.download.timeout"), r.metrics().toString());
        String limits = String.valueOf(r.metric("dp.download.limits"));
        assertTrue(limits.contains("dp.download.block.size 1 -> 65536") && limits.contains("3600000 -> 5000"), limits);
        KuraCloud.Msg first = cloud.notification(V2, "download", "dp.download.status", "IN_PROGRESS", 30_000);
        assertEquals(limits, first.metric("dp.download.limits"), first.metrics().toString());
        Thread.sleep(12_000); // let a few 5 s pauses pass: progress must follow blocks, not bytes
        long slowJob = jobs;
        int slowNotes = notes(slowJob);
        assertEquals(200, cloud.request(V2, "DEL", "download", Map.of()).metric("response.code"));
        KuraCloud.Msg cancelled = cloud.notification(V2, "download", "dp.download.status", "FAILED", 30_000);
        assertTrue(String.valueOf(cancelled.metric("dp.download.error.message")).contains("cancelled"),
                cancelled.metrics().toString());
        System.out.printf("DEPLOY-V2 absurd: reply %s; %d download notifications in %d ms of 5 s pauses, cancelled%n",
                r.metrics(), slowNotes, System.currentTimeMillis() - t0);
        assertTrue(slowNotes >= 1 && slowNotes <= 6, "notifications while paused: " + slowNotes);

        // 1-byte blocks and notify interval, 1 ms timeout, no pause: clamped, completes, at most ~100 progress notes
        cloud.clear();
        t0 = System.currentTimeMillis();
        // the one-job lock may outlive the FAILED notification by a moment: ask again while it answers 500 (busy)
        r = gw.await("EXEC download accepted", Duration.ofSeconds(30),
                () -> cloud.request(V2, "EXEC", "download", absurd(download("/int8.dp", version))),
                x -> !Integer.valueOf(500).equals(x.metric("response.code")));
        assertEquals(200, r.metric("response.code"), r.metrics().toString());
        assertEquals(65_536, r.metric("dp.download.block.size"), r.metrics().toString());
        assertEquals(10_000, r.metric("dp.download.timeout"), r.metrics().toString());
        cloud.notification(V2, "download", "dp.download.status", "COMPLETED", 60_000);
        long downloadMs = System.currentTimeMillis() - t0;
        KuraCloud.Msg installed = cloud.notification(V2, "install", "dp.install.status", "COMPLETED", 120_000);
        assertEquals(100, installed.metric("dp.install.progress"), installed.metrics().toString());
        int fastNotes = notes(jobs);
        System.out.printf("DEPLOY-V2 1-byte blocks: %d-byte package, %d download notifications, downloaded in %d ms,"
                + " installed in %d ms%n", dp.length, fastNotes, downloadMs, System.currentTimeMillis() - t0);
        assertTrue(fastNotes >= 2 && fastNotes <= 105, "download notifications: " + fastNotes);
        assertTrue(cloud.request(V2, "GET", "packages", Map.of()).text().contains("<name>" + HostileKit.INT8 + "</name>"));
        gw.awaitDetectionsContinue("INT8", 60_000);
    }

    @Test
    @Order(3)
    void aDamagedStoreFileIsMovedAsideAndTheGatewayStaysReachable() throws Exception {
        Path store = gw.data.resolve("cloud").resolve("store").resolve("queue.mv.db");
        gw.close();
        assertTrue(Files.isRegularFile(store), "store file " + store);
        byte[] junk = new byte[8192];
        new Random(3).nextBytes(junk);
        try (FileChannel ch = FileChannel.open(store, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(junk), 0);
        }
        cloud.clear();
        long t0 = System.currentTimeMillis();
        gw.start();
        KuraCloud.Msg birth = cloud.await(m -> m.topic().equals("$EDC/" + ACCOUNT + "/" + DEVICE + "/MQTT/BIRTH"),
                120_000);
        long birthMs = System.currentTimeMillis() - t0;
        Object notice = birth.metric("store_notice");
        assertTrue(notice instanceof String s && !s.isBlank(), "store_notice in BIRTH: " + birth.metrics());
        gw.awaitJson(HostileKit.STATUS, s -> HostileKit.serving(s, "INT8"), 120_000);
        gw.await("metrics after the restart", Duration.ofSeconds(60),
                () -> metrics.stream().anyMatch(m -> m.receivedAt() > t0));
        awaitDeployV2();
        List<String> damaged;
        try (Stream<Path> s = Files.list(store.getParent())) {
            damaged = s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("queue.mv.db.damaged-")).toList();
        }
        assertEquals(1, damaged.size(), "moved aside: " + damaged);
        assertTrue(Files.isRegularFile(store), "a fresh store file");
        System.out.printf("damaged store: BIRTH %d ms after the start, store_notice '%s', moved aside as %s%n", birthMs,
                notice, damaged);
    }

    /**
     * A full disk under the cloud store, on the real gateway: the store's folder is a 2 MiB tmpfs, filled up while
     * the gateway publishes. The store switches to memory (a new BIRTH says so), telemetry keeps flowing, and when
     * space returns it goes back to its file (another BIRTH). Nothing is lost: the metrics' own timestamps have no
     * hole (one per second). Needs root (mount), as scripts/install-deps.sh does.
     */
    @Test
    @Order(4)
    void aFullDiskUnderTheStoreKeepsTelemetryFlowingInMemoryAndRecovers() throws Exception {
        gw.close();
        Path storeDir = Files.createDirectories(gw.data.getParent().resolve("full-store"));
        mount(storeDir);
        gw.writeCloudConfig(broker.uri(), DEVICE, ACCOUNT, storeDir);
        cloud.clear();
        gw.start();
        String birthTopic = "$EDC/" + ACCOUNT + "/" + DEVICE + "/MQTT/BIRTH";
        KuraCloud.Msg b = cloud.await(m -> m.topic().equals(birthTopic), 120_000);
        assertEquals("file", b.metric("store_mode"), b.metrics().toString());
        gw.awaitJson(HostileKit.STATUS, st -> HostileKit.serving(st, "INT8"), 120_000);
        long t0 = System.currentTimeMillis();
        Path filler = storeDir.resolve("filler");
        long filled = fill(filler);
        KuraCloud.Msg toMemory = cloud.await(m -> m.topic().equals(birthTopic) && "memory".equals(m.metric("store_mode")),
                90_000);
        long memoryMs = System.currentTimeMillis() - t0;
        assertTrue(String.valueOf(toMemory.metric("store_notice")).contains("memory"), toMemory.metrics().toString());
        long tMemory = System.currentTimeMillis();
        gw.await("metrics while the store is in memory", Duration.ofSeconds(30),
                () -> metrics.stream().filter(m -> m.receivedAt() > tMemory).count() >= 3);
        gw.awaitDetectionsContinue("INT8", 60_000);
        Files.delete(filler);
        long tFree = System.currentTimeMillis();
        KuraCloud.Msg back = cloud.await(m -> m.topic().equals(birthTopic) && "file".equals(m.metric("store_mode"))
                && ((Number) m.metric("store_memory_fallbacks")).longValue() >= 1, 90_000);
        long backMs = System.currentTimeMillis() - tFree;
        long tBack = System.currentTimeMillis();
        gw.await("metrics after the store is back on disk", Duration.ofSeconds(30),
                () -> metrics.stream().filter(m -> m.receivedAt() > tBack).count() >= 3);
        // nothing lost: the telemetry makes one metrics message a second; their own timestamps have no hole
        List<Long> stamps = metrics.stream().filter(m -> m.receivedAt() > t0 - 2_000)
                .map(m -> m.payload().getTimestamp().getTime()).sorted().toList();
        long maxGap = 0;
        for (int i = 1; i < stamps.size(); i++) maxGap = Math.max(maxGap, stamps.get(i) - stamps.get(i - 1));
        assertTrue(stamps.size() >= 10 && maxGap <= 3_000, "metrics " + stamps.size() + ", largest hole " + maxGap + " ms");
        System.out.printf("full disk: %d bytes of filler, store in memory after %d ms ('%s'), back on file %d ms after "
                + "space returned; %d metrics messages, largest hole %d ms%n", filled, memoryMs,
                toMemory.metric("store_notice"), backMs, stamps.size(), maxGap);
    }

    /** Writes until the file system says it is full. */
    static long fill(Path file) throws IOException {
        byte[] block = new byte[64 * 1024];
        long n = 0;
        try (OutputStream out = Files.newOutputStream(file)) {
            while (true) {
                out.write(block);
                n += block.length;
            }
        } catch (IOException full) {
            if (!String.valueOf(full.getMessage()).contains("space")) throw full;
        }
        return n;
    }

    void mount(Path dir) throws Exception {
        Process p = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=2m,mode=0700", "vigie-it-full", dir.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), "mount a 2 MiB tmpfs (needs root): " + out);
        mounted = dir;
    }

    // ---- helpers ---------------------------------------------------------------------------

    interface Payload {
        byte[] make(String requestId) throws IOException;
    }

    /** Publishes raw bytes as a VIGIE-V1 request (its address: request id, requester {@link #ME}); waits for the reply. */
    KuraCloud.Msg rawRequest(String target, Payload payload) throws Exception {
        String id = "raw-" + (++rawRequests) + "-" + System.nanoTime();
        raw.publish("$EDC/" + ACCOUNT + "/" + DEVICE + "/" + V1 + "/" + target, payload.make(id), 1, false);
        String replyTopic = "$EDC/" + ACCOUNT + "/" + ME + "/" + V1 + "/REPLY/" + id;
        return cloud.await(m -> m.topic().equals(replyTopic), 30_000);
    }

    static Map<String, Object> address(String id) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("request.id", id);
        m.put("requester.client.id", ME);
        return m;
    }

    /** gzip of a KuraPayload (metrics first) whose body is {@code mib} MiB of zeros, streamed: no big array here. */
    static byte[] gzipBomb(Map<String, Object> metrics, int mib) throws IOException {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(bos)) {
            gz.write(KuraCloud.encode(metrics, null));
            long len = (long) mib << 20;
            varint(gz, (5001L << 3) | 2); // field 5001 (body), length-delimited
            varint(gz, len);
            byte[] zeros = new byte[1 << 20];
            for (int i = 0; i < mib; i++) gz.write(zeros);
        }
        return bos.toByteArray();
    }

    private static void varint(OutputStream out, long v) throws IOException {
        while ((v & ~0x7FL) != 0) {
            out.write((int) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        out.write((int) v);
    }

    /** Metrics still published after {@code since}, the detector RUNNING with frames counting up, GET status 200. */
    void carriesOn(long since) throws Exception {
        KuraPayload m = gw.await("metrics after the hostile requests", Duration.ofSeconds(60),
                () -> metrics.stream().filter(x -> x.receivedAt() > since + 1_000).findFirst(),
                java.util.Optional::isPresent).get().payload();
        assertEquals("RUNNING", m.getMetric("detector.state"));
        gw.awaitDetectionsContinue("INT8", 60_000);
        KuraCloud.Msg st = cloud.request(V1, "GET", "status", Map.of());
        assertEquals(200, st.metric("response.code"), st.metrics().toString());
        assertEquals("RUNNING", st.metric("state"));
        long n = metrics.stream().filter(x -> x.receivedAt() > since).count();
        System.out.printf("hostile mqtt: %d metrics messages since the first hostile request (%d ms ago)%n", n,
                System.currentTimeMillis() - since);
    }

    /** The DEPLOY-V2 handler registers once the ota component binds the cloud's registry: ask until it answers. */
    void awaitDeployV2() throws Exception {
        gw.await("DEPLOY-V2 GET packages answering 200", Duration.ofSeconds(90),
                () -> cloud.request(V2, "GET", "packages", Map.of()),
                r -> Integer.valueOf(200).equals(r.metric("response.code")));
    }

    String url(String path) {
        return "http://127.0.0.1:" + http.getAddress().getPort() + path;
    }

    Map<String, Object> download(String path, String version) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("dp.uri", url(path));
        m.put("dp.name", HostileKit.INT8);
        m.put("dp.version", version);
        m.put("dp.download.protocol", "HTTP");
        m.put("job.id", ++jobs);
        m.put("dp.install.system.update", false);
        m.put("dp.install", true);
        m.put("dp.signature", gw.signature(served.get(path)));
        return m;
    }

    /** 1-byte blocks and notify interval, a 1 ms timeout. */
    static Map<String, Object> absurd(Map<String, Object> req) {
        req.put("dp.download.block.size", 1);
        req.put("dp.download.notify.block.size", 1);
        req.put("dp.download.timeout", 1);
        return req;
    }

    /** Download notifications received for a job. */
    int notes(long job) {
        String topic = "$EDC/" + ACCOUNT + "/" + ME + "/" + V2 + "/NOTIFY/" + DEVICE + "/download";
        return (int) cloud.all.stream().filter(m -> m.topic().equals(topic) && Long.valueOf(job).equals(m.metric("job.id")))
                .count();
    }
}
