package io.vigie.it;

import static io.vigie.it.HostileKit.API;
import static io.vigie.it.HostileKit.INT8;
import static io.vigie.it.HostileKit.STATUS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

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
 * SIGKILL of the real gateway at several points of a model package install (upload under way, DeploymentAdmin at
 * work, health window open), then a restart on the same data dir: it serves the model that passed its checks, each
 * package is listed once at a version that was fully installed and judged, and a package never judged is rolled
 * back to the one before.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CrashDuringInstallIT {
    Gateway gw;
    final byte[] int8Bundle = HostileKit.int8Bundle();
    final String v1 = HostileKit.version(int8Bundle);
    String v1Sha;
    String goodModelSha;

    @BeforeAll
    void start() throws Exception {
        gw = HostileKit.start("crash-", HostileKit.quickVerdicts(), g -> { });
    }

    @AfterAll
    void stop() throws Exception {
        HostileKit.stop(gw);
    }

    byte[] newer(String version) throws IOException {
        return HostileKit.dp(INT8, version, TestDp.withVersion(int8Bundle, version), List.of());
    }

    /**
     * After a kill: restart on the same dirs; within a bounded time the good INT8 model serves, then keeps an
     * active model for 10 s; the store holds v1 (listed once) and frames advance.
     */
    void restartAndCheck(String point) throws Exception {
        long t0 = System.nanoTime();
        gw.start();
        gw.awaitJson(STATUS, s -> HostileKit.serving(s, "INT8"), 120_000);
        long servingMs = (System.nanoTime() - t0) / 1_000_000;
        List<String> states = new ArrayList<>();
        int withoutModel = 0;
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < end) {
            JsonObject s = gw.json(STATUS);
            JsonElement m = s.get("activeModel");
            if (m == null || !m.isJsonObject()) withoutModel++;
            String st = s.get("state").getAsString();
            if (states.isEmpty() || !states.get(states.size() - 1).equals(st)) states.add(st);
            Thread.sleep(200);
        }
        gw.awaitJson(API, o -> o.getAsJsonArray("packages").size() == 1, 60_000);
        System.out.printf("%s: serving INT8 %d ms after the restart; states in the next 10 s %s, samples without a model %d"
                + "; packages %s%n", point, servingMs, states, withoutModel, HostileKit.packages(gw));
        assertEquals(0, withoutModel, point + ": a model serves all along once the gateway is up");
        assertEquals(Map.of(INT8, v1), HostileKit.packages(gw), point + ": the fully installed, judged version");
        assertEquals(v1Sha, HostileKit.sha256(Files.readAllBytes(gw.data.resolve("dp/" + INT8 + ".dp"))),
                point + ": the store's current file is v1's");
        assertEquals(goodModelSha, HostileKit.activeSha(gw), point + ": the model that passed its checks serves");
        long f = HostileKit.frames(gw);
        gw.awaitJson(STATUS, s -> HostileKit.serving(s, "INT8") && s.get("framesProcessed").getAsLong() > f + 10, 60_000);
    }

    @Test
    @Order(1)
    void aGoodPackageIsInstalledAndJudgedHealthy() throws Exception {
        byte[] dp = HostileKit.dp(INT8, v1, int8Bundle, List.of());
        v1Sha = HostileKit.sha256(dp);
        HostileKit.installHealthy(gw, dp, INT8);
        goodModelSha = HostileKit.activeSha(gw);
        assertEquals(Map.of(INT8, v1), HostileKit.packages(gw));
    }

    /** Gives the first half of the package, then stalls until released (then fails): an upload cut by the kill. */
    static final class HalfThenStall extends InputStream {
        final ByteArrayInputStream first;
        final CountDownLatch release = new CountDownLatch(1);
        final AtomicLong sent = new AtomicLong();

        HalfThenStall(byte[] dp) {
            first = new ByteArrayInputStream(dp, 0, dp.length / 2);
        }

        @Override
        public int read() throws IOException {
            if (first.available() == 0) throw stall();
            sent.incrementAndGet();
            return first.read();
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = first.read(b, off, len);
            if (n <= 0) throw stall();
            sent.addAndGet(n);
            return n;
        }

        /** Waits for the kill, then ends the upload with an error. */
        private IOException stall() {
            try {
                release.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return new IOException("upload cut");
        }
    }

    @Test
    @Order(2)
    void killedWhileThePackageIsUploaded() throws Exception {
        byte[] dp = newer(v1 + "c2");
        HalfThenStall body = new HalfThenStall(dp);
        CompletableFuture<HttpResponse<String>> r = gw.http.sendAsync(gw.request(API + "?" + gw.signatureParam(dp))
                .header("Content-Type", "application/octet-stream")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> body)).build(), HttpResponse.BodyHandlers.ofString());
        long end = System.currentTimeMillis() + 30_000;
        while (body.sent.get() < dp.length / 2 && System.currentTimeMillis() < end) Thread.sleep(20);
        Thread.sleep(500); // the gateway is reading the body
        assertTrue(!r.isDone(), "the upload is still under way when the gateway is killed");
        System.out.println("upload: killed after " + body.sent.get() + " of " + dp.length + " bytes");
        gw.kill();
        body.release.countDown();
        restartAndCheck("killed during the upload");
    }

    @Test
    @Order(3)
    void killedWhileDeploymentAdminInstalls() throws Exception {
        byte[] dp = newer(v1 + "c3");
        Path marker = gw.data.resolve("dp/dpa-pending.properties");
        String logBefore = gw.logText();
        CompletableFuture<HttpResponse<String>> r = gw.http.sendAsync(gw.request(API + "?" + gw.signatureParam(dp))
                .header("Content-Type", "application/octet-stream").POST(HttpRequest.BodyPublishers.ofByteArray(dp)).build(),
                HttpResponse.BodyHandlers.ofString());
        // the trial marker is written just before DeploymentAdmin gets the package; kill as soon as it shows
        long end = System.currentTimeMillis() + 60_000;
        while (!Files.exists(marker) && !r.isDone() && System.currentTimeMillis() < end) Thread.sleep(2);
        boolean markerSeen = Files.exists(marker);
        boolean answered = r.isDone();
        gw.kill();
        String log = gw.logText().substring(logBefore.length());
        boolean installedLogged = log.contains("OTA: installed " + INT8 + " " + v1 + "c3");
        System.out.println("DeploymentAdmin: killed with the trial marker " + (markerSeen ? "present" : "absent")
                + ", reply " + (answered ? "already sent" : "not sent") + ", 'installed' "
                + (installedLogged ? "already logged" : "not logged yet"));
        assertTrue(markerSeen, "killed while the package was on trial (marker written before DeploymentAdmin)");
        restartAndCheck("killed while DeploymentAdmin installs");
    }

    @Test
    @Order(4)
    void killedInsideTheHealthWindowIsRolledBackAtStart() throws Exception {
        gw.writeConfig("io.vigie.ota", Map.of("health.window.seconds", "120", "health.latency.budget.ms", "0"));
        long end = System.currentTimeMillis() + 30_000;
        while (!gw.logText().contains("health window 120 s") && System.currentTimeMillis() < end) Thread.sleep(200);
        assertTrue(gw.logText().contains("health window 120 s"), "the long window is live");
        String v4 = v1 + "c4";
        HttpResponse<String> r = HostileKit.postDp(gw, newer(v4));
        assertEquals(200, r.statusCode(), r.body());
        assertTrue(r.body().contains("\"healthCheck\":\"watching\""), r.body());
        assertEquals(Map.of(INT8, v4), HostileKit.packages(gw));
        gw.kill(); // inside the 120 s window: no verdict on v4 yet
        restartAndCheck("killed inside the health window");
        assertTrue(gw.logText().contains(v4 + " never proved healthy"), "the rollback at start is logged");
    }
}
