package io.vigie.ota.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.vigie.ota.core.HttpDownloader.Blocks;
import io.vigie.ota.core.HttpDownloader.Transfer;

/** The one downloader against a local HTTP server: whole files (REST), blocks, progress, resume (DEPLOY-V2), limits. */
class HttpDownloaderTest {
    @TempDir
    Path tmp;
    TestHttp http;
    final byte[] data = new byte[300_000];
    final List<long[]> progress = new ArrayList<>();
    static final Blocks BLOCKS = new Blocks(50_000, 0, 0);
    final HttpDownloader dl = new HttpDownloader(2_000, 1_000_000, DownloadPolicy.LOCAL);

    @BeforeEach
    void setUp() throws Exception {
        new Random(7).nextBytes(data);
        http = new TestHttp();
        http.files.put("/p.dp", data);
    }

    @AfterEach
    void tearDown() {
        http.close();
    }

    Transfer transfer(boolean resume, Blocks b) {
        return new Transfer(resume, b, null, () -> false, (d, t) -> progress.add(new long[] { d, t }));
    }

    HttpDownloader.Result fetch(Path part, boolean resume, Blocks b) throws Exception {
        return dl.fetch(URI.create(http.url("/p.dp")), part, transfer(resume, b));
    }

    // ---- whole files (the REST install)

    @Test
    void downloadsHttpAndRefusesFileUrls() throws Exception {
        Path out = tmp.resolve("a.dp");
        assertEquals(data.length, dl.download(http.url("/p.dp"), out));
        assertArrayEquals(data, Files.readAllBytes(out));
        // REST and DEPLOY-V2 alike: a local file is uploaded or seeded, never named by a remote caller
        OtaException e = assertThrows(OtaException.class, () -> dl.download(out.toUri().toString(), tmp.resolve("b.dp")));
        assertEquals(OtaException.Kind.BAD_REQUEST, e.kind);
        assertTrue(e.getMessage().contains("unsupported URL scheme 'file' (http, https)"), e.getMessage());
        assertFalse(Files.exists(tmp.resolve("b.dp")));
    }

    // ---- where downloads may go

    /** Policy with local addresses refused, whose name lookups answer from a table. */
    static DownloadPolicy strict(List<String> hosts, java.util.Map<String, String[]> names) {
        return new DownloadPolicy(false, hosts, h -> {
            String[] a = names.get(h);
            if (a == null) return java.net.InetAddress.getAllByName(h);
            java.net.InetAddress[] out = new java.net.InetAddress[a.length];
            for (int i = 0; i < a.length; i++) out[i] = java.net.InetAddress.getByName(a[i]);
            return out;
        });
    }

    OtaException refused(DownloadPolicy p, String url) {
        Path out = tmp.resolve("refused.dp");
        OtaException e = assertThrows(OtaException.class, () -> new HttpDownloader(2_000, 1_000_000, p).download(url, out));
        assertEquals(OtaException.Kind.BAD_REQUEST, e.kind);
        assertFalse(Files.exists(out), "nothing written");
        return e;
    }

    @Test
    void loopbackLinkLocalAndUnspecifiedHostsAreRefusedUnlessAllowed() throws Exception {
        DownloadPolicy p = DownloadPolicy.of(false, "");
        String port = ":" + http.port();
        assertTrue(refused(p, http.url("/p.dp")).getMessage().contains("127.0.0.1, a loopback address: refused"
                + " (download.allow.local=false)"));
        assertTrue(refused(p, "http://localhost" + port + "/p.dp").getMessage().contains("loopback"));
        assertTrue(refused(p, "http://169.254.169.254/latest/meta-data").getMessage().contains("link-local"));
        assertTrue(refused(p, "http://[fe80::1]/p.dp").getMessage().contains("link-local"));
        assertTrue(refused(p, "http://0.0.0.0" + port + "/p.dp").getMessage().contains("unspecified"));
        assertTrue(refused(p, "http://[::]" + port + "/p.dp").getMessage().contains("unspecified"));
        assertTrue(refused(p, "http://[::ffff:127.0.0.1]" + port + "/p.dp").getMessage().contains("loopback"));
        assertTrue(http.ranges.isEmpty(), "the local server was never reached: " + http.ranges);
        // every address of a name counts: one public, one loopback -> refused
        DownloadPolicy mixed = strict(List.of(), java.util.Map.of("repo.example", new String[] { "93.184.216.34", "127.0.0.1" }));
        assertTrue(refused(mixed, "http://repo.example/p.dp").getMessage().contains("resolves to 127.0.0.1"));
        // allowed by the option
        assertEquals(data.length, new HttpDownloader(2_000, 1_000_000, DownloadPolicy.of(true, ""))
                .download(http.url("/p.dp"), tmp.resolve("ok.dp")));
    }

