package io.vigie.tools.modelbuilder;

import java.io.IOException;

/** The fetched bytes are not the pinned ones: never build a model bundle from them. */
public class HashMismatchException extends IOException {
    private static final long serialVersionUID = 1L;
    private final String expected;
    private final String actual;

    public HashMismatchException(String what, String expected, String actual) {
        super("SHA-256 MISMATCH for " + what + ": expected " + expected + " but got " + actual
                + " - the upstream artifact changed or the download is corrupt; refusing to build from it");
        this.expected = expected;
        this.actual = actual;
    }

    public String expected() {
        return expected;
    }

    public String actual() {
        return actual;
    }
}
