package io.vigie.tools.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.google.gson.JsonObject;
import com.sun.net.httpserver.HttpServer;

class PeerTest {
    static JsonObject stats(long frames, long decoded, long dropped, String error) {
        return ResultsTest.json("{\"framesProcessed\":" + frames + ",\"fps\":19.7,\"source\":{\"decoded\":" + decoded
                + ",\"dropped\":" + dropped + "},\"latencyMs\":{\"p50\":51.23456,\"p95\":88.5,\"p99\":120,\"count\":300},"
                + "\"stagesMs\":{\"decode\":{\"p50\":4.5},\"preprocess\":{\"p50\":0.6},\"inference\":{\"p50\":41},"
                + "\"postprocess\":{\"p50\":0.2}},\"error\":" + (error == null ? "null" : "\"" + error + "\"") + "}");
    }

    static PeerResult peer(double fps, double p95, double cpu) {
        return new PeerResult("INT8", 1, 2500.0, 10.0, (long) (fps * 10), fps, p95 / 2, p95, p95 * 1.2, 300L, 4.0, 0.5, 40.0,
                0.2, 300L, 100L, 150.0, 140.0, cpu, 9.5, null);
    }

    /** A gateway result through the same parser the pipeline rows use. */
    static PipelineResult vigie(double fps, double p95, double cpu) {
        JsonObject s0 = ResultsTest.json("{\"framesProcessed\":0,\"activeModel\":{\"precision\":\"INT8\"}}");
        JsonObject s1 = ResultsTest.json("{\"framesProcessed\":" + (long) (fps * 10)
                + ",\"activeModel\":{\"precision\":\"INT8\"}}");
        JsonObject m = ResultsTest.json("{\"latencyMs\":{\"p50\":" + p95 / 2 + ",\"p95\":" + p95 + ",\"count\":200}}");
        return PipelineBench.measure("INT8", 1, new double[] { 5000, 2000, 3000 }, s0, s1, m, 10.0, List.of(180_000L), null,
                null, cpu * 10, null);
    }

    @Test
    void peerWindowFromTwoStatsSnapshots() {
        PeerResult r = PeerBench.measure("FP32", 2, 2345.6789, stats(100, 500, 200, null), stats(300, 900, 350, null), 10.0,
                List.of(100_000L, 120_000L, 110_000L), 4.9, 9.87654);
        assertEquals("FP32", r.precision());
        assertEquals(2, r.threads());
        assertEquals(2345.679, r.coldStartMs());
        assertEquals(200, r.frames());
        assertEquals(20.0, r.fps());
        assertEquals(51.235, r.latencyP50Ms());
        assertEquals(88.5, r.latencyP95Ms());
        assertEquals(300, r.latencySamples());
        assertEquals(4.5, r.decodeP50Ms());
        assertEquals(0.6, r.preprocessP50Ms());
        assertEquals(41.0, r.inferenceP50Ms());
        assertEquals(400, r.sourceDecoded());
        assertEquals(150, r.sourceDropped());
        assertEquals(117.188, r.rssMaxMb());
        assertEquals(0.49, r.cpuCores());
        assertEquals(9.877, r.streamFps());
        assertNull(r.error());
    }

    @Test
    void peerErrorOrIdleWindowIsAnError() {
        PeerResult failed = PeerBench.measure("INT8", 1, 1.0, stats(5, 5, 0, null), stats(5, 9, 0, "RuntimeError('x')"), 5.0,
                List.of(), null, 0.0);
        assertEquals("RuntimeError('x')", failed.error());
        assertNull(failed.rssMaxMb());
        assertNull(failed.cpuCores());
        PeerResult idle = PeerBench.measure("INT8", 1, 1.0, stats(5, 5, 0, null), stats(5, 9, 0, null), 5.0, List.of(), null,
                0.0);
        assertEquals("no frame processed during the window", idle.error());
    }

