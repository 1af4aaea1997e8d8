package io.vigie.ota.core;

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

class DpStoreTest {
    @TempDir
    Path tmp;

    DpInfo info(String version) {
        return new DpInfo("m", version, "model", null, List.of(), List.of());
    }

    @Test
    void updateKeepsThePreviousFileAndRevertBringsItBack() throws Exception {
        DpStore s = new DpStore(tmp.resolve("dp"));
        Path v1 = Files.writeString(tmp.resolve("v1"), "one");
        Path v2 = Files.writeString(tmp.resolve("v2"), "two");
        s.put(info("1"), v1, "h1");
        assertTrue(s.previous("m").isEmpty());
        s.put(info("2"), v2, "h2");
        DpStore.Entry prev = s.previous("m").orElseThrow();
        assertEquals("1", prev.version());
        assertEquals("h1", prev.sha256());
        assertEquals("one", Files.readString(prev.file()));
        assertEquals(List.of("m"), s.entries().stream().map(DpStore.Entry::name).toList(), "the previous is no entry of its own");
        assertEquals("two", Files.readString(s.entries().get(0).file()));

        DpStore.Entry back = s.revert("m");
        assertEquals("1", back.version());
        assertEquals("one", Files.readString(s.entries().get(0).file()));
        assertEquals("1", s.entries().get(0).version());
        assertTrue(s.previous("m").isEmpty());
        assertThrows(IOException.class, () -> s.revert("m"));
    }

    @Test
    void removeDropsThePreviousToo() throws Exception {
        DpStore s = new DpStore(tmp.resolve("dp"));
        s.put(info("1"), Files.writeString(tmp.resolve("v1"), "one"), "h1");
        s.put(info("2"), Files.writeString(tmp.resolve("v2"), "two"), "h2");
        s.remove("m");
        assertTrue(s.entries().isEmpty());
        assertTrue(s.previous("m").isEmpty());
        assertFalse(Files.exists(s.dir().resolve("m.prev.dp")));
        assertFalse(Files.exists(s.dir().resolve("m.dp")));
    }
}