    @Test
    void redirectsAreFollowedHopByHopEachCheckedAgain() throws Exception {
        http.redirects.put("/r1", "/r2");
        http.redirects.put("/r2", http.url("/p.dp"));
        assertEquals(data.length, dl.download(http.url("/r1"), tmp.resolve("a.dp")));
        assertEquals(3, http.ranges.size(), "three requests, one per hop");
        // 127.0.0.1 "resolves" to a public address for the check, localhost to loopback: the first hop passes,
        // the redirect to localhost does not, and is never requested
        http.ranges.clear();
        DownloadPolicy p = strict(List.of(), java.util.Map.of("127.0.0.1", new String[] { "93.184.216.34" }));
        http.redirects.put("/to-loopback", "http://localhost:" + http.port() + "/p.dp");
        OtaException e = refused(p, http.url("/to-loopback"));
        assertTrue(e.getMessage().contains("host localhost resolves to 127.0.0.1, a loopback address"), e.getMessage());
        assertEquals(1, http.ranges.size(), "only the first hop was requested");
        http.redirects.put("/loop", "/loop");
        assertTrue(refused(DownloadPolicy.LOCAL, http.url("/loop")).getMessage().contains("more than 5 redirects"));
    }

    @Test
    void anAllowListLimitsTheHostsOfEveryHop() throws Exception {
        DownloadPolicy only = new DownloadPolicy(true, List.of("127.0.0.1"));
        assertEquals(data.length, new HttpDownloader(2_000, 1_000_000, only).download(http.url("/p.dp"), tmp.resolve("a.dp")));
        OtaException other = refused(only, "http://localhost:" + http.port() + "/p.dp");
        assertTrue(other.getMessage().contains("host localhost is not in download.allowed.hosts [127.0.0.1]"),
                other.getMessage());
        http.redirects.put("/away", "http://localhost:" + http.port() + "/p.dp");
        assertTrue(refused(only, http.url("/away")).getMessage().contains("not in download.allowed.hosts"));
        DownloadPolicy wildcard = DownloadPolicy.of(true, "repo.example.com, *.cdn.example.com");
        wildcard.checkSyntax(URI.create("https://repo.example.com/x.dp"));
        wildcard.checkSyntax(URI.create("https://eu.cdn.example.com/x.dp"));
        assertThrows(OtaException.class, () -> wildcard.checkSyntax(URI.create("https://cdn.example.com.evil/x.dp")));
        assertThrows(OtaException.class, () -> wildcard.checkSyntax(URI.create("https://evilcdn.example.com/x.dp")));
    }

    @Test
    void sizeCapDeclaredOrNot() {
        HttpDownloader small = new HttpDownloader(5_000, 1000, DownloadPolicy.LOCAL);
        OtaException a = assertThrows(OtaException.class, () -> small.download(http.url("/p.dp"), tmp.resolve("a")));
        assertTrue(a.getMessage().contains("package too large: " + data.length + " > 1000 bytes"), a.getMessage());
        http.chunked = true; // no length announced: the cap applies while copying
        OtaException b = assertThrows(OtaException.class, () -> small.download(http.url("/p.dp"), tmp.resolve("b")));
        assertTrue(b.getMessage().contains("package too large: more than 1000 bytes"), b.getMessage());
    }

    @Test
    void errorsAreBadRequests() throws Exception {
        HttpDownloader rest = new HttpDownloader(300, 1000, DownloadPolicy.LOCAL);
        OtaException nf = assertThrows(OtaException.class, () -> rest.download(http.url("/missing.dp"), tmp.resolve("a")));
        assertEquals(OtaException.Kind.BAD_REQUEST, nf.kind);
        assertTrue(nf.getMessage().contains("HTTP 404"), nf.getMessage());
        OtaException s = assertThrows(OtaException.class, () -> rest.download("ftp://x/y.dp", tmp.resolve("c")));
        assertTrue(s.getMessage().contains("unsupported URL scheme 'ftp' (http, https)"), s.getMessage());
        OtaException bad = assertThrows(OtaException.class, () -> rest.download("http://bad host/x.dp", tmp.resolve("d")));
        assertTrue(bad.getMessage().startsWith("bad URL"), bad.getMessage());
    }

    // ---- DEPLOY-V2: blocks, progress, resume, cancel

    @Test
    void wholeFileWithProgressEveryBlock() throws Exception {
        Path part = tmp.resolve("p.part");
        HttpDownloader.Result r = fetch(part, false, BLOCKS);
        assertEquals(data.length, r.bytes());
        assertEquals(0, r.resumedFrom());
        assertArrayEquals(data, Files.readAllBytes(part));
        // start, every ~50 kB, end
        assertTrue(progress.size() >= 7, "progress reports: " + progress.size());
        assertEquals(0, progress.get(0)[0]);
        assertArrayEquals(new long[] { data.length, data.length }, progress.get(progress.size() - 1));
        assertEquals(List.of(""), http.ranges);
    }

