package io.vigie.web.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The intrusion log on a real folder: bounds, restarts, torn and foreign files, queries. */
class IntrusionLogTest {
    @TempDir
    Path dir;
    long now = 1_000_000;

    IntrusionLog open(int max, long bytes) throws Exception {
        return new IntrusionLog(dir, max, bytes, () -> now);
    }

    static IntrusionLog.Query all() {
        return new IntrusionLog.Query(null, null, null, 1000);
    }

    static byte[] jpeg(int n, int fill) {
        byte[] b = new byte[n];
        java.util.Arrays.fill(b, (byte) fill);
        return b;
    }

    @Test
    void startEndThumbnailAndTheyAllSurviveARestart() throws Exception {
        IntrusionLog log = open(10, 10_000);
        long a = log.started("door", 100, 1, "ssd/INT8/1.0.0", 7);
        long b = log.started("yard", 200, 2, null, 9);
        assertTrue(log.thumbnail(a, jpeg(500, 1)));
        assertTrue(log.ended("door", 300));
        assertFalse(log.ended("door", 400), "already ended");
        assertFalse(log.ended("nowhere", 400));
        assertFalse(log.thumbnail(99, jpeg(10, 1)), "no such record");

        IntrusionLog again = open(10, 10_000);
        List<IntrusionLog.Intrusion> rs = again.query(all());
        assertEquals(List.of(b, a), rs.stream().map(IntrusionLog.Intrusion::id).toList(), "newest first");
        assertEquals(new IntrusionLog.Intrusion(a, "door", 100, 300L, 1, "ssd/INT8/1.0.0", 7, true), rs.get(1));
        assertEquals(new IntrusionLog.Intrusion(b, "yard", 200, null, 2, null, 9, false), rs.get(0));
        assertArrayEquals(jpeg(500, 1), again.thumb(a));
        assertNull(again.thumb(b));
        assertEquals(500, again.thumbBytes());
        assertTrue(again.started("door", 500, 1, null, 10) > b, "ids keep growing after a restart");
    }

    @Test
    void boundedByCountThenBySnapshotBytes() throws Exception {
        IntrusionLog log = open(3, 1_000);
        for (int i = 0; i < 5; i++) log.thumbnail(log.started("z", i, 1, null, i), jpeg(300, i));
        assertEquals(3, log.size());
        assertEquals(List.of(5L, 4L, 3L), log.query(all()).stream().map(IntrusionLog.Intrusion::id).toList());
        assertEquals(900, log.thumbBytes());
        log.thumbnail(log.started("z", 9, 1, null, 9), jpeg(300, 9));
        // 4 records over 3: #3 goes; snapshots 4,5,6 = 900 bytes fit
        assertEquals(900, log.thumbBytes());
        log.thumbnail(5, jpeg(401, 5)); // replaced: 300+401+300 > 1000 -> the oldest snapshot (#4) goes, its record stays
        assertNull(log.thumb(4));
        assertFalse(log.query(all()).get(2).thumb());
        assertEquals(701, log.thumbBytes());
        assertFalse(log.thumbnail(6, jpeg(IntrusionLog.MAX_THUMB_BYTES + 1, 0)), "oversized snapshot refused");
        assertFalse(log.thumbnail(6, new byte[0]));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(3 + 2, files.count(), "3 records, 2 snapshots: nothing else left on disk");
        }
    }

    @Test
    void tornForeignAndOrphanFilesAreDroppedAtLoad() throws Exception {
        IntrusionLog log = open(10, 10_000);
        long a = log.started("door", 100, 1, null, 1);
        log.thumbnail(a, jpeg(50, 1));
        Files.writeString(dir.resolve("000000000002.json"), "{\"id\":2,\"zone\":", StandardCharsets.UTF_8); // torn
        Files.writeString(dir.resolve("000000000003.json"), "{\"id\":4,\"zone\":\"x\",\"startMs\":1,\"persons\":1,"
                + "\"sequence\":1,\"thumb\":false}", StandardCharsets.UTF_8); // id does not match its name
        Files.writeString(dir.resolve("000000000001.json.tmp"), "half", StandardCharsets.UTF_8);
        Files.write(dir.resolve("000000000077.jpg"), jpeg(10, 7)); // no record
        Files.writeString(dir.resolve("../outside.json"), "{}", StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("notes.txt"), "x", StandardCharsets.UTF_8);
        IntrusionLog again = open(10, 10_000);
        assertEquals(1, again.size());
        assertArrayEquals(jpeg(50, 1), again.thumb(a));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of("000000000001.jpg", "000000000001.json"),
                    files.map(p -> p.getFileName().toString()).sorted().toList());
        }
        assertTrue(again.started("door", 1, 1, null, 1) >= 4, "ids after every name seen, even a refused one");
    }

    @Test
    void queriesByZoneAndOverlappingTimeRange() throws Exception {
        IntrusionLog log = open(10, 10_000);
        log.started("door", 100, 1, null, 1);
        log.ended("door", 200);
        log.started("yard", 300, 1, null, 2);
        log.ended("yard", 400);
        log.started("door", 500, 1, null, 3); // still open: reaches "now"
        now = 10_000;
        assertEquals(List.of(3L, 1L), ids(log, new IntrusionLog.Query("door", null, null, 10)));
        assertEquals(List.of(2L, 1L), ids(log, new IntrusionLog.Query(null, 150L, 350L, 10)), "overlaps count");
        assertEquals(List.of(3L), ids(log, new IntrusionLog.Query(null, 5_000L, null, 10)), "open one reaches now");
        assertEquals(List.of(3L), ids(log, new IntrusionLog.Query(null, null, null, 1)), "limit keeps the newest");
        assertEquals(List.of(), ids(log, new IntrusionLog.Query("Door", null, null, 10)), "zone names are exact");
        assertThrows(IllegalArgumentException.class, () -> new IntrusionLog(dir, 0, 1, () -> 0));
    }

    @Test
    void openRecordsOfZonesNoLongerIntrudedAreEndedAlsoAfterARestart() throws Exception {
        IntrusionLog log = open(10, 10_000);
        assertFalse(log.hasOpen());
        long door = log.started("door", 100, 1, null, 1);
        long yard = log.started("yard", 150, 1, null, 2);
        assertTrue(log.hasOpen());
        assertEquals(1, log.endAllBut(java.util.Set.of("door"), 500), "the yard zone went away without an END");
        assertEquals(500L, log.query(all()).stream().filter(r -> r.id() == yard).findFirst().orElseThrow().endMs());
        assertTrue(log.hasOpen(), "door is still intruded");
        IntrusionLog again = open(10, 10_000);
        assertTrue(again.hasOpen(), "still open after a restart, until a frame says otherwise");
        assertEquals(1, again.endAllBut(java.util.Set.of(), 50));
        assertEquals(100L, again.query(all()).stream().filter(r -> r.id() == door).findFirst().orElseThrow().endMs(),
                "never before its start");
        assertFalse(again.hasOpen());
        assertEquals(0, again.endAllBut(java.util.Set.of(), 900));
    }

    static List<Long> ids(IntrusionLog log, IntrusionLog.Query q) {
        return log.query(q).stream().map(IntrusionLog.Intrusion::id).toList();
    }
}
