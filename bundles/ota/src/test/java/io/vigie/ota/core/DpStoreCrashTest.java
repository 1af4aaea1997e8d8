package io.vigie.ota.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The store after a power cut: whatever step a write was at, the store reopens to indexes naming complete files,
 * and the start-up restore gets a package that was fully written.
 */
class DpStoreCrashTest {
    @TempDir
    Path tmp;

    /** A stored version: content "one", "two"... and its real sha256. */
    Path version(String content) throws IOException {
        return Files.writeString(tmp.resolve(content + ".src"), content);
    }

    DpStore.Entry put(DpStore s, String version, String content) throws IOException {
        Path src = version(content);
        return s.put(new DpInfo("m", version, "model", null, List.of(), List.of()), src, HashSpec.sha256(src));
    }

    /** v1 "one" then v2 "two": current two, previous one. */
    DpStore twoVersions(Path dir) throws IOException {
        DpStore s = new DpStore(dir);
        put(s, "1", "one");
        put(s, "2", "two");
        return s;
    }

    static String content(DpStore.Entry e) throws IOException {
        return Files.readString(e.file());
    }

    // ---- crash states made by hand, as today's store leaves them

    @Test
    void aCurrentFileMissingFallsBackToThePrevious() throws Exception {
        Path dir = tmp.resolve("dp");
        DpStore s = twoVersions(dir);
        Files.delete(s.entries().get(0).file()); // the index was switched, the file never made it
        List<DpStore.Entry> order = new DpStore(dir).installOrder();
        assertEquals(1, order.size());
        assertEquals("1", order.get(0).version());
        assertEquals("one", content(order.get(0)));
        assertEquals("one", Files.readString(dir.resolve("m.dp")), "read by name too");
        assertTrue(new DpStore(dir).previous("m").isEmpty(), "the previous became the current one");
    }

    @Test
    void aPartialCurrentFileFallsBackToThePrevious() throws Exception {
        Path dir = tmp.resolve("dp");
        Path big = Files.write(tmp.resolve("big"), new byte[100_000]);
        DpStore s = new DpStore(dir);
        put(s, "1", "one");
        s.put(new DpInfo("m", "2", "model", null, List.of(), List.of()), big, HashSpec.sha256(big));
        Path cur = s.entries().get(0).file();
        Files.write(cur, new byte[40_000]); // a write cut short
        List<DpStore.Entry> order = new DpStore(dir).installOrder();
        assertEquals("1", order.get(0).version());
        assertEquals("one", content(order.get(0)));
    }

    @Test
    void aDamagedCurrentFileFallsBackToThePrevious() throws Exception {
        Path dir = tmp.resolve("dp");
        DpStore s = twoVersions(dir);
        Files.writeString(s.entries().get(0).file(), "twx"); // same size, other bytes
        DpStore.Entry e = new DpStore(dir).installOrder().get(0);
        assertEquals("1", e.version());
        assertEquals(HashSpec.sha256(e.file()), e.sha256());
    }

    @Test
    void withNothingToFallBackToTheEntryStaysForTheRestoreToReport() throws Exception {
        Path dir = tmp.resolve("dp");
        DpStore s = new DpStore(dir);
        put(s, "1", "one");
        Files.delete(s.entries().get(0).file());
        List<DpStore.Entry> order = new DpStore(dir).installOrder();
        assertEquals(List.of("m"), order.stream().map(DpStore.Entry::name).toList());
        assertFalse(Files.exists(order.get(0).file()));
    }

    @Test
    void leftoverTempFilesAreDeletedAtOpen() throws Exception {
        Path dir = tmp.resolve("dp");
        twoVersions(dir);
        Files.writeString(dir.resolve("m.dp.tmp"), "half a packa");
        Files.writeString(dir.resolve("m@123.dp.tmp"), "half a packa");
        Files.writeString(dir.resolve(DpStore.INDEX + ".tmp"), "m=m@123.dp.tmp\n");
        Files.writeString(dir.resolve("m@456.dp"), "renamed, never indexed");
        DpStore s = new DpStore(dir);
        assertEquals(Set.of(), tempFiles(dir));
        assertFalse(Files.exists(dir.resolve("m@456.dp")));
        assertEquals("two", content(s.installOrder().get(0)));
    }