    @Test
    void underAQuotaTheGoalIsTheFpsRatioAndP95MustBeLower() {
        PeerReport.Row pass = PeerReport.row("edge", 0.5, "INT8", 1, vigie(25, 80, 0.5), 9.0, null,
                List.of(peer(19, 100, 0.5), peer(21, 120, 0.5)));
        assertEquals(20.0, pass.peerFps());
        assertEquals(110.0, pass.peerP95Ms());
        assertEquals(1.25, pass.fpsRatio());
        assertEquals(1.25, pass.goalRatio());
        assertEquals("PASS", pass.status());
        assertTrue(pass.detail().contains("FPS ratio 1.25"), pass.detail());

        PeerReport.Row slowP95 = PeerReport.row("edge", 0.5, "INT8", 1, vigie(30, 110, 0.5), 9.0, null,
                List.of(peer(20, 110, 0.5)));
        assertEquals(1.5, slowP95.goalRatio());
        assertEquals("FAIL", slowP95.status(), "p95 equal to the peer's is not below it");

        PeerReport.Row behind = PeerReport.row("edge", 0.5, "FP32", 1, vigie(9, 50, 0.5), 9.0, null,
                List.of(peer(20, 100, 0.5)));
        assertEquals(0.45, behind.goalRatio());
        assertEquals("FAIL", behind.status());
    }

    @Test
    void onTheWholeMachineTheGoalIsFpsPerCpuCore() {
        // Vigie: 30 FPS on 0.6 core = 50/core; peer: 30 FPS on 1.0 core = 30/core -> 1.67 at equal CPU
        PeerReport.Row r = PeerReport.row("normal", null, "INT8", 1, vigie(30, 60, 0.6), 10.0, null,
                List.of(peer(30, 70, 1.0)));
        assertEquals(1.0, r.fpsRatio());
        assertEquals(1.667, r.fpsPerCpuRatio());
        assertEquals(1.667, r.goalRatio());
        assertEquals("PASS", r.status());
        assertTrue(r.detail().startsWith("FPS-per-CPU ratio"), r.detail());
    }

    @Test
    void aSideWithoutMeasurementIsSkippedWithTheReason() {
        PeerReport.Row noVigie = PeerReport.row("edge", 0.5, "INT8", 1,
                PipelineResult.failed("INT8", 1, null, null, null, "gateway exited 1"), null, null, List.of(peer(20, 100, 0.5)));
        assertEquals("SKIP", noVigie.status());
        assertNull(noVigie.goalRatio());
        assertTrue(noVigie.detail().contains("gateway exited 1"), noVigie.detail());

        PeerReport.Row onePeerFailed = PeerReport.row("edge", 0.5, "INT8", 1, vigie(25, 80, 0.5), 9.0, null,
                List.of(PeerResult.failed("INT8", 1, null, "peer exited 1"), peer(20, 100, 0.5)));
        assertEquals("PASS", onePeerFailed.status(), "the other peer run still measures");
        assertEquals(20.0, onePeerFailed.peerFps());

        PeerReport.Row noViewer = PeerReport.row("edge", 0.5, "INT8", 1, vigie(25, 80, 0.5), null, "stream answered HTTP 401",
                List.of(peer(20, 100, 0.5)));
        assertEquals("SKIP", noViewer.status());
        assertTrue(noViewer.detail().contains("HTTP 401"), noViewer.detail());
    }

    @Test
    void tableAndJsonCarryTheRowsAndTheirGoals() {
        List<PeerReport.Row> rows = List.of(
                PeerReport.row("edge", 0.5, "INT8", 1, vigie(25, 80, 0.5), 9.0, null, List.of(peer(20, 100, 0.5))),
                PeerReport.row("edge", 0.5, "FP32", 1, vigie(9, 50, 0.5), 9.0, null, List.of(peer(20, 100, 0.5))));
        String table = PeerReport.table(rows);
        assertEquals(4, table.lines().count(), table);
        assertTrue(table.contains("| edge | INT8 | 1 | 25.0 | 20.0 | 1.25 |"), table);
        assertTrue(table.lines().skip(3).findFirst().orElseThrow().endsWith("| FAIL |"), table);
        assertEquals("", PeerReport.table(List.of()));
        assertTrue(table.contains("| 20.0 / 25.0 |"), "CPU ms per frame: 0.5 core / 25 FPS vs 0.5 / 20\n" + table);

        JsonObject root = Report.toJson(java.util.Map.of(), List.of(), 30);
        int before = root.getAsJsonArray("goals").size();
        PeerReport.addTo(root, rows);
        assertEquals(2, root.getAsJsonArray("peers").size());
        assertEquals(before + 2, root.getAsJsonArray("goals").size());
        JsonObject g = root.getAsJsonArray("goals").get(before).getAsJsonObject();
        assertEquals("peer.edge.INT8", g.get("id").getAsString());
        assertEquals("PASS", g.get("status").getAsString());
        assertEquals(1.25, root.getAsJsonArray("peers").get(0).getAsJsonObject().get("goalRatio").getAsDouble());
    }

