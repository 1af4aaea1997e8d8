package io.vigie.cloud.paho;

import static org.junit.jupiter.api.Assertions.*;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The store never keeps the cloud connection down: a damaged file is moved aside (kept, bounded) and a fresh one
 * opened; a full disk (writes failing with ENOSPC, injected by {@link FullDiskFilePath}) degrades to a bounded memory
 * queue that goes back to the file when it can be written again.
 */
class MessageStoreRecoveryTest {

    @TempDir
    Path dir;

    private final AtomicLong now = new AtomicLong(1_765_000_000_000L);

    @AfterEach
    void diskHasRoomAgain() {
        FullDiskFilePath.FULL.set(false);
        FullDiskFilePath.CAPACITY.set(Long.MAX_VALUE);
    }

    private Path file() {
        return dir.resolve(MessageStore.FILE_NAME);
    }

    private List<Path> damagedFiles() throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().startsWith(MessageStore.FILE_NAME
                    + MessageStore.DAMAGED_SUFFIX)).sorted().collect(Collectors.toList());
        }
    }

    /** A store file holding three waiting messages, closed. */
    private void storeWithThreeMessages() throws Exception {
        try (MessageStore s = new MessageStore(dir, 100, 0, now::get)) {
            for (int i = 0; i < 3; i++) {
                s.store("t", new byte[500], 1, false, 5);
            }
        }
    }

    private static void overwrite(Path f, long at, int n, long seed) throws Exception {
        byte[] garbage = new byte[n];
        new Random(seed).nextBytes(garbage);
        try (RandomAccessFile r = new RandomAccessFile(f.toFile(), "rw")) {
            r.seek(at);
            r.write(garbage);
        }
    }

    /** Opens over a damaged file: it is moved aside with its content, a fresh store works, the notice says so. */
    private void assertRecovered(long damagedBytes) throws Exception {
        try (MessageStore s = new MessageStore(dir, 100, 0, now::get)) {
            assertTrue(s.onDisk());
            assertEquals(1, s.damagedMovedAside());
            assertEquals(0, s.size(), "fresh store");
            List<Path> kept = damagedFiles();
            assertEquals(1, kept.size(), "damaged file kept for inspection");
            assertEquals(damagedBytes, Files.size(kept.get(0)));
            assertTrue(kept.get(0).getFileName().toString().contains("20251206T"), kept.get(0).toString());
            assertTrue(s.notice().contains("moved to " + kept.get(0).getFileName()), s.notice());
            assertEquals(1L, s.status().get("damagedMovedAside"));
            assertEquals("file", s.status().get("mode"));
            long id = s.store("t", new byte[] { 7 }, 1, false, 5);
            List<StoredMessage> batch = s.nextBatch(10);
            assertEquals(1, batch.size());
            assertEquals(id, batch.get(0).id);
        }
        try (MessageStore again = new MessageStore(dir, 100, 0, now::get)) {
            assertEquals(1, again.size(), "the fresh file is a working store");
            assertEquals(0, again.damagedMovedAside());
        }
    }

    @Test
    void headerOverwrittenWith8kBOfGarbage() throws Exception {
        storeWithThreeMessages();
        long size = Files.size(file());
        overwrite(file(), 0, 8192, 1);
        assertRecovered(size);
    }

    @Test
    void truncatedFile() throws Exception {
        storeWithThreeMessages();
        try (RandomAccessFile r = new RandomAccessFile(file().toFile(), "rw")) {
            r.setLength(100); // shorter than MVStore's header block
        }
        assertRecovered(100);
    }

    @Test
    void garbageFile() throws Exception {
        Files.createDirectories(dir);
        overwrite(file(), 0, 64 * 1024, 2); // never was a store
        assertRecovered(64 * 1024);
    }

    @Test
    void atMostThreeDamagedFilesAreKept() throws Exception {
        List<Path> moved = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            overwrite(file(), 0, 8192, i);
            now.addAndGet(1000);
            try (MessageStore s = new MessageStore(dir, 100, 0, now::get)) {
                assertEquals(1, s.damagedMovedAside());
                moved.add(dir.resolve((String) s.status().get("lastMovedAside")));
            }
        }
        assertEquals(moved.subList(2, 5), damagedFiles(), "the newest three kept");
    }

    private MessageStore.Limits fullDiskLimits() {
        MessageStore.Limits l = new MessageStore.Limits();
        l.fileScheme = FullDiskFilePath.prefix();
        l.memoryMessages = 3;
        l.fileRetryMs = 0; // try the file at every call: the test decides when the disk has room
        return l;
    }

    @Test
    void fullDiskKeepsMessagesInMemoryWithANoticeThenGoesBackToTheFile() throws Exception {
        long fileA, fileB, mem1, mem2, mem3, mem4;
        try (MessageStore s = new MessageStore(dir, 100, 0, now::get, fullDiskLimits())) {
            fileA = s.store("t/a", new byte[] { 1 }, 1, false, 5);
            fileB = s.store("t/b", new byte[] { 2 }, 1, false, 5);
            assertEquals(List.of(fileA), ids(s.nextBatch(1))); // in flight when the disk fills up

            FullDiskFilePath.FULL.set(true);
            mem1 = s.store("t/m1", new byte[] { 3 }, 1, false, 5); // accepted: in memory
            assertFalse(s.onDisk());
            assertEquals(1, s.memoryFallbacks());
            assertTrue(s.notice().contains("No space left on device") && s.notice().contains("memory"), s.notice());
            assertEquals("memory", s.status().get("mode"));
            assertEquals(3, s.size(), "one in memory, two waiting in the file");
            s.markPublished(fileA); // confirmed while the file is full: deleted from it later
            assertEquals(List.of(mem1), ids(s.nextBatch(10)), "memory messages flow while the disk is full");
            s.markPublished(mem1);

            // Bounded (3 messages here): least important, oldest first; counted apart from the file's drops.
            mem2 = s.store("t/m2", new byte[] { 4 }, 1, false, 9);
            mem3 = s.store("t/m3", new byte[] { 5 }, 1, false, 1);
            mem4 = s.store("t/m4", new byte[] { 6 }, 1, false, 5);
            long mem5 = s.store("t/m5", new byte[] { 7 }, 1, false, 5); // full: drops m2 (priority 9)
            assertEquals(1, s.droppedInMemory());
            assertEquals(0, s.droppedForCapacity());
            assertEquals(1L, s.status().get("droppedMemory"));
            assertThrows(MessageStore.StoreException.class, () -> s.store("t/low", new byte[1], 1, false, 9),
                    "less important than everything held: refused, the caller is told");
            assertEquals(1, s.refusedWhenFull());
            assertEquals(1, s.memoryFallbacks(), "attempts on a still-full disk are not new fallbacks");

            FullDiskFilePath.FULL.set(false);
            List<StoredMessage> batch = s.nextBatch(10); // room again: back to the file first
            assertTrue(s.onDisk());
            assertEquals("", s.notice());
            assertEquals(List.of(mem3, fileB, mem4, mem5), ids(batch), "priority then FIFO across both");
            assertNotEquals(mem2, mem3);
        }
        // What the memory held is in the file now; fileA (confirmed meanwhile) is gone from it.
        try (MessageStore s = new MessageStore(dir, 100, 0, now::get)) {
            assertEquals(List.of(mem3, fileB, mem4), ids(s.nextBatch(3)));
            assertEquals(4, s.size());
        }
    }

    /**
     * A disk that fills up mid-write leaves the failed chunk's head in the file. Reopened in place and written to,
     * MVStore 2.2.224 then fails the next open ("Double mark": the file looks damaged, its messages would be moved
     * aside). Seen on a 1 MB tmpfs; here the same with a 1 MB disk.
     */
    @Test
    void afterAFullDiskTheFileReopensCleanly() throws Exception {
        FullDiskFilePath.CAPACITY.set(1 << 20);
        int onFile = 0;
        try (MessageStore s = new MessageStore(dir, 100_000, 0, now::get, fullDiskLimits())) {
            while (s.onDisk()) {
                s.store("t", new byte[500], 1, false, 5);
                onFile++;
            }
            onFile--; // the one that met the full disk is in memory
            FullDiskFilePath.CAPACITY.set(Long.MAX_VALUE);
            for (int i = 0; i < 20; i++) {
                s.store("t", new byte[500], 1, false, 5);
            }
            assertTrue(s.onDisk());
        }
        try (MessageStore s = new MessageStore(dir, 100_000, 0, now::get)) {
            assertEquals(0, s.damagedMovedAside(), s.notice());
            assertEquals(onFile + 21, s.size());
        }
    }

    @Test
    void fileNotWritableAtStartStillGivesAWorkingStore() throws Exception {
        FullDiskFilePath.FULL.set(true);
        try (MessageStore s = new MessageStore(dir, 100, 0, now::get, fullDiskLimits())) {
            assertFalse(s.onDisk());
            assertEquals(1, s.memoryFallbacks());
            long id = s.store("t", new byte[] { 1 }, 1, false, 5);
            assertEquals(List.of(id), ids(s.nextBatch(10)));
            FullDiskFilePath.FULL.set(false);
            long id2 = s.store("t", new byte[] { 2 }, 1, false, 5);
            assertTrue(s.onDisk());
            s.markPublished(id); // handed out from memory, confirmed on the file: same id
            assertEquals(List.of(id2), ids(s.nextBatch(10)));
        }
        try (MessageStore s = new MessageStore(dir, 100, 0, now::get)) {
            assertEquals(1, s.size());
        }
    }

    private static List<Long> ids(List<StoredMessage> ms) {
        List<Long> out = new ArrayList<>();
        ms.forEach(m -> out.add(m.id));
        return out;
    }
}
