package io.vigie.ota.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HashSpecTest {
    @TempDir
    Path tmp;
    // sha256("abc"), sha384("abc")
    static final String ABC256 = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    static final String ABC384 = "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed"
            + "8086072ba1e7cc2358baeca134c825a7";

    @Test
    void parsesKuraAndBareForms() throws Exception {
        assertEquals(new HashSpec("SHA-256", ABC256), HashSpec.parse("sha256:" + ABC256));
        assertEquals(new HashSpec("SHA-256", ABC256), HashSpec.parse("SHA-256:" + ABC256.toUpperCase()));
        assertEquals(new HashSpec("SHA-256", ABC256), HashSpec.parse(ABC256));
        assertEquals(new HashSpec("SHA-384", ABC384), HashSpec.parse("sha384:" + ABC384));
    }

    @Test
    void refusesBadSyntax() {
        assertEquals(OtaException.Kind.BAD_REQUEST, assertThrows(OtaException.class, () -> HashSpec.parse("sha256:abc")).kind);
        assertEquals(OtaException.Kind.BAD_REQUEST,
                assertThrows(OtaException.class, () -> HashSpec.parse("crc9:" + ABC256)).kind);
        assertEquals(OtaException.Kind.BAD_REQUEST,
                assertThrows(OtaException.class, () -> HashSpec.parse("sha256:" + ABC256.replace('a', 'z'))).kind);
        assertThrows(OtaException.class, () -> HashSpec.parse(" "));
    }

    @Test
    void verifiesFiles() throws Exception {
        Path f = Files.writeString(tmp.resolve("abc"), "abc");
        assertEquals(ABC256, HashSpec.sha256(f));
        HashSpec.parse("sha256:" + ABC256).verify(f);
        HashSpec.parse("SHA-384:" + ABC384).verify(f);
        Files.writeString(f, "abd");
        OtaException e = assertThrows(OtaException.class, () -> HashSpec.parse("sha256:" + ABC256).verify(f));
        assertEquals(OtaException.Kind.INVALID, e.kind);
        assertTrue(e.getMessage().contains("mismatch"), e.getMessage());
    }

    @Test
    void aSha256AlreadyComputedIsCheckedWithoutReadingTheFileAgain(@TempDir Path dir) throws Exception {
        Path missing = dir.resolve("not-there.dp"); // proves no second read happens
        HashSpec.parse("sha256:" + ABC256).verify(missing, ABC256);
        String other = ABC256.substring(1) + "0";
        OtaException e = assertThrows(OtaException.class, () -> HashSpec.parse("sha256:" + ABC256).verify(missing, other));
        assertTrue(e.getMessage().contains("mismatch"), e.getMessage());
        // another algorithm still reads the file
        assertThrows(java.io.IOException.class, () -> HashSpec.parse("sha384:" + ABC384).verify(missing, ABC256));
    }
}
