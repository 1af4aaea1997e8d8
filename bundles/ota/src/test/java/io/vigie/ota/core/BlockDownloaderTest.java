package io.vigie.ota.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
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

class BlockDownloaderTest {
    @TempDir
    Path tmp;
    TestHttp http;
    final byte[] data = new byte[300_000];
    final List<long[]> progress = new ArrayList<>();
    static final BlockDownloader.Settings S = new BlockDownloader.Settings(2_000, 50_000, 0, 0, 1_000_000);

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

    BlockDownloader.Result fetch(Path part, boolean resume, BlockDownloader.Settings s) throws Exception {
        return BlockDownloader.fetch(URI.create(http.url("/p.dp")), part, resume, s, () -> false, (d, t) -> progress.add(new long[] { d, t }));
    }

    @Test
    void wholeFileWithProgressEveryBlock() throws Exception {
        Path part = tmp.resolve("p.part");
        BlockDownloader.Result r = fetch(part, false, S);
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
        fetch(part, false, new BlockDownloader.Settings(2_000, 10_000, 1, 100_000, 1_000_000));
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
        Exception e = assertThrows(Exception.class, () -> fetch(part, true, S));
        long kept = Files.size(part);
        assertTrue(kept > 0 && kept <= 120_000, "partial file kept: " + kept + " (" + e + ")");
        BlockDownloader.Result r = fetch(part, true, S);
        assertEquals(kept, r.resumedFrom());
        assertEquals("bytes=" + kept + "-", http.ranges.get(1));
        assertArrayEquals(data, Files.readAllBytes(part));
    }

    @Test
    void serverIgnoringRangesStartsOver() throws Exception {
        Path part = Files.write(tmp.resolve("p.part"), Arrays.copyOf(data, 1000));
        http.honourRanges = false;
        BlockDownloader.Result r = fetch(part, true, S);
        assertEquals(0, r.resumedFrom());
        assertArrayEquals(data, Files.readAllBytes(part));
    }

    @Test
    void stalePartLongerThanTheFileIsFetchedAgain() throws Exception {
        Path part = Files.write(tmp.resolve("p.part"), new byte[data.length + 10]);
        fetch(part, true, S);
        assertEquals(List.of("bytes=" + (data.length + 10) + "-", ""), http.ranges);
        assertArrayEquals(data, Files.readAllBytes(part));
    }

    @Test
    void timeoutNotFoundTooLargeAndCancel() throws Exception {
        Path part = tmp.resolve("p.part");
        http.stallMs = 1_500;
        OtaException t = assertThrows(OtaException.class, () -> fetch(part, false, new BlockDownloader.Settings(300, 0, 0, 0, 1_000_000)));
        assertTrue(t.getMessage().contains("timed out after 300 ms"), t.getMessage());
        http.stallMs = 0;
        OtaException nf = assertThrows(OtaException.class, () -> BlockDownloader.fetch(URI.create(http.url("/nope.dp")), part, false, S,
                () -> false, (d, x) -> { }));
        assertTrue(nf.getMessage().contains("HTTP 404"), nf.getMessage());
        OtaException big = assertThrows(OtaException.class, () -> fetch(part, false, new BlockDownloader.Settings(2_000, 0, 0, 0, 1000)));
        assertTrue(big.getMessage().contains("too large"), big.getMessage());
        OtaException c = assertThrows(OtaException.class, () -> BlockDownloader.fetch(URI.create(http.url("/p.dp")), part, false, S,
                () -> true, (d, x) -> { }));
        assertTrue(c.getMessage().contains("cancelled"), c.getMessage());
    }
}
