package io.vigie.ota.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Package hashes vouch for content only with SHA-256 or stronger: MD5 and SHA-1 collisions are forged at will. */
class WeakHashTest {
    // md5("abc"), sha1("abc"), sha224("abc"), sha512("abc")
    static final String MD5 = "900150983cd24fb0d6963f7d28e17f72";
    static final String SHA1 = "a9993e364706816aba3e25717850c26c9cd0d89d";
    static final String SHA224 = "23097d223405d8228642a477bda255b32aadbce4bda0b3f7e36c9da7";
    static final String SHA512 = "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
            + "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f";

    @Test
    void md5AndSha1AreRefusedWithAClearMessage() {
        for (String spec : new String[] { "md5:" + MD5, "MD5:" + MD5, "sha1:" + SHA1, "SHA-1:" + SHA1, "sha:" + SHA1,
                "sha224:" + SHA224 }) {
            OtaException e = assertThrows(OtaException.class, () -> HashSpec.parse(spec), spec);
            assertEquals(OtaException.Kind.BAD_REQUEST, e.kind);
            assertTrue(e.getMessage().contains("too weak") && e.getMessage().contains("use sha256"), e.getMessage());
        }
        // nor can one be made by hand
        assertThrows(IllegalArgumentException.class, () -> new HashSpec("MD5", MD5));
        assertThrows(IllegalArgumentException.class, () -> new HashSpec("SHA-1", SHA1));
    }

    @Test
    void sha512IsAccepted(@TempDir Path tmp) throws Exception {
        Path f = Files.writeString(tmp.resolve("abc"), "abc");
        HashSpec s = HashSpec.parse("SHA512:" + SHA512.toUpperCase());
        assertEquals("SHA-512", s.algorithm());
        s.verify(f);
    }
}
