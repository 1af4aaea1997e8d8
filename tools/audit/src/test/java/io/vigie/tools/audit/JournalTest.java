package io.vigie.tools.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JournalTest {
    @TempDir
    Path dir;

    static DeploymentRecord record(String verdict, Long verdictAt) {
        return new DeploymentRecord(DeploymentRecord.key("gw", "p", Events.DP_SHA, Events.T0), "gw", "p", "1.0", Events.DP_SHA,
                "m", "ssd", "INT8", "1.0", Events.MODEL_SHA, verdict, null, null, null, 3L, Events.T0, verdictAt);
    }

    @Test
    void survivesARestartAndKeepsTheNewestStateOfADeployment() throws IOException {
        Journal j = new Journal(dir);
        j.put(record(DeploymentRecord.PENDING, null));
        DeploymentRecord healthy = record(DeploymentRecord.HEALTHY, Events.T0 + 6_000);
        assertEquals(healthy, j.put(healthy));
        assertEquals(healthy, j.put(record(DeploymentRecord.PENDING, null)), "a late PENDING does not undo the verdict");
        List<DeploymentRecord> again = new Journal(dir).pending(); // a new process
        assertEquals(List.of(healthy), again);
        assertEquals(Events.T0, again.get(0).installedAt());
    }

    @Test
    void aRecordWrittenWhileANewerStateArrivedStays() throws IOException {
        Journal j = new Journal(dir);
        DeploymentRecord pending = j.put(record(DeploymentRecord.PENDING, null));
        j.put(record(DeploymentRecord.HEALTHY, Events.T0 + 1)); // arrived while the writer sent `pending`
        assertFalse(j.done(pending));
        assertEquals(1, j.count());
        assertTrue(j.done(j.pending().get(0)));
        assertEquals(0, j.count());
    }

    @Test
    void damagedFilesAreSetAsideAndRefusedRecordsKeptWithTheReason() throws IOException {
        Journal j = new Journal(dir);
        Files.writeString(dir.resolve("pending/0123456789abcdef0123456789abcdef.json"), "{\"key\": [garbage");
        Files.writeString(dir.resolve("pending/ffffffffffffffffffffffffffffffff.json"), "{\"key\":\"other\",\"gateway\":\"g\","
                + "\"package\":\"p\",\"verdict\":\"HEALTHY\"}");
        assertEquals(List.of(), j.pending());
        assertTrue(Files.exists(dir.resolve("bad/0123456789abcdef0123456789abcdef.json")));
        assertTrue(Files.exists(dir.resolve("bad/ffffffffffffffffffffffffffffffff.json")), "a name that is not its key");
        DeploymentRecord r = j.put(record(DeploymentRecord.PENDING, null));
        j.refuse(r, "INVALID_PARAMETER_VALUE");
        assertEquals(0, j.count());
        assertEquals("INVALID_PARAMETER_VALUE\n", Files.readString(dir.resolve("refused/" + r.key() + ".why")));
        DeploymentRecord evil = new DeploymentRecord("../../etc/passwd", "g", "p", "1", null, null, null, null, null, null,
                DeploymentRecord.PENDING, null, null, null, null, null, null);
        assertThrows(IllegalArgumentException.class, () -> j.put(evil));
    }
}
