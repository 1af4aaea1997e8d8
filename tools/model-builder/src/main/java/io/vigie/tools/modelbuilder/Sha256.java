package io.vigie.tools.modelbuilder;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** sha256 helpers: the model bytes are pinned by hash, a mismatch stops the build. */
public final class Sha256 {
    private Sha256() {
    }

    public static String hex(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 missing from this JVM", e);
        }
    }

    /** @throws HashMismatchException naming {@code what}, the expected and the actual hash */
    public static void verify(byte[] bytes, String expected, String what) throws HashMismatchException {
        String actual = hex(bytes);
        if (!actual.equalsIgnoreCase(expected))
            throw new HashMismatchException(what, expected, actual);
    }
}
