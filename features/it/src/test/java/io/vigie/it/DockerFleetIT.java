package io.vigie.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import org.awaitility.Awaitility;
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

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.sun.net.httpserver.HttpServer;

/**
 * docker/ on a real Docker daemon (docs/FLEET.md "docker/"): docker/up.sh builds the base image (debootstrap, cached),
 * the gateway and broker images, and starts Mosquitto + 3 gateway containers limited like the seed (0.5 CPU, 512 MB);
 * each gateway detects people on the video and says so over MQTT, the limits are the containers' cgroup values, and
 * a model DP installs into one container over Kura DEPLOY-V2 (the step the fleet tool takes over later) while the
 * others stay untouched. No daemon (not root, dockerd does not start) fails here with the reason: never skipped.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DockerFleetIT {
    static final int GATEWAYS = 3;
    static final String PROJECT = "vigieit";
    static final String ACCOUNT = "vigie";
    static final String APP = DeployV2IT.APP;
    Path run;
    Path upLog;
    int mqttPort;
    int portBase;
    final List<KuraCloud.Msg> metrics = new java.util.concurrent.CopyOnWriteArrayList<>();
    MqttClient listener;
    HttpServer http;
    final Map<String, byte[]> served = new ConcurrentHashMap<>();
    final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    void start() throws Exception {
        run = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "docker-fleet-");
        upLog = run.resolve("up.log");
        mqttPort = Gateway.freePort();
        portBase = freeBlock(GATEWAYS);
        // what an interrupted earlier run left (containers, volumes with its installed packages) goes first
        sh(run.resolve("cleanup.log"), Duration.ofMinutes(3), "bash", root().resolve("docker/up.sh").toString(), "--down",
                "--dir", run.toString(), "--project", PROJECT);
        // the whole set-up as users run it; a missing daemon makes up.sh (docker/daemon.sh) exit 1 with the reason
        int rc = sh(upLog, Duration.ofMinutes(12), "bash", root().resolve("docker/up.sh").toString(), "--gateways",
                Integer.toString(GATEWAYS), "--dir", run.toString(), "--project", PROJECT, "--port-base",
                Integer.toString(portBase), "--mqtt-port", Integer.toString(mqttPort), "--wait", "300");
        if (rc != 0) {
            throw new AssertionError("docker/up.sh failed (exit " + rc + "): the Docker fleet could not start; "
                    + "this test needs a Docker daemon (docker/daemon.sh starts one as root)\n" + tail(upLog));
        }
        listener = new MqttClient("tcp://127.0.0.1:" + mqttPort, "docker-it-metrics", new MemoryPersistence());
        MqttConnectOptions o = new MqttConnectOptions();
        o.setCleanSession(true);
        listener.connect(o);
        listener.subscribe(ACCOUNT + "/+/VIGIE/metrics", 0, (topic, m) -> metrics.add(KuraCloud.decode(topic, m.getPayload())));
    }

    @AfterAll
    void stop() throws Exception {
        if (listener != null && listener.isConnected()) listener.disconnect(2_000);
        if (http != null) http.stop(0);
        if (run == null) return;
        Path log = run.resolve("down.log");
        int rc = sh(log, Duration.ofMinutes(3), "bash", root().resolve("docker/up.sh").toString(), "--down", "--dir",
                run.toString(), "--project", PROJECT);
        String left = out("docker", "ps", "-aq", "--filter", "label=com.docker.compose.project=" + PROJECT);
        assertEquals(0, rc, "docker/up.sh --down failed\n" + tail(log));
        assertEquals("", left.strip(), "containers left after --down");
    }

    @Test
    @Order(1)
    void everyGatewayDetectsPeopleAndSaysSoOverMqtt() throws Exception {
        for (int i = 1; i <= GATEWAYS; i++) {
            String gw = "gw" + i;
            Awaitility.await(gw + " reporting persons in its telemetry").atMost(Duration.ofSeconds(120))
                    .pollInterval(Duration.ofMillis(500)).until(() -> metrics.stream().anyMatch(m ->
                            m.topic().equals(ACCOUNT + "/" + gw + "/VIGIE/metrics")
                                    && "RUNNING".equals(m.metric("detector.state"))
                                    && m.metric("persons.max") instanceof Integer p && p > 0));
            JsonObject status = json(i, "/vigie/api/status");
            assertEquals("RUNNING", status.get("state").getAsString(), status.toString());
            assertTrue(status.get("framesProcessed").getAsLong() > 0, status.toString());
            // the dashboard API needs this gateway's own password (up.sh made one per gateway): another's is refused
            HttpResponse<String> other = get(i, "/vigie/api/status", password(i % GATEWAYS + 1));
            assertEquals(401, other.statusCode());
        }
    }

    @Test
    @Order(2)
    void containersRunUnderTheSeedLimitsAsTheirOwnUser() throws Exception {
        for (int i = 1; i <= GATEWAYS; i++) {
            String c = PROJECT + "_gw" + i + "_1";
            // cgroup v1 (Debian's docker.io here) or v2
            String limits = out("docker", "exec", c, "sh", "-c", "cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us "
                    + "/sys/fs/cgroup/cpu/cpu.cfs_period_us /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null "
                    + "|| cat /sys/fs/cgroup/cpu.max /sys/fs/cgroup/memory.max").strip().replaceAll("\\s+", " ");
            assertEquals("50000 100000 536870912", limits, c + " cgroup cpu quota, period and memory limit");
            String uid = out("docker", "exec", c, "sh", "-c", "grep ^Uid: /proc/1/status").trim();
            assertTrue(uid.matches("Uid:\\s+10001\\s+10001.*"), c + " runs the JVM as root? " + uid);
            assertEquals("healthy", out("docker", "inspect", "-f", "{{.State.Health.Status}}", c).strip(), c);
        }
    }

    @Test
    @Order(3)
    void aModelPackageInstallsInOneContainerOverDeployV2() throws Exception {
        byte[] bundle = Files.readAllBytes(TestDp.modelBundle("int8"));
        String version = TestDp.bundleVersion(bundle);
        byte[] dp = TestDp.dp(OtaIT.INT8, version, bundle, Map.of("Vigie-Kind", "model"));
        // served on the compose network's gateway address: the containers reach the host there (a private address,
        // which the gateway's download policy accepts without download.allow.local)
        String hostIp = out("docker", "network", "inspect", "-f", "{{(index .IPAM.Config 0).Gateway}}",
                PROJECT + "_default").strip();
        http = HttpServer.create(new InetSocketAddress(hostIp, 0), 0);
        http.createContext("/", ex -> {
            byte[] b = served.get(ex.getRequestURI().getPath());
            ex.sendResponseHeaders(b == null ? 404 : 200, b == null ? -1 : b.length);
            if (b != null) ex.getResponseBody().write(b);
            ex.close();
        });
        http.start();
        served.put("/int8.dp", dp);
        try (KuraCloud cloud = new KuraCloud("tcp://127.0.0.1:" + mqttPort, ACCOUNT, "docker-it-cloud", "gw2")) {
            Awaitility.await("gw2's DEPLOY-V2 handler answering").atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofSeconds(1)).ignoreExceptions()
                    .until(() -> Integer.valueOf(200).equals(cloud.request(APP, "GET", "packages", Map.of())
                            .metric("response.code")));
            Map<String, Object> req = new LinkedHashMap<>();
            req.put("dp.uri", "http://" + hostIp + ":" + http.getAddress().getPort() + "/int8.dp");
            req.put("dp.name", OtaIT.INT8);
            req.put("dp.version", version);
            req.put("dp.download.protocol", "HTTP");
            req.put("dp.download.hash", "SHA256:" + OtaIT.sha256(dp));
            req.put("job.id", 1L);
            req.put("dp.install.system.update", false);
            req.put("dp.install", true);
            req.put("dp.signature", Gateway.signature(new KeyPair(null, fleetKey()), dp)); // the fleet's key
            cloud.clear();
            KuraCloud.Msg reply = cloud.request(APP, "EXEC", "download", req);
            assertEquals(200, reply.metric("response.code"), reply.metrics().toString());
            cloud.notification(APP, "download", "dp.download.status", "COMPLETED", 120_000);
            KuraCloud.Msg installed = cloud.notification(APP, "install", "dp.install.status", "COMPLETED", 180_000);
            assertTrue(String.valueOf(installed.metric("dp.install.message")).contains("healthy"),
                    installed.metrics().toString());
            KuraCloud.Msg list = cloud.request(APP, "GET", "packages", Map.of());
            assertTrue(list.text().contains("<package><name>" + OtaIT.INT8 + "</name><version>" + version), list.text());
        }
        assertTrue(packages(2).contains(OtaIT.INT8), "gw2 REST packages: " + packages(2));
        assertTrue(!packages(1).contains(OtaIT.INT8) && !packages(3).contains(OtaIT.INT8), "the others untouched");
        assertEquals("RUNNING", json(2, "/vigie/api/status").get("state").getAsString());
    }

    /**
     * The fleet tool (./vigie fleet, the same code) rolls the package out to every container in waves: gw2 already
     * runs it (previous test) and is skipped, gw1 and gw3 install it and are counted on their own health verdict.
     */
    @Test
    @Order(4)
    void aFleetRolloutReachesEveryContainerAndSkipsTheOneAlreadyThere() throws Exception {
        byte[] dp = served.get("/int8.dp");
        assertTrue(dp != null, "the previous test serves the package");
        Path dir = Files.createDirectories(run.resolve("fleet"));
        Path file = dir.resolve("int8.dp");
        Files.write(file, dp);
        Files.writeString(dir.resolve("int8.dp.sig"), Gateway.signature(new KeyPair(null, fleetKey()), dp));
        String hostIp = out("docker", "network", "inspect", "-f", "{{(index .IPAM.Config 0).Gateway}}",
                PROJECT + "_default").strip();
        java.io.ByteArrayOutputStream log = new java.io.ByteArrayOutputStream();
        int exit = io.vigie.tools.fleet.FleetMain.run(new String[] { "--broker", "tcp://127.0.0.1:" + mqttPort,
            "--dp", file.toString(), "--public-key", run.resolve("keys/vigie-ota-signing.pub").toString(),
            "--gateways", "gw1,gw2,gw3", "--waves", "1,100%", "--max-failures", "0",
            "--url", "http://" + hostIp + ":" + http.getAddress().getPort() + "/int8.dp",
            "--state", dir.resolve("state").toString(), "--report", dir.resolve("report.json").toString() },
                new java.io.PrintStream(log, true, StandardCharsets.UTF_8));
        String text = log.toString(StandardCharsets.UTF_8);
        assertEquals(0, exit, text);
        for (int i = 1; i <= 3; i++) assertTrue(packages(i).contains(OtaIT.INT8), "gw" + i + ": " + packages(i) + "\n" + text);
        String report = Files.readString(dir.resolve("report.json"));
        for (String gw : List.of("gw1", "gw2", "gw3")) assertTrue(report.contains("\"" + gw + "\""), report);
        JsonObject summary = JsonParser.parseString(report).getAsJsonObject().getAsJsonObject("summary");
        assertEquals(1, summary.get("SKIPPED").getAsInt(), "gw2 already runs it: " + report);
        assertEquals(2, summary.get("HEALTHY").getAsInt(), "gw1 and gw3 on their own verdicts: " + report);
    }

    /**
     * The fleet tool's own image (docker/build.sh --fleet, compose's `fleet` service) on the fleet's network: it reaches
     * the broker by its service name, reads every gateway's packages and, all three already on the package, skips them.
     */
    @Test
    @Order(5)
    void theFleetToolRunsAsAContainerOnTheFleetNetwork() throws Exception {
        Path dir = run.resolve("fleet");
        assertTrue(Files.isRegularFile(dir.resolve("int8.dp")), "the previous test wrote the package");
        Files.copy(run.resolve("keys/vigie-ota-signing.pub"), dir.resolve("key.pub"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Path log = run.resolve("fleet-image.log");
        int rc = sh(log, Duration.ofMinutes(5), "env", "VIGIE_NO_BUILD=1", "bash", root().resolve("docker/build.sh").toString(),
                "--fleet");
        assertEquals(0, rc, "docker/build.sh --fleet\n" + tail(log));
        Path runLog = run.resolve("fleet-container.log");
        rc = sh(runLog, Duration.ofMinutes(5), docker(), "run", "--rm", "--network", PROJECT + "_default",
                "-v", dir + ":/dp:ro", "vigie-fleet:dev", "--broker", "tcp://mosquitto:1883", "--dp", "/dp/int8.dp",
                "--public-key", "/dp/key.pub", "--gateways", "gw1,gw2,gw3", "--waves", "100%", "--http-host", "fleet",
                "--state", "/var/lib/vigie-fleet/run", "--report", "/var/lib/vigie-fleet/report.json");
        String text = tail(runLog);
        assertEquals(0, rc, text);
        for (String gw : List.of("gw1", "gw2", "gw3")) assertTrue(text.contains(gw), text);
        assertTrue(text.contains("SKIPPED") || text.contains("already on"), "every gateway already runs it:\n" + text);
    }

    // ---- helpers

    static Path root() {
        return Gateway.root();
    }

    /** The first of `n` consecutive free ports (up.sh publishes gateway I on base + I). */
    static int freeBlock(int n) throws IOException {
        for (int attempt = 0; attempt < 50; attempt++) {
            int base = Gateway.freePort();
            boolean ok = base + n < 65535;
            for (int i = 1; ok && i <= n; i++) {
                try (java.net.ServerSocket s = new java.net.ServerSocket(base + i)) {
                    ok = s.isBound();
                } catch (IOException e) {
                    ok = false;
                }
            }
            if (ok) return base;
        }
        throw new IOException("no " + n + " consecutive free ports");
    }

    String password(int i) throws IOException {
        return Files.readString(run.resolve("gw" + i + "/admin.password")).strip();
    }

    HttpResponse<String> get(int i, String path, String password) throws Exception {
        String auth = Base64.getEncoder().encodeToString(("admin:" + password).getBytes(StandardCharsets.UTF_8));
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + (portBase + i) + path))
                .header("Authorization", "Basic " + auth).timeout(Duration.ofSeconds(20)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    JsonObject json(int i, String path) throws Exception {
        HttpResponse<String> r = get(i, path, password(i));
        assertEquals(200, r.statusCode(), path + ": " + r.body());
        return JsonParser.parseString(r.body()).getAsJsonObject();
    }

    String packages(int i) throws Exception {
        return json(i, "/vigie/api/packages").getAsJsonArray("packages").toString();
    }

    /** The fleet's package signing key up.sh made (./vigie keys: PKCS#8 PEM). */
    java.security.PrivateKey fleetKey() throws Exception {
        String pem = Files.readString(run.resolve("keys/vigie-ota-signing.key"));
        byte[] der = Base64.getMimeDecoder().decode(pem.replaceAll("-----[A-Z ]+-----", ""));
        return KeyFactory.getInstance("Ed25519").generatePrivate(new PKCS8EncodedKeySpec(der));
    }

    /** Runs a command, output to the log; the exit code (-1 after the timeout, the command killed). */
    static int sh(Path log, Duration timeout, String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        if (!p.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            return -1;
        }
        return p.exitValue();
    }

    /** A command's standard output (Debian's docker CLI, which matches its daemon); fails on a non-zero exit. */
    static String out(String... cmd) throws Exception {
        List<String> c = new ArrayList<>(List.of(cmd));
        if (c.get(0).equals("docker")) c.set(0, docker());
        Process p = new ProcessBuilder(c).redirectErrorStream(true).start();
        String s = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) throw new AssertionError(c + " failed: " + s);
        return s;
    }

    /** Debian's docker CLI, which matches its daemon, when installed; else the one on the PATH. */
    static String docker() {
        return Files.isExecutable(Path.of("/usr/bin/docker")) ? "/usr/bin/docker" : "docker";
    }

    static String tail(Path log) throws IOException {
        if (!Files.exists(log)) return "(no output)";
        String s = Files.readString(log, StandardCharsets.UTF_8);
        return s.length() > 4000 ? s.substring(s.length() - 4000) : s;
    }
}
