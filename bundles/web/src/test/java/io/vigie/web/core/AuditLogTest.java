package io.vigie.web.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.google.gson.JsonObject;

/** The audit trail on disk: kept across restarts, rotated and bounded, torn lines skipped, hostile text neutered. */
class AuditLogTest {
    @TempDir
    Path dir;

    static AuditLog.Entry change(int i) {
        return new AuditLog.Entry(1_700_000_000_000L + i, "alice", "admin", "10.0.0.1", "POST", "/vigie/api/packages/" + i,
                200, null);
    }

    @Test
    void recordsAreKeptAcrossARestartNewestFirst() throws Exception {
        AuditLog log = new AuditLog(dir, 1 << 20, 2, 100);
        log.record(new AuditLog.Entry(1_700_000_000_000L, "alice", "admin", "10.0.0.1", "POST", "/vigie/api/session", 200,
                "sign-in"));
        log.record(change(1));
        List<JsonObject> again = new AuditLog(dir, 1 << 20, 2, 100).latest(10);
        assertEquals(2, again.size());
        assertEquals("/vigie/api/packages/1", again.get(0).get("path").getAsString());
        assertEquals("sign-in", again.get(1).get("event").getAsString());
        assertEquals("2023-11-14T22:13:20Z", again.get(1).get("time").getAsString());
        assertEquals(200, again.get(0).get("status").getAsInt());
        assertFalse(again.get(0).has("event"), "a plain change has no event name");
        assertEquals(1, new AuditLog(dir, 1 << 20, 2, 100).latest(1).size(), "limit");
    }

    @Test
    void aLineTornByAKillIsSkippedAndTheNextRecordStartsOnItsOwnLine() throws Exception {
        AuditLog log = new AuditLog(dir, 1 << 20, 2, 100);
        log.record(change(1));
        Path f = dir.resolve(AuditLog.CURRENT);
        // a kill in the middle of a write, cut inside a multi-byte character
        byte[] torn = "{\"time\":\"2023-11-14T22:13:20Z\",\"user\":\"\u00e9".getBytes(StandardCharsets.UTF_8);
        Files.write(f, java.util.Arrays.copyOf(torn, torn.length - 1), StandardOpenOption.APPEND);
        AuditLog reopened = new AuditLog(dir, 1 << 20, 2, 100);
        assertEquals(1, reopened.latest(10).size(), "the torn line is skipped, the rest kept");
        reopened.record(change(2));
        assertEquals(2, new AuditLog(dir, 1 << 20, 2, 100).latest(10).size(), "the new record was not glued to the torn one");
        Files.writeString(f, "garbage\n[1,2]\n{}\n\n", StandardOpenOption.APPEND);
        assertEquals(2, new AuditLog(dir, 1 << 20, 2, 100).latest(10).size(), "other garbage skipped too");
    }

    @Test
    void aFloodStaysWithinTheFilesAndTheMemoryBound() throws Exception {
        AuditLog log = new AuditLog(dir, 4096, 3, 50);
        for (int i = 0; i < 5000; i++) log.record(change(i));
        long bytes;
        try (Stream<Path> s = Files.list(dir)) {
            bytes = s.mapToLong(p -> p.toFile().length()).sum();
        }
        assertTrue(bytes <= 3 * 4096, "on disk: " + bytes);
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(3, s.count(), "audit.jsonl, audit.1.jsonl, audit.2.jsonl");
        }
        List<JsonObject> newest = log.latest(1000);
        assertEquals(50, newest.size(), "memory keeps at most 50");
        assertEquals("/vigie/api/packages/4999", newest.get(0).get("path").getAsString());
        List<JsonObject> reread = new AuditLog(dir, 4096, 3, 1000).latest(1000);
        assertEquals("/vigie/api/packages/4999", reread.get(0).get("path").getAsString(), "rotation kept order");
        assertTrue(reread.size() > 30 && reread.size() < 100, "what the 3 files hold: " + reread.size());
    }

    @Test
    void hostileTextCanNeitherForgeLinesNorGrowTheLog() throws Exception {
        AuditLog log = new AuditLog(dir, 1 << 20, 2, 100);
        String evil = "mallory\n{\"time\":\"2020-01-01T00:00:00Z\",\"user\":\"admin\",\"event\":\"sign-in\"}\r\u2028\u0000";
        log.record(new AuditLog.Entry(0, evil + "x".repeat(1_000_000), "", "1.2.3.4\n", "POST\n",
                "/vigie/api/%0a\n/x" + "y".repeat(100_000), 401, "sign-in failed"));
        List<String> lines = Files.readAllLines(dir.resolve(AuditLog.CURRENT));
        assertEquals(1, lines.size(), "one record, one line");
        assertTrue(lines.get(0).length() < 1000, "fields are cut: " + lines.get(0).length());
        JsonObject r = new AuditLog(dir, 1 << 20, 2, 100).latest(10).get(0);
        assertEquals(1, new AuditLog(dir, 1 << 20, 2, 100).latest(10).size(), "no forged second record");
        String user = r.get("user").getAsString();
        assertFalse(user.chars().anyMatch(c -> c < 0x20 || c == 0x2028), user);
        assertTrue(user.length() <= 65, user);
        assertEquals("POST?", r.get("method").getAsString());
        assertEquals("", AuditLog.clean(null, 5));
        assertEquals("ab…", AuditLog.clean("abc", 2));
        assertThrows(IllegalArgumentException.class, () -> new AuditLog(dir, 10, 1, 1));
    }
}
