package io.vigie.ota.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import javax.xml.parsers.DocumentBuilderFactory;

import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.eclipse.kura.KuraErrorCode;
import org.eclipse.kura.KuraException;
import org.eclipse.kura.cloudconnection.listener.CloudConnectionListener;
import org.eclipse.kura.cloudconnection.listener.CloudDeliveryListener;
import org.eclipse.kura.cloudconnection.message.KuraMessage;
import org.eclipse.kura.cloudconnection.publisher.CloudNotificationPublisher;
import org.eclipse.kura.cloudconnection.request.RequestHandlerContext;
import org.eclipse.kura.message.KuraPayload;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.xml.sax.InputSource;

/** The DEPLOY-V2 handler against in-process fakes: notification publisher, DeploymentAdmin, HTTP server. */
class DeployV2HandlerTest {
    @TempDir
    Path tmp;
    TestHttp http;
    FakeDa da;
    DpStore store;
    PackageManager pm;
    ModelGuard guard;
    ExecutorService exec;
    DeployV2Handler handler;
    final BlockingQueue<KuraMessage> notes = new LinkedBlockingQueue<>();
    RequestHandlerContext ctx;
    long jobs = 100;

    /** Captures what the handler publishes. */
    final class Publisher implements CloudNotificationPublisher {
        @Override
        public String publish(KuraMessage message) {
            notes.add(message);
            return "1";
        }

        @Override
        public void registerCloudConnectionListener(CloudConnectionListener l) {
        }

        @Override
        public void unregisterCloudConnectionListener(CloudConnectionListener l) {
        }

        @Override
        public void registerCloudDeliveryListener(CloudDeliveryListener l) {
        }

        @Override
        public void unregisterCloudDeliveryListener(CloudDeliveryListener l) {
        }
    }

    @BeforeEach
    void setUp() throws Exception {
        http = new TestHttp();
        GuardedPackages g = new GuardedPackages(tmp.resolve("dp"), new HealthPolicy(60_000, 0, 0, 0), System::currentTimeMillis,
                o -> { });
        da = g.da;
        store = g.store;
        pm = g.pm;
        guard = g.guard;
        exec = Executors.newSingleThreadExecutor();
        // the test server is on 127.0.0.1: local addresses allowed (refused by default: see the test of that)
        handler = new DeployV2Handler(pm, guard, tmp.resolve("dp/downloads"), exec, settings(DownloadPolicy.LOCAL));
        handler.settings(settings(DownloadPolicy.LOCAL), 20_000);
        ctx = new RequestHandlerContext(new Publisher(), Map.of("DEVICE_ID", "gw-1"));
    }

    static DeployV2Handler.Settings settings(DownloadPolicy downloads) {
        return new DeployV2Handler.Settings("DEPLOY-V2", 2_000, 10_000_000, downloads);
    }

    @AfterEach
    void tearDown() throws Exception {
        handler.close();
        exec.shutdownNow();
        exec.awaitTermination(5, TimeUnit.SECONDS);
        http.close();
    }

    static KuraMessage request(String resource, KuraPayload p) {
        return new KuraMessage(p, Map.of("args", List.of(resource)));
    }

    KuraPayload download(String path, String name, String version) {
        KuraPayload p = new KuraPayload();
        p.addMetric("dp.uri", http.url(path));
        p.addMetric("dp.name", name);
        p.addMetric("dp.version", version);
        p.addMetric("dp.download.protocol", "HTTP");
        p.addMetric("job.id", ++jobs);
        p.addMetric("dp.install.system.update", false);
        p.addMetric("requester.client.id", "cloud-1");
        return p;
    }

    Path serve(String name, String version) throws Exception {
        Path dp = TestDps.big(Files.createDirectories(tmp.resolve("src")), name, "io." + name, version, 200_000);
        http.files.put("/" + name + "-" + version + ".dp", Files.readAllBytes(dp));
        return dp;
    }