    // ---- every step of every write, cut short

    /** Thrown by the step hook: the process stops there. */
    static final class PowerCut extends IOException {
        private static final long serialVersionUID = 1L;
    }

    interface Write {
        void run(DpStore s) throws IOException;
    }

    /** The steps a write goes through, from a run without a cut. */
    List<String> steps(Write w) throws IOException {
        Path dir = tmp.resolve("dry-" + System.nanoTime());
        twoVersions(dir);
        List<String> steps = new ArrayList<>();
        w.run(new DpStore(dir, steps::add));
        return steps;
    }

    /** Cuts the write after each of its steps in turn; a torn temp file is what an unsynced write would leave. */
    List<DpStore> cutEverywhere(Write w) throws IOException {
        List<String> steps = steps(w);
        assertTrue(steps.size() >= 4, steps.toString());
        List<DpStore> reopened = new ArrayList<>();
        for (int k = 0; k < steps.size(); k++) {
            Path dir = tmp.resolve("cut-" + reopened.size() + "-" + System.nanoTime());
            twoVersions(dir);
            int at = k;
            int[] seen = { 0 };
            DpStore cut = new DpStore(dir, step -> {
                if (seen[0]++ == at) throw new PowerCut();
            });
            assertThrows(PowerCut.class, () -> w.run(cut), "cut after " + steps.get(k));
            try (Stream<Path> files = Files.list(dir)) {
                for (Path f : files.filter(f -> f.toString().endsWith(".tmp")).toList()) Files.write(f, new byte[3]);
            }
            DpStore s = new DpStore(dir);
            consistent(s, dir, steps.get(k));
            reopened.add(s);
        }
        return reopened;
    }

