package io.vigie.it;

import static io.vigie.it.HostileKit.API;
import static io.vigie.it.HostileKit.INT8;
import static io.vigie.it.HostileKit.STATUS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import com.sun.net.httpserver.HttpServer;

import io.vigie.it.HostileKit.Extra;
import io.vigie.it.HostileKit.FrameWatch;

/**
 * Crafted deployment packages over REST on the real gateway while vtest.avi is analysed on INT8: each is refused
 * with a clear error, writes nothing outside the data dir, leaves the packages and the store as they were, and the
 * detector keeps serving (frames counted over SSE). A restart at the end still serves the good model.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HostilePackagesIT {
    Gateway gw;
    FrameWatch watch;
    final byte[] int8Bundle = HostileKit.int8Bundle();
    final String v1 = HostileKit.version(int8Bundle);
    String goodSha;
    /** Where the traversal entries point: beside the gateway's folder, outside its data dir. */
    Path outside;

    @BeforeAll
    void start() throws Exception {
        gw = HostileKit.start("hostile-dp-", HostileKit.quickVerdicts(), g -> { });
        outside = Files.createDirectories(gw.dir.resolveSibling(gw.dir.getFileName() + "-outside"));
        watch = new FrameWatch(gw);
    }

    @AfterAll
    void stop() throws Exception {
        if (watch != null) watch.close();
        HostileKit.stop(gw);
    }

    /** A refusal: that status, a JSON error naming the cause, nothing changed, and frames still coming. */
    void refused(HttpResponse<String> r, int status, String cause, Map<String, String> before, TreeSet<String> store)
            throws Exception {
        assertEquals(status, r.statusCode(), r.body());
        assertTrue(HostileKit.error(r).contains(cause), "error names the cause '" + cause + "': " + r.body());
        assertEquals(before, HostileKit.packages(gw), "packages unchanged");
        assertEquals(store, HostileKit.storeFiles(gw), "store files unchanged");
        assertEquals(goodSha, HostileKit.activeSha(gw), "the running model is unchanged");
        long f = HostileKit.frames(gw);
        gw.awaitJson(STATUS, s -> HostileKit.serving(s, "INT8") && s.get("framesProcessed").getAsLong() > f + 5, 30_000);
    }

    /** Nothing called {@code file} anywhere under the folder the traversal aimed at, nor under the gateway's. */
    void nothingWritten(String file) throws Exception {
        try (Stream<Path> s = Files.walk(outside)) {
            assertEquals(List.of(), s.filter(Files::isRegularFile).toList(), "nothing written outside the data dir");
        }
        try (Stream<Path> s = Files.walk(gw.dir)) {
            assertEquals(List.of(), s.filter(p -> p.getFileName().toString().equals(file)).toList(), file + " written");
        }
    }

    @Test
    @Order(1)
    void theGoodPackageInstallsAndIsJudgedHealthy() throws Exception {
        HostileKit.installHealthy(gw, HostileKit.dp(INT8, v1, int8Bundle, List.of()), INT8);
        goodSha = HostileKit.activeSha(gw);
        assertEquals(Map.of(INT8, v1), HostileKit.packages(gw));
    }

    @Test
    @Order(2)
    void entriesThatClimbOutOrAreAbsoluteAreRefused() throws Exception {
        Map<String, String> before = HostileKit.packages(gw);
        TreeSet<String> store = HostileKit.storeFiles(gw);
        // enough '..' to reach '/' from wherever DeploymentAdmin resolves names, then down into `outside`
        String climb = "../".repeat(40) + outside.toString().substring(1) + "/";
        byte[] marker = "written by a crafted package".getBytes(StandardCharsets.UTF_8);
        int n = 0;
        for (Extra x : List.of(new Extra(climb + "escaped-unnamed.txt", marker, false),
                new Extra(climb + "escaped-named.txt", marker, true),
                new Extra("bundles/../../../escaped-short.txt", marker, true),
                new Extra(outside.resolve("escaped-absolute.txt").toString(), marker, false),
                new Extra(outside.resolve("escaped-absolute-named.txt").toString(), marker, true),
                new Extra("..\\..\\..\\escaped-backslash.txt", marker, true),
                new Extra("C:/escaped-drive.txt", marker, true))) {
            String version = v1 + "x" + (++n); // newer: only the crafted entry may be the reason for a refusal
            HttpResponse<String> r = HostileKit.postDp(gw, HostileKit.dp(INT8, version, int8Bundle, List.of(x)));
            System.out.println("crafted entry " + x.name() + (x.named() ? " (named)" : " (unnamed)") + " -> "
                    + r.statusCode() + " " + r.body());
            refused(r, 422, "unsafe entry name", before, store);
            nothingWritten(Path.of(x.name().replace('\\', '/')).getFileName().toString());
        }
        // a safe name the manifest does not list: refused as well (DeploymentAdmin would write it as a resource)
        HttpResponse<String> r = HostileKit.postDp(gw,
                HostileKit.dp(INT8, v1 + "x9", int8Bundle, List.of(new Extra("extra/unlisted.txt", marker, false))));
        refused(r, 422, "not named in the manifest", before, store);
        nothingWritten("unlisted.txt");
    }

    @Test
    @Order(3)
    void aZipBombIsRefusedQuicklyWhileFramesKeepComing() throws Exception {
        Map<String, String> before = HostileKit.packages(gw);
        TreeSet<String> store = HostileKit.storeFiles(gw);
        byte[] bomb = HostileKit.bombDp(INT8, v1 + "bomb", int8Bundle, "data/zeros.bin", 512);
        int plain = HostileKit.dp(INT8, v1 + "bomb", int8Bundle, List.of(new Extra("data/zeros.bin", new byte[0], true))).length;
        System.out.printf("zip bomb entry: %d bytes compressed, 512 MiB inflated (beside the %d-byte model bundle)%n",
                bomb.length - plain, int8Bundle.length);
        Thread.sleep(10_000); // a quiet window to compare with
        long t0 = System.nanoTime();
        HttpResponse<String> r = HostileKit.postDp(gw, bomb);
        long t1 = System.nanoTime();
        Thread.sleep(10_000);
        long t2 = System.nanoTime();
        long quiet = watch.maxGapMs(t0 - 10_000_000_000L, t0);
        long during = watch.maxGapMs(t0, t1);
        long after = watch.maxGapMs(t1, t2);
        System.out.printf("zip bomb: %d bytes (%d MiB inflated) -> %d in %d ms; max frame gap over SSE: before %d ms, "
                + "during %d ms, after %d ms; frames before/during/after: %d/%d/%d%n", bomb.length, 512, r.statusCode(),
                (t1 - t0) / 1_000_000, quiet, during, after, watch.count(t0 - 10_000_000_000L, t0), watch.count(t0, t1),
                watch.count(t1, t2));
        refused(r, 422, "zip bomb", before, store);
        assertTrue(watch.count(t1, t2) > 10, "frames kept arriving over SSE after the bomb");
        assertTrue(watch.count(t0 - 10_000_000_000L, t0) > 10, "frames arrived over SSE before the bomb");
    }

    @Test
    @Order(4)
    void sameVersionWithTheModelZeroedIsAConflict() throws Exception {
        Map<String, String> before = HostileKit.packages(gw);
        TreeSet<String> store = HostileKit.storeFiles(gw);
        byte[] storedBefore = Files.readAllBytes(gw.data.resolve("dp/" + INT8 + ".dp"));
        byte[] zeroed = HostileKit.dp(INT8, v1, HostileKit.zeroedModel(int8Bundle), List.of());
        HttpResponse<String> r = HostileKit.postDp(gw, zeroed);
        System.out.println("same version, .tflite zeroed -> " + r.statusCode() + " " + r.body());
        refused(r, 409, "already installed with different content", before, store);
        assertEquals(HostileKit.sha256(storedBefore),
                HostileKit.sha256(Files.readAllBytes(gw.data.resolve("dp/" + INT8 + ".dp"))), "stored package unchanged");
        // and a downgrade (an older version of the same package) is refused too
        byte[] older = HostileKit.dp(INT8, "0.0.1", TestDp.withVersion(int8Bundle, "0.0.1"), List.of());
        HttpResponse<String> d = HostileKit.postDp(gw, older);
        System.out.println("downgrade to 0.0.1 -> " + d.statusCode() + " " + d.body());
        refused(d, 409, "older", before, store);
    }

    @Test
    @Order(5)
    void fileAndLoopbackUrlsAreRefusedWithoutTheAllowOption() throws Exception {
        Map<String, String> before = HostileKit.packages(gw);
        TreeSet<String> store = HostileKit.storeFiles(gw);
        String v = v1 + "url";
        byte[] dp = HostileKit.dp(INT8, v, TestDp.withVersion(int8Bundle, v), List.of());
        Path file = Files.write(gw.dir.resolve("newer.dp"), dp);
        AtomicInteger served = new AtomicInteger();
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/newer.dp", x -> {
            served.incrementAndGet();
            x.sendResponseHeaders(200, dp.length);
            x.getResponseBody().write(dp);
            x.close();
        });
        server.start();
        try {
            for (String url : List.of(file.toUri().toString(),
                    "http://127.0.0.1:" + server.getAddress().getPort() + "/newer.dp",
                    "http://localhost:" + server.getAddress().getPort() + "/newer.dp")) {
                String json = "{\"url\":\"" + url + "\",\"sha256\":\"sha256:" + HostileKit.sha256(dp) + "\"}";
                HttpResponse<String> r = HostileKit.post(gw, API, json.getBytes(StandardCharsets.UTF_8), "application/json");
                System.out.println("url " + url + " -> " + r.statusCode() + " " + r.body());
                refused(r, 400, url.startsWith("file:") ? "scheme 'file'" : "download.allow.local=false", before, store);
            }
        } finally {
            server.stop(0);
        }
        assertEquals(0, served.get(), "the gateway never fetched from loopback");
    }

    @Test
    @Order(6)
    void afterARestartTheGoodModelStillServes() throws Exception {
        gw.close();
        watch.close();
        gw.start();
        gw.awaitJson(STATUS, s -> HostileKit.serving(s, "INT8"), 120_000);
        gw.awaitJson(API, o -> o.getAsJsonArray("packages").size() == 1, 60_000);
        assertEquals(Map.of(INT8, v1), HostileKit.packages(gw));
        long f = HostileKit.frames(gw);
        gw.awaitJson(STATUS, s -> HostileKit.serving(s, "INT8") && s.get("framesProcessed").getAsLong() > f + 10, 60_000);
        assertEquals(goodSha, HostileKit.activeSha(gw), "the good INT8 model serves after the restart");
        nothingWritten("escaped-unnamed.txt");
    }
}