    @Test
    void notifyBlockSizeSetsTheReportIntervalAndBlockDelayPausesPerBlock() throws Exception {
        Path part = tmp.resolve("p.part");
        // reports every 100 kB, 1 ms pause after each 10 kB block (30 pauses: the delay is taken, not timed)
        fetch(part, false, new Blocks(10_000, 1, 100_000));
        List<Long> at = progress.stream().map(p -> p[0]).toList();
        assertEquals(5, at.size(), at.toString()); // start, 100 kB, 200 kB, 300 kB boundary, end
        assertEquals(0L, at.get(0));
        assertTrue(at.get(1) >= 100_000 && at.get(1) < 110_000 && at.get(2) >= 200_000 && at.get(2) < 210_000, at.toString());
        assertEquals(List.of((long) data.length, (long) data.length), at.subList(3, 5));
        assertArrayEquals(data, Files.readAllBytes(part));
    }

    @Test
    void interruptedDownloadResumesWithARangeRequest() throws Exception {
        Path part = tmp.resolve("p.part");
        http.dropAfter = 120_000;
        Exception e = assertThrows(Exception.class, () -> fetch(part, true, BLOCKS));
        long kept = Files.size(part);
        assertTrue(kept > 0 && kept <= 120_000, "partial file kept: " + kept + " (" + e + ")");
        HttpDownloader.Result r = fetch(part, true, BLOCKS);
        assertEquals(kept, r.resumedFrom());
        assertEquals("bytes=" + kept + "-", http.ranges.get(1));
        assertArrayEquals(data, Files.readAllBytes(part));
    }

    @Test
    void serverIgnoringRangesStartsOver() throws Exception {
        Path part = Files.write(tmp.resolve("p.part"), Arrays.copyOf(data, 1000));
        http.honourRanges = false;
        HttpDownloader.Result r = fetch(part, true, BLOCKS);
        assertEquals(0, r.resumedFrom());
        assertArrayEquals(data, Files.readAllBytes(part));
    }

    @Test
    void stalePartLongerThanTheFileIsFetchedAgain() throws Exception {
        Path part = Files.write(tmp.resolve("p.part"), new byte[data.length + 10]);
        fetch(part, true, BLOCKS);
        assertEquals(List.of("bytes=" + (data.length + 10) + "-", ""), http.ranges);
        assertArrayEquals(data, Files.readAllBytes(part));
    }

    @Test
    void timeoutNotFoundTooLargeAndCancel() throws Exception {
        Path part = tmp.resolve("p.part");
        http.stallMs = 1_500;
        OtaException t = assertThrows(OtaException.class, () -> new HttpDownloader(300, 1_000_000, DownloadPolicy.LOCAL)
                .fetch(URI.create(http.url("/p.dp")), part, transfer(false, Blocks.DEFAULT)));
        assertTrue(t.getMessage().contains("timed out after 300 ms"), t.getMessage());
        http.stallMs = 0;
        OtaException nf = assertThrows(OtaException.class,
                () -> dl.fetch(URI.create(http.url("/nope.dp")), part, Transfer.WHOLE));
        assertTrue(nf.getMessage().contains("HTTP 404"), nf.getMessage());
        OtaException big = assertThrows(OtaException.class, () -> new HttpDownloader(2_000, 1000, DownloadPolicy.LOCAL)
                .fetch(URI.create(http.url("/p.dp")), part, Transfer.WHOLE));
        assertTrue(big.getMessage().contains("too large"), big.getMessage());
        OtaException c = assertThrows(OtaException.class, () -> dl.fetch(URI.create(http.url("/p.dp")), part,
                new Transfer(false, BLOCKS, null, () -> true, (d, x) -> { })));
        assertTrue(c.getMessage().contains("cancelled"), c.getMessage());
    }

    @Test
    void aBodyThatStopsComingTimesOut() throws Exception {
        http.chunkDelayMs = 5_000; // the first 4 KiB, then silence longer than the timeout
        Path part = tmp.resolve("p.part");
        OtaException t = assertThrows(OtaException.class, () -> new HttpDownloader(300, 1_000_000, DownloadPolicy.LOCAL)
                .fetch(URI.create(http.url("/p.dp")), part, transfer(true, BLOCKS)));
        assertTrue(t.getMessage().contains("timed out after 300 ms"), t.getMessage());
        assertEquals(4096, Files.size(part), "what came is kept for a resume");
    }

    @Test
    void theHashIsCheckedOnTheCompleteFileWhichIsDeletedOnAMismatch() throws Exception {
        Path part = tmp.resolve("p.part");
        Path wholeFile = Files.write(tmp.resolve("whole"), data);
        HashSpec right = HashSpec.parse("SHA256:" + HashSpec.sha256(wholeFile));
        dl.fetch(URI.create(http.url("/p.dp")), part, new Transfer(false, BLOCKS, right, () -> false, (d, t) -> { }));
        assertArrayEquals(data, Files.readAllBytes(part));
        HashSpec wrong = HashSpec.parse("sha256:" + "0".repeat(64));
        OtaException e = assertThrows(OtaException.class, () -> dl.fetch(URI.create(http.url("/p.dp")), part,
                new Transfer(false, BLOCKS, wrong, () -> false, (d, t) -> { })));
        assertTrue(e.getMessage().contains("mismatch: expected " + "0".repeat(64)), e.getMessage());
        assertFalse(Files.exists(part));
    }
}