    @Test
    void partCounterFindsDelimitersAcrossChunksAndAfterDashes() {
        MjpegClient.PartCounter c = new MjpegClient.PartCounter("frame");
        byte[] a = "--frame\r\nContent-Type: image/jpeg\r\n\r\n\u0001\u0002--fr".getBytes(StandardCharsets.ISO_8859_1);
        byte[] b = "ame\r\n...---frame\r\n--fram--frame".getBytes(StandardCharsets.ISO_8859_1);
        assertEquals(1, c.feed(a, a.length));
        assertEquals(3, c.feed(b, b.length));
        assertEquals("vigieframe", MjpegClient.boundary("multipart/x-mixed-replace; boundary=vigieframe"));
        assertEquals("frame", MjpegClient.boundary("multipart/x-mixed-replace; boundary=\"frame\""));
        assertNull(MjpegClient.boundary("image/jpeg"));
    }

    /** A real HTTP server streaming multipart parts, and one refusing the viewer. */
    @Test
    void viewerCountsPartsOfARealStreamAndReportsARefusal() throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/stream", ex -> {
            ex.getResponseHeaders().add("Content-Type", "multipart/x-mixed-replace; boundary=frame");
            ex.sendResponseHeaders(200, 0);
            try (OutputStream out = ex.getResponseBody()) {
                for (int i = 0; i < 5; i++) {
                    out.write("--frame\r\nContent-Type: image/jpeg\r\nContent-Length: 3\r\n\r\nabc\r\n".getBytes());
                    out.flush();
                }
                Thread.sleep(10_000); // a live stream: the viewer closes it
            } catch (Exception e) {
                // viewer gone
            }
        });
        server.createContext("/locked", ex -> {
            ex.sendResponseHeaders(401, -1);
            ex.close();
        });
        server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
        server.start();
        try {
            String base = "http://127.0.0.1:" + server.getAddress().getPort();
            MjpegClient v = MjpegClient.open(HttpRequest.newBuilder(URI.create(base + "/stream")));
            long deadline = System.currentTimeMillis() + 5000;
            while (v.parts() < 5 && System.currentTimeMillis() < deadline) Thread.sleep(20);
            v.close();
            assertEquals(5, v.parts());
            assertTrue(v.bytes() > 5 * 3);
            assertTrue(v.partsPerSecond() > 0);
            assertNull(v.error(), "closing is not an error");

            MjpegClient refused = MjpegClient.open(HttpRequest.newBuilder(URI.create(base + "/locked")));
            deadline = System.currentTimeMillis() + 5000;
            while (refused.error() == null && System.currentTimeMillis() < deadline) Thread.sleep(20);
            refused.close();
            assertEquals("stream answered HTTP 401", refused.error());
            assertEquals(0, refused.parts());
        } finally {
            server.stop(0);
        }
    }

    @Test
    void childProcessClosesItsClientsBeforeStoppingTheProcess(@TempDir Path dir) throws Exception {
        ChildProcess p = ChildProcess.start(List.of("sleep", "60"), dir, dir.resolve("log"));
        AtomicBoolean aliveAtClose = new AtomicBoolean();
        p.closeFirst(() -> aliveAtClose.set(p.isAlive()));
        p.close();
        assertTrue(aliveAtClose.get(), "the client was closed while the process still ran");
        assertFalse(p.isAlive());
    }

    @Test
    void peerCommandRunsTheScriptUnderTheWrapperWithVigiesSettings() {
        PeerBench b = new PeerBench(new PeerBench.Setup(List.of("edge-sim.sh", "--cpus", "0.5", "--"), "/venv/bin/python",
                Path.of("/r/tools/peer-python/peer.py"), Path.of("/v/vtest.avi"), 30, 1000, 1, 5));
        List<String> cmd = b.command(Path.of("/m/model.tflite"), 2, 4242);
        assertEquals(List.of("edge-sim.sh", "--cpus", "0.5", "--", "/venv/bin/python", "/r/tools/peer-python/peer.py",
                "--model", "/m/model.tflite", "--video", "/v/vtest.avi", "--threads", "2", "--max-fps", "30.0", "--port", "4242"),
                cmd);
    }

    @Test
    void peersOptionsParse() {
        assertEquals("true", BenchRunner.parse(new String[] { "--peers", "--quick" }).get("peers"));
        assertEquals("true", BenchRunner.parse(new String[] { "--peers-only" }).get("peers-only"));
        assertTrue(BenchRunner.usage().contains("--peers-only"));
    }
}