    /** Indexes name complete files (sha256 right), no temp or stray file is left, {@code <name>.dp} is the current. */
    void consistent(DpStore s, Path dir, String step) throws IOException {
        List<DpStore.Entry> order = s.installOrder();
        for (DpStore.Entry e : order) {
            assertEquals(e.sha256(), HashSpec.sha256(e.file()), step);
            assertEquals(content(e), Files.readString(dir.resolve(e.name() + ".dp")), step);
            Optional<DpStore.Entry> prev = s.previous(e.name());
            if (prev.isPresent()) assertEquals(prev.get().sha256(), HashSpec.sha256(prev.get().file()), step);
        }
        assertEquals(Set.of(), tempFiles(dir), step);
        Set<String> named = new java.util.HashSet<>();
        for (DpStore.Entry e : order) {
            named.add(e.file().getFileName().toString());
            named.add(e.name() + ".dp");
            s.previous(e.name()).ifPresent(p -> named.add(p.file().getFileName().toString()));
        }
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(named, files.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(".dp"))
                    .collect(java.util.stream.Collectors.toSet()), step);
        }
    }

    static Set<String> tempFiles(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(".tmp"))
                    .collect(java.util.stream.Collectors.toSet());
        }
    }

    @Test
    void anUpdateCutAtAnyStepLeavesTheOldOrTheNewVersionWithItsWayBack() throws Exception {
        for (DpStore s : cutEverywhere(st -> put(st, "3", "three"))) {
            DpStore.Entry cur = s.installOrder().get(0);
            String prev = s.previous("m").map(p -> {
                try {
                    return content(p);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).orElse("none");
            switch (content(cur)) {
                case "three" -> assertEquals("two", prev, "the rollback goes back to what was replaced");
                case "two" -> assertTrue(prev.equals("one") || prev.equals("two"), prev);
                default -> throw new AssertionError("current is " + content(cur));
            }
            // and the store goes on
            put(s, "4", "four");
            assertEquals("four", content(s.installOrder().get(0)));
        }
    }

    @Test
    void aRollbackCutAtAnyStepLeavesTheFailedOrThePreviousVersion() throws Exception {
        for (DpStore s : cutEverywhere(st -> st.revert("m"))) {
            String cur = content(s.installOrder().get(0));
            assertTrue(cur.equals("one") || cur.equals("two"), cur);
            if (cur.equals("one")) assertTrue(s.previous("m").isEmpty() || content(s.previous("m").get()).equals("one"));
        }
    }

    @Test
    void aRemoveCutAtAnyStepLeavesThePackageOrNothing() throws Exception {
        for (DpStore s : cutEverywhere(st -> st.remove("m"))) {
            List<DpStore.Entry> order = s.installOrder();
            if (order.isEmpty()) assertTrue(s.previous("m").isEmpty());
            else assertEquals("two", content(order.get(0)));
        }
    }

    @Test
    void anIndexWrittenByAnEarlierVersionKeepsItsPackagesThroughAnUpdate() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("dp"));
        Files.writeString(dir.resolve("m.dp"), "two");
        Files.writeString(dir.resolve("m.prev.dp"), "one");
        Files.writeString(dir.resolve(DpStore.INDEX), "m=m.dp\nm.version=2\nm.kind=model\nm.sha256="
                + HashSpec.sha256(dir.resolve("m.dp")) + "\n");
        Files.writeString(dir.resolve(DpStore.PREVIOUS_INDEX), "m=m.prev.dp\nm.version=1\nm.kind=model\nm.sha256="
                + HashSpec.sha256(dir.resolve("m.prev.dp")) + "\n");
        DpStore s = new DpStore(dir);
        assertEquals("two", content(s.installOrder().get(0)));
        put(s, "3", "three");
        assertEquals("three", Files.readString(dir.resolve("m.dp")));
        assertEquals("two", content(s.previous("m").orElseThrow()));
        assertEquals("two", content(s.revert("m")));
        assertEquals("two", Files.readString(dir.resolve("m.dp")));
        consistent(new DpStore(dir), dir, "after");
    }

    // ---- pending verdicts

    @Test
    void aPendingVerdictSurvivesARestartUntilCleared() throws Exception {
        Path dir = tmp.resolve("dp");
        DpStore s = twoVersions(dir);
        String sha2 = s.current("m").orElseThrow().sha256();
        s.markPending("m", "2", sha2, 1234L);
        s.markPending("other", "9", "00", 99L); // an install that never reached the store

        DpStore after = new DpStore(dir);
        assertEquals(List.of(new DpStore.Pending("m", "2", sha2, 1234L), new DpStore.Pending("other", "9", "00", 99L)),
                after.pending());
        assertEquals(List.of(new DpStore.Pending("m", "2", sha2, 1234L)), after.unjudged(),
                "stored and never judged: to roll back");
        after.clearPending("m");
        after.clearPending("other");
        after.clearPending("never-marked");
        assertEquals(List.of(), new DpStore(dir).pending());
    }

    @Test
    void aMarkerCutWhileWrittenKeepsTheMarkersBefore() throws Exception {
        Path dir = tmp.resolve("dp");
        twoVersions(dir).markPending("m", "2", "aa", 1L);
        DpStore cut = new DpStore(dir, step -> {
            if (step.startsWith(DpStore.PENDING_INDEX)) throw new PowerCut();
        });
        assertThrows(PowerCut.class, () -> cut.clearPending("m"));
        Files.writeString(dir.resolve(DpStore.PENDING_INDEX + ".tmp"), "m.ver"); // torn
        assertEquals(List.of(new DpStore.Pending("m", "2", "aa", 1L)), new DpStore(dir).pending());
    }
}
