package io.vigie.it;

import static io.vigie.it.HostileKit.API;
import static io.vigie.it.HostileKit.INT8;
import static io.vigie.it.HostileKit.STATUS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The web entry points under attack on the real gateway: a cross-site package upload a browser would send with the
 * operator's cached Basic credentials, and a flood of wrong logins that must not starve the detector.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HostileWebIT {
    /** Other known users, so a flood of wrong guesses is not stopped by the per-user throttle alone. */
    static final int USERS = 40;
    Gateway gw;
    byte[] int8Bundle;

    @BeforeAll
    void start() throws Exception {
        Path dir = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "hostile-web-");
        gw = new Gateway(dir);
        int8Bundle = Files.readAllBytes(TestDp.modelBundle("int8"));
        String[] users = new String[USERS + 1];
        users[0] = Gateway.USER + ":" + Gateway.pbkdf2(gw.password);
        for (int i = 1; i <= USERS; i++) users[i] = "op" + i + ":" + Gateway.pbkdf2("op-secret-" + i);
        gw.writeConfig("io.vigie.web.auth", Map.of("users", users));
        gw.writeConfig(HostileKit.DETECTOR, HostileKit.detector("INT8"));
        gw.start();
        gw.awaitJson(STATUS, s -> HostileKit.serving(s, "INT8"), 120_000);
    }

    @AfterAll
    void stop() throws Exception {
        if (gw != null) {
            gw.close();
            System.out.println("---- gateway log tail ----\n" + gw.tail());
        }
    }

    /** The multipart body of the upload form, as a browser builds it. */
    static byte[] form(String boundary, byte[] dp) throws Exception {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"m.dp\"\r\n"
                + "Content-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        b.write(dp);
        b.write(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        return b.toByteArray();
    }

    HttpResponse<String> upload(byte[] body, String type, Map<String, String> headers) throws Exception {
        HttpRequest.Builder r = gw.request(API).timeout(Duration.ofSeconds(120)).header("Content-Type", type);
        headers.forEach(r::header);
        return gw.http.send(r.POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    @Order(1)
    void aCrossSiteUploadWithValidCredentialsIsRefusedAndInstallsNothing() throws Exception {
        byte[] dp = HostileKit.dp(INT8, TestDp.bundleVersion(int8Bundle), int8Bundle, List.of());
        String boundary = "----evil" + System.nanoTime();
        byte[] body = form(boundary, dp);
        String type = "multipart/form-data; boundary=" + boundary;
        // what a page on another site makes the operator's browser send: its Origin, Basic credentials re-sent
        HttpResponse<String> evil = upload(body, type, Map.of("Origin", "https://evil.example"));
        System.out.println("cross-origin POST -> " + evil.statusCode() + " " + evil.body());
        assertEquals(403, evil.statusCode(), evil.body());
        assertTrue(HostileKit.error(evil).contains("cross-site request refused"), evil.body());
        HttpResponse<String> fetchMeta = upload(body, type, Map.of("Sec-Fetch-Site", "cross-site"));
        assertEquals(403, fetchMeta.statusCode(), fetchMeta.body());
        HttpResponse<String> bare = upload(body, type, Map.of());
        assertEquals(403, bare.statusCode(), "no same-origin proof at all: " + bare.body());
        HttpResponse<String> plain = upload(dp, "text/plain", Map.of("X-Requested-By", "vigie"));
        assertEquals(415, plain.statusCode(), "a body a form can send as text/plain: " + plain.body());
        assertEquals(Map.of(), HostileKit.packages(gw), "nothing installed");
        // the very same upload from our own page is accepted: the refusals above were about where it came from
        HttpResponse<String> own = upload(body, type, Map.of("Origin", "http://127.0.0.1:" + gw.port));
        assertEquals(200, own.statusCode(), own.body());
        assertEquals(Map.of(INT8, TestDp.bundleVersion(int8Bundle)), HostileKit.packages(gw));
    }

    /** Frames per second from framesProcessed over {@code ms}. */
    double fps(long ms) throws Exception {
        long f0 = HostileKit.frames(gw);
        long t0 = System.nanoTime();
        Thread.sleep(ms);
        long f1 = HostileKit.frames(gw);
        return (f1 - f0) * 1e9 / (System.nanoTime() - t0);
    }

    static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    @Test
    @Order(2)
    void aLoginFloodDoesNotStarveTheDetectorAndTheAdminStillLogsIn() throws Exception {
        gw.awaitJson(STATUS, s -> HostileKit.serving(s, "INT8"), 60_000);
        double before = fps(15_000);
        double statusBefore = gw.json(STATUS).get("fps").getAsDouble();
        int threads = 40;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        Map<Integer, AtomicInteger> answers = new ConcurrentHashMap<>();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(19);
        HttpClient flood = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5))
                .executor(Executors.newFixedThreadPool(4)).build();
        List<java.util.concurrent.Future<?>> done = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int me = t;
            done.add(pool.submit(() -> {
                // each thread guesses for its own known user, every other guess for a made-up name
                for (int k = 0; System.nanoTime() < end; k++) {
                    String user = k % 2 == 0 ? "op" + (me % USERS + 1) : "nobody" + me + "x" + k;
                    try {
                        HttpResponse<Void> r = flood.send(HttpRequest.newBuilder(gw.uri(STATUS)).timeout(Duration.ofSeconds(10))
                                .header("Authorization", basic(user, "wrong-" + k)).GET().build(),
                                HttpResponse.BodyHandlers.discarding());
                        answers.computeIfAbsent(r.statusCode(), c -> new AtomicInteger()).incrementAndGet();
                    } catch (Exception e) {
                        answers.computeIfAbsent(-1, c -> new AtomicInteger()).incrementAndGet();
                    }
                }
                return null;
            }));
        }
        Thread.sleep(2_000); // the flood is in full swing
        double during = fps(15_000);
        double statusDuring = gw.json(STATUS).get("fps").getAsDouble();
        for (java.util.concurrent.Future<?> f : done) f.get(60, TimeUnit.SECONDS);
        pool.shutdown();
        System.out.printf("login flood (%d threads, 19 s, wrong passwords for %d known and made-up users): detector fps "
                + "before %.2f, during %.2f (%.0f %%); status fps before %.2f, during %.2f; answers %s%n", threads, USERS,
                before, during, 100 * during / before, statusBefore, statusDuring, answers);
        assertTrue(before > 1, "the detector was serving before the flood: " + before + " fps");
        assertTrue(answers.keySet().stream().allMatch(c -> c == 401 || c == 429),
                "every guess was refused (401, or 429 when throttled): " + answers);
        assertTrue(during >= 0.9 * before, String.format("fps during the flood %.2f < 90 %% of %.2f", during, before));
        // a header not seen before, so the admin's password is derived again rather than served from the login cache
        String fresh = "basic " + basic(Gateway.USER, gw.password).substring(6);
        HttpResponse<String> admin = gw.http.send(HttpRequest.newBuilder(gw.uri(STATUS)).timeout(Duration.ofSeconds(10))
                .header("Authorization", fresh).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, admin.statusCode(), "the admin logs in after the flood: " + admin.body());
    }
}
