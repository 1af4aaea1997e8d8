package io.vigie.tools.modelbuilder;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

class Sha256Test {
    private static final byte[] ABC = "abc".getBytes(StandardCharsets.US_ASCII);
    private static final String ABC_SHA = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

    @Test
    void knownVector() {
        assertEquals(ABC_SHA, Sha256.hex(ABC));
        assertDoesNotThrow(() -> Sha256.verify(ABC, ABC_SHA.toUpperCase(), "abc"));
    }

    @Test
    void mismatchNamesExpectedAndActual() {
        HashMismatchException e = assertThrows(HashMismatchException.class,
                () -> Sha256.verify(ABC, CoralModelSource.SHA256, "the model"));
        assertEquals(CoralModelSource.SHA256, e.expected());
        assertEquals(ABC_SHA, e.actual());
        assertTrue(e.getMessage().contains("the model"), e.getMessage());
        assertTrue(e.getMessage().contains("expected " + CoralModelSource.SHA256), e.getMessage());
        assertTrue(e.getMessage().contains("got " + ABC_SHA), e.getMessage());
        assertTrue(e.getMessage().contains("MISMATCH"), e.getMessage());
    }

    @Test
    void pinnedHashIsTheCoralOne() {
        assertTrue(CoralModelSource.SHA256.startsWith("7046f31a"));
        assertTrue(CoralModelSource.SHA256.endsWith("aa0cd"));
        assertEquals(64, CoralModelSource.SHA256.length());
    }
}