    /** Next notification matching (those before it are dropped), failing with what came instead. */
    KuraMessage await(Predicate<KuraMessage> ok) {
        List<String> seen = new ArrayList<>();
        try {
            return Awaitility.await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(20)).until(() -> {
                for (KuraMessage m; (m = notes.poll()) != null;) {
                    if (ok.test(m)) return m;
                    seen.add(m.getProperties().get("messageType") + " " + m.getPayload().metrics());
                }
                return null;
            }, Objects::nonNull);
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("no such notification; seen " + seen, e);
        }
    }

    static Predicate<KuraMessage> note(String type, String statusMetric, String status) {
        return m -> type.equals(m.getProperties().get("messageType")) && status.equals(m.getPayload().getMetric(statusMetric));
    }

    KuraException refused(String resource, KuraPayload p) {
        return assertThrows(KuraException.class, () -> handler.doExec(ctx, request(resource, p)));
    }

    @Test
    void downloadWithHashThenInstallNotifiesProgressAndCompletion() throws Exception {
        Path dp = serve("m1", "1.0.0");
        KuraPayload req = download("/m1-1.0.0.dp", "m1", "1.0.0");
        req.addMetric("dp.download.hash", "SHA256:" + HashSpec.sha256(dp).toUpperCase());
        req.addMetric("dp.download.block.size", 1024);
        KuraMessage reply = handler.doExec(ctx, request("download", req));
        assertEquals(200, reply.getPayload().getMetric("response.code"));

        KuraMessage progress = await(note("download", "dp.download.status", "IN_PROGRESS"));
        assertEquals(Map.of("appId", "DEPLOY-V2", "messageType", "download", "requestorClientId", "cloud-1"),
                progress.getProperties());
        assertEquals("gw-1", progress.getPayload().getMetric("client.id"));
        assertEquals(jobs, progress.getPayload().getMetric("job.id"));
        assertEquals((int) Files.size(dp), progress.getPayload().getMetric("dp.download.size"));
        KuraMessage done = await(note("download", "dp.download.status", "COMPLETED"));
        assertEquals(100, done.getPayload().getMetric("dp.download.progress"));
        assertEquals("m1", done.getPayload().getMetric("dp.name"));
        KuraMessage installed = await(note("install", "dp.install.status", "COMPLETED"));
        assertEquals(100, installed.getPayload().getMetric("dp.install.progress"));
        assertEquals(List.of("m1 1.0.0"), da.installs);
        assertEquals("1.0.0", store.entries().get(0).version());
        awaitIdle();
        try (var files = Files.list(tmp.resolve("dp/downloads"))) {
            assertEquals(0, files.count(), "the downloaded file is not kept once installed (the store has its copy)");
        }

        KuraMessage packages = handler.doGet(ctx, request("packages", new KuraPayload()));
        String xml = new String(packages.getPayload().getBody(), StandardCharsets.UTF_8);
        assertTrue(xml.contains("<package><name>m1</name><version>1.0.0</version><bundles><bundle><name>io.m1</name>"
                + "<version>1.0.0</version></bundle></bundles></package>"), xml);
    }

    void awaitIdle() throws Exception {
        Awaitility.await("job done").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20)).until(() -> {
            KuraPayload p = handler.doGet(ctx, request("install", new KuraPayload())).getPayload();
            KuraPayload d = handler.doGet(ctx, request("download", new KuraPayload())).getPayload();
            return "IDLE".equals(p.getMetric("dp.install.status")) && "ALREADY_DONE".equals(d.getMetric("dp.download.status"));
        });
        // the job thread releases the lock just after its last notification
        flushJobs();
    }

    /** Returns once everything submitted to the job executor before has run (it has one thread). */
    void flushJobs() throws Exception {
        exec.submit(() -> { }).get(10, TimeUnit.SECONDS);
    }

    @Test
    void badRequestsAreRefusedWithAClearMessageAndNothingStarts() throws Exception {
        serve("m1", "1.0.0");
        KuraPayload p = download("/m1-1.0.0.dp", "m1", "1.0.0");
        p.removeMetric("dp.uri");
        KuraException e = refused("download", p);
        assertEquals(KuraErrorCode.BAD_REQUEST, e.getCode());
        assertTrue(e.getMessage().contains("missing metric dp.uri"), e.getMessage());

        p = download("/m1-1.0.0.dp", "m1", "1.0.0");
        p.addMetric("job.id", "12");
        assertTrue(refused("download", p).getMessage().contains("job.id must be an int64, got a string '12'"));
        p = download("/m1-1.0.0.dp", "m1", "1.0.0");
        p.addMetric("dp.install", "true");
        assertTrue(refused("download", p).getMessage().contains("dp.install must be a bool"));
        p = download("/m1-1.0.0.dp", "m1", "1.0.0");
        p.addMetric("dp.download.block.size", 1.5);
        assertTrue(refused("download", p).getMessage().contains("dp.download.block.size must be an int32, got a double"));
        p = download("/m1-1.0.0.dp", "m1", "1.0.0");
        p.addMetric("dp.uri", "ftp://127.0.0.1/x.dp");
        assertTrue(refused("download", p).getMessage().contains("http:// or https://"));
        p = download("/m1-1.0.0.dp", "m1", "1.0.0");
        p.addMetric("dp.uri", "http://bad host/x.dp");
        assertTrue(refused("download", p).getMessage().contains("bad dp.uri"));
        p = download("/m1-1.0.0.dp", "m1", "1.0.0");
        p.addMetric("dp.download.protocol", "FTP");
        assertTrue(refused("download", p).getMessage().contains("dp.download.protocol 'FTP' is not supported"));
        p = download("/m1-1.0.0.dp", "m1", "1.0.0");
        p.addMetric("dp.download.hash", "SHA256:xyz");
        assertTrue(refused("download", p).getMessage().contains("dp.download.hash"));
        p = download("/m1-1.0.0.dp", "../etc", "1.0.0");
        assertTrue(refused("download", p).getMessage().contains("not allowed"));
        p = download("/m1-1.0.0.dp", "m1", "1.0.0");
        p.addMetric("dp.install.system.update", true);
        assertTrue(refused("download", p).getMessage().contains("not supported"));
        p = download("/m1-1.0.0.dp", "m1", "1.0.0");
        p.removeMetric("requester.client.id");
        assertTrue(refused("download", p).getMessage().contains("requester.client.id"));
        assertEquals(KuraErrorCode.NOT_FOUND, refused("reboot", download("/m1-1.0.0.dp", "m1", "1.0.0")).getCode());
        assertEquals(KuraErrorCode.NOT_FOUND, assertThrows(KuraException.class,
                () -> handler.doGet(ctx, request("nothing", new KuraPayload()))).getCode());
        assertEquals(KuraErrorCode.BAD_REQUEST, assertThrows(KuraException.class,
                () -> handler.doExec(ctx, new KuraMessage(new KuraPayload(), Map.of()))).getCode());
        KuraPayload install = download("/x", "m1", "9.9.9");
        assertTrue(refused("install", install).getMessage().contains("has not been downloaded"));
        KuraPayload uninstall = new KuraPayload();
        uninstall.addMetric("dp.name", "nope");
        uninstall.addMetric("job.id", 5L);
        uninstall.addMetric("requester.client.id", "cloud-1");
        assertEquals(KuraErrorCode.NOT_FOUND, refused("uninstall", uninstall).getCode());

        flushJobs(); // a job started by any of those would have notified before this returns
        assertTrue(notes.isEmpty(), "no job started: " + notes);
        assertTrue(da.installs.isEmpty());
        // and the next good request is served
        handler.doExec(ctx, request("download", download("/m1-1.0.0.dp", "m1", "1.0.0")));
        await(note("install", "dp.install.status", "COMPLETED"));
    }

    @Test
    void hashMismatchOrNotAPackageFailsAndInstallsNothing() throws Exception {
        serve("m1", "1.0.0");
        KuraPayload p = download("/m1-1.0.0.dp", "m1", "1.0.0");
        p.addMetric("dp.download.hash", "sha256:" + "0".repeat(64));
        handler.doExec(ctx, request("download", p));
        KuraMessage failed = await(note("download", "dp.download.status", "FAILED"));
        assertTrue(String.valueOf(failed.getPayload().getMetric("dp.download.error.message")).contains("mismatch"),
                failed.getPayload().metrics().toString());
        awaitIdle();

        http.files.put("/junk.dp", "not a package".getBytes(StandardCharsets.UTF_8));
        handler.doExec(ctx, request("download", download("/junk.dp", "junk", "1.0.0")));
        await(note("download", "dp.download.status", "COMPLETED"));
        KuraMessage bad = await(note("install", "dp.install.status", "FAILED"));
        assertTrue(String.valueOf(bad.getPayload().getMetric("dp.install.error.message")).contains("not a zip"),
                bad.getPayload().metrics().toString());
        awaitIdle();

        handler.doExec(ctx, request("download", download("/missing.dp", "m2", "1.0.0")));
        KuraMessage nf = await(note("download", "dp.download.status", "FAILED"));
        assertTrue(String.valueOf(nf.getPayload().getMetric("dp.download.error.message")).contains("HTTP 404"));
        awaitIdle();
        assertTrue(da.installs.isEmpty());
        assertTrue(store.entries().isEmpty());
        try (var files = Files.list(tmp.resolve("dp/downloads"))) {
            assertEquals(List.of(), files.toList());
        }
    }

    @Test
    void oneJobAtATimeAndDeleteCancels() throws Exception {
        serve("m1", "1.0.0");
        http.chunkDelayMs = 100; // ~40 kB/s for 200 kB: the job is still downloading while we talk to it
        KuraPayload p = download("/m1-1.0.0.dp", "m1", "1.0.0");
        p.addMetric("dp.download.block.size", 4096);
        handler.doExec(ctx, request("download", p));
        await(note("download", "dp.download.status", "IN_PROGRESS"));
        KuraException busy = refused("download", download("/m1-1.0.0.dp", "m1", "1.0.0"));
        assertEquals(KuraErrorCode.PROCESS_EXECUTION_ERROR, busy.getCode());
        assertTrue(busy.getMessage().contains("another DEPLOY-V2 job is in progress: job " + (jobs - 1)), busy.getMessage());
        KuraPayload status = handler.doGet(ctx, request("download", new KuraPayload())).getPayload();
        assertEquals("IN_PROGRESS", status.getMetric("dp.download.status"));
        assertEquals(jobs - 1, status.getMetric("job.id"));

        handler.doDel(ctx, request("download", new KuraPayload()));
        KuraMessage cancelled = await(note("download", "dp.download.status", "FAILED"));
        assertTrue(String.valueOf(cancelled.getPayload().getMetric("dp.download.error.message")).contains("cancelled"));
        awaitIdle();
        assertTrue(da.installs.isEmpty());
        http.chunkDelayMs = 0;
        handler.doExec(ctx, request("download", download("/m1-1.0.0.dp", "m1", "1.0.0")));
        await(note("install", "dp.install.status", "COMPLETED"));
    }

    @Test
    void interruptedDownloadResumesOnTheNextRequest() throws Exception {
        Path dp = serve("m1", "1.0.0");
        http.dropAfter = 50_000;
        KuraPayload p = download("/m1-1.0.0.dp", "m1", "1.0.0");
        p.addMetric("dp.download.resume", true);
        handler.doExec(ctx, request("download", p));
        await(note("download", "dp.download.status", "FAILED"));
        awaitIdle();
        assertTrue(Files.size(tmp.resolve("dp/downloads/m1-1.0.0.dp.part")) > 0, "partial file kept for the resume");
        KuraPayload again = download("/m1-1.0.0.dp", "m1", "1.0.0");
        again.addMetric("dp.download.resume", true);
        again.addMetric("dp.download.hash", "sha256:" + HashSpec.sha256(dp));
        handler.doExec(ctx, request("download", again));
        await(note("install", "dp.install.status", "COMPLETED"));
        assertTrue(http.ranges.get(1).startsWith("bytes="), http.ranges.toString());
        assertEquals(List.of("m1 1.0.0"), da.installs);
    }

    @Test
    void downloadOnlyThenInstallThenUninstall() throws Exception {
        serve("m1", "1.0.0");
        KuraPayload p = download("/m1-1.0.0.dp", "m1", "1.0.0");
        p.addMetric("dp.install", false);
        handler.doExec(ctx, request("download", p));
        await(note("download", "dp.download.status", "COMPLETED"));
        awaitIdle();
        assertTrue(da.installs.isEmpty());
        assertTrue(Files.isRegularFile(tmp.resolve("dp/downloads/m1-1.0.0.dp")));

        KuraPayload install = new KuraPayload();
        install.addMetric("dp.name", "m1");
        install.addMetric("dp.version", "1.0.0");
        install.addMetric("job.id", 7L);
        install.addMetric("dp.install.system.update", false);
        install.addMetric("requester.client.id", "cloud-1");
        handler.doExec(ctx, request("install", install));
        KuraMessage done = await(note("install", "dp.install.status", "COMPLETED"));
        assertEquals(7L, done.getPayload().getMetric("job.id"));
        assertEquals(List.of("m1 1.0.0"), da.installs);
        awaitIdle();

        KuraPayload uninstall = new KuraPayload();
        uninstall.addMetric("dp.name", "m1");
        uninstall.addMetric("job.id", 8);
        uninstall.addMetric("requester.client.id", "cloud-1");
        handler.doExec(ctx, request("uninstall", uninstall));
        KuraMessage gone = await(note("uninstall", "dp.uninstall.status", "COMPLETED"));
        assertEquals(100, gone.getPayload().getMetric("dp.uninstall.progress"));
        assertFalse(da.installed.containsKey("m1"));
        assertTrue(store.entries().isEmpty());
    }

    @Test
    void signatureRequiredNeedsTheDpSignatureMetric() throws Exception {
        java.security.KeyPair kp = java.security.KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        pm.options(new PackageManager.Options(SignatureVerifier.of(SignatureVerifierTest.pem(kp)), true, false));
        Path dp = serve("m1", "1.0.0");
        handler.doExec(ctx, request("download", download("/m1-1.0.0.dp", "m1", "1.0.0")));
        KuraMessage unsigned = await(note("install", "dp.install.status", "FAILED"));
        assertTrue(String.valueOf(unsigned.getPayload().getMetric("dp.install.error.message")).contains("not signed"),
                unsigned.getPayload().metrics().toString());
        awaitIdle();
        assertTrue(da.installs.isEmpty());

        KuraPayload signed = download("/m1-1.0.0.dp", "m1", "1.0.0");
        signed.addMetric("dp.signature", java.util.Base64.getEncoder().encodeToString(
                SignatureVerifierTest.sign(kp, "Ed25519", Files.readAllBytes(dp))));
        handler.doExec(ctx, request("download", signed));
        await(note("install", "dp.install.status", "COMPLETED"));
        assertEquals(List.of("m1 1.0.0"), da.installs);
        KuraPayload garbage = download("/m1-1.0.0.dp", "m1", "1.0.0");
        garbage.addMetric("dp.signature", "%%%");
        assertTrue(refused("download", garbage).getMessage().contains("dp.signature is not base64"));
    }

    @Test
    void modelInstallIsConfirmedOnlyByTheHealthVerdict() throws Exception {
        ModelRef v1 = new ModelRef("ssd", "INT8", "1.0.0", "a".repeat(64));
        ModelRef v2 = new ModelRef("ssd", "INT8", "2.0.0", "b".repeat(64));
        Path src = Files.createDirectories(tmp.resolve("src"));
        pm.install(TestDps.model(src, "ssd-int8", "io.ssd", "1.0.0", v1), null, null);
        Path dp2 = TestDps.model(src, "ssd-int8", "io.ssd", "2.0.0", v2);
        http.files.put("/ssd-2.dp", Files.readAllBytes(dp2));

        handler.doExec(ctx, request("download", download("/ssd-2.dp", "ssd-int8", "2.0.0")));
        KuraMessage watching = await(m -> "install".equals(m.getProperties().get("messageType"))
                && Integer.valueOf(100).equals(m.getPayload().getMetric("dp.install.progress")));
        assertEquals("IN_PROGRESS", watching.getPayload().getMetric("dp.install.status"));
        assertTrue(String.valueOf(watching.getPayload().getMetric("dp.install.message")).contains("watching"));
        assertEquals("IN_PROGRESS", handler.doGet(ctx, request("install", new KuraPayload()))
                .getPayload().getMetric("dp.install.status"));

        guard.model(v2, "model refused: smoke inference found no person", System.currentTimeMillis());
        guard.tick(System.currentTimeMillis());
        KuraMessage failed = await(note("install", "dp.install.status", "FAILED"));
        String msg = String.valueOf(failed.getPayload().getMetric("dp.install.error.message"));
        assertTrue(msg.contains("no person") && msg.contains("rolled back to ssd-int8 1.0.0"), msg);
        assertEquals("1.0.0", da.installed.get("ssd-int8").version());
    }

    @Test
    void absurdDownloadParametersAreClampedAndTheReplySaysWhatIsUsed() throws Exception {
        Path dp = serve("m1", "1.0.0"); // ~200 kB
        KuraPayload p = download("/m1-1.0.0.dp", "m1", "1.0.0");
        p.addMetric("dp.download.block.size", 1);
        p.addMetric("dp.download.notify.block.size", 1);
        p.addMetric("dp.download.block.delay", 0);
        p.addMetric("dp.download.timeout", 1); // 1 ms: no download would ever finish
        http.stallMs = 300; // the headers come after 300 ms
        KuraPayload reply = handler.doExec(ctx, request("download", p)).getPayload();
        assertEquals(65_536, reply.getMetric("dp.download.block.size"));
        assertEquals(65_536, reply.getMetric("dp.download.notify.block.size"));
        assertEquals(10_000, reply.getMetric("dp.download.timeout"));
        String limits = String.valueOf(reply.getMetric("dp.download.limits"));
        assertTrue(limits.contains("clamped: dp.download.block.size 1 -> 65536")
                && limits.contains("dp.download.timeout 1 -> 10000"), limits);
        KuraMessage first = await(note("download", "dp.download.status", "IN_PROGRESS"));
        assertEquals(limits, first.getPayload().getMetric("dp.download.limits"), "the first notification says it too");
        List<KuraMessage> progress = new ArrayList<>();
        progress.add(first);
        KuraMessage done = await(m -> {
            if (note("download", "dp.download.status", "IN_PROGRESS").test(m)) progress.add(m);
            return note("download", "dp.download.status", "COMPLETED").test(m);
        });
        assertEquals(100, done.getPayload().getMetric("dp.download.progress"));
        // one report per 64 KiB (at 0, after 64 and 128 KiB, and after 192 KiB unless the end came in that write)
        // instead of one per byte
        List<Object> at = progress.stream().map(m -> m.getPayload().getMetric("dp.download.progress")).toList();
        assertTrue(at.size() >= 3 && at.size() <= Files.size(dp) / 65_536 + 1, "progress notifications of " + Files.size(dp)
                + " bytes at %: " + at);
        assertEquals(null, progress.get(1).getPayload().getMetric("dp.download.limits"));
        await(note("install", "dp.install.status", "COMPLETED"));
        awaitIdle();

        KuraPayload slow = download("/m1-1.0.0.dp", "m1", "1.0.0");
        slow.addMetric("dp.download.block.delay", 600_000);
        slow.addMetric("dp.download.timeout", Integer.MAX_VALUE);
        slow.addMetric("dp.download.block.size", Integer.MAX_VALUE);
        slow.addMetric("dp.install", false);
        KuraPayload r2 = handler.doExec(ctx, request("download", slow)).getPayload();
        assertEquals(5_000, r2.getMetric("dp.download.block.delay"));
        assertEquals(3_600_000, r2.getMetric("dp.download.timeout"));
        assertEquals(16 * 1024 * 1024, r2.getMetric("dp.download.block.size"));
        await(note("download", "dp.download.status", "COMPLETED")); // one block: no pause taken
        awaitIdle();
    }

    @Test
    void localAddressesAndHostsOffTheAllowListAreRefused() throws Exception {
        serve("m1", "1.0.0");
        handler.settings(settings(DownloadPolicy.of(false, "")), 20_000); // the defaults
        handler.doExec(ctx, request("download", download("/m1-1.0.0.dp", "m1", "1.0.0")));
        KuraMessage failed = await(note("download", "dp.download.status", "FAILED"));
        String msg = String.valueOf(failed.getPayload().getMetric("dp.download.error.message"));
        assertTrue(msg.contains("127.0.0.1, a loopback address: refused (download.allow.local=false)"), msg);
        awaitIdle();
        assertTrue(http.ranges.isEmpty(), "never requested: " + http.ranges);

        handler.settings(settings(DownloadPolicy.of(true, "repo.example.com")), 20_000);
        KuraException off = refused("download", download("/m1-1.0.0.dp", "m1", "1.0.0"));
        assertEquals(KuraErrorCode.BAD_REQUEST, off.getCode());
        assertTrue(off.getMessage().contains("host 127.0.0.1 is not in download.allowed.hosts [repo.example.com]"),
                off.getMessage());
        flushJobs();
        assertTrue(notes.isEmpty(), "no job started: " + notes);

        handler.settings(settings(DownloadPolicy.of(true, "127.0.0.1")), 20_000);
        handler.doExec(ctx, request("download", download("/m1-1.0.0.dp", "m1", "1.0.0")));
        await(note("install", "dp.install.status", "COMPLETED"));
        assertEquals(List.of("m1 1.0.0"), da.installs);
    }

    @Test
    void sameVersionWithOtherContentFailsTheInstallAndTheSamePackageAgainIsANoOp() throws Exception {
        Path dp = serve("m1", "1.0.0");
        handler.doExec(ctx, request("download", download("/m1-1.0.0.dp", "m1", "1.0.0")));
        await(note("install", "dp.install.status", "COMPLETED"));
        awaitIdle();
        handler.doExec(ctx, request("download", download("/m1-1.0.0.dp", "m1", "1.0.0")));
        KuraMessage again = await(note("install", "dp.install.status", "COMPLETED"));
        assertTrue(String.valueOf(again.getPayload().getMetric("dp.install.message")).contains("already installed with the same"
                + " content"), again.getPayload().metrics().toString());
        awaitIdle();
        assertEquals(List.of("m1 1.0.0"), da.installs, "not handed to DeploymentAdmin again");

        byte[] other = Files.readAllBytes(TestDps.big(Files.createDirectories(tmp.resolve("other")), "m1", "io.m1", "1.0.0",
                150_000));
        http.files.put("/m1-1.0.0.dp", other);
        handler.doExec(ctx, request("download", download("/m1-1.0.0.dp", "m1", "1.0.0")));
        KuraMessage failed = await(note("install", "dp.install.status", "FAILED"));
        String msg = String.valueOf(failed.getPayload().getMetric("dp.install.error.message"));
        assertTrue(msg.contains("m1 1.0.0 is already installed with different content (sha256 " + HashSpec.sha256(dp))
                && msg.contains("bump the version"), msg);
        assertEquals(HashSpec.sha256(dp), store.entries().get(0).sha256(), "the stored package is unchanged");
        assertEquals(List.of("m1 1.0.0"), da.installs);
    }

    @Test
    void packagesXmlIsKurasDocumentAndEscapesHostileNames() throws Exception {
        Deployer.Installed plain = new Deployer.Installed("m1", "1.0.0", List.of(new DpInfo.BundleRef(null, "io.m1", "1.0.0")));
        assertEquals("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<packages><package><name>m1</name><version>1.0.0</version>"
                + "<bundles><bundle><name>io.m1</name><version>1.0.0</version></bundle></bundles></package></packages>",
                DeployV2Handler.packagesXml(List.of(plain)));
        assertEquals("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<packages></packages>", DeployV2Handler.packagesXml(List.of()));

        String hostile = "a</name><injected/>&amp;\"'<![CDATA[]]>\u0001\uD83D\uDE00";
        String xml = DeployV2Handler.packagesXml(List.of(new Deployer.Installed(hostile, "1.0.0<",
                List.of(new DpInfo.BundleRef(null, "io.x&y", "2.0.0")))));
        Document d = DocumentBuilderFactory.newDefaultInstance().newDocumentBuilder()
                .parse(new InputSource(new StringReader(xml)));
        assertEquals(0, d.getElementsByTagName("injected").getLength(), xml);
        Element pkg = (Element) d.getElementsByTagName("package").item(0);
        assertEquals("a</name><injected/>&amp;\"'<![CDATA[]]>\uFFFD\uD83D\uDE00", text(pkg, "name"),
                "the name back as sent, the control character (not allowed in XML) replaced");
        assertEquals("1.0.0<", text(pkg, "version"));
        Element bundle = (Element) pkg.getElementsByTagName("bundle").item(0);
        assertEquals("io.x&y", text(bundle, "name"));
        assertEquals("2.0.0", text(bundle, "version"));
    }

    /** The text of the first child element with that tag. */
    private static String text(Element parent, String tag) {
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling())
            if (n instanceof Element e && e.getTagName().equals(tag)) return e.getTextContent();
        throw new AssertionError("no <" + tag + "> in " + parent.getTagName());
    }
}
