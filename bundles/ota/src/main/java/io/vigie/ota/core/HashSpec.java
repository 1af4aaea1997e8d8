package io.vigie.ota.core;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;

/**
 * An expected digest, written {@code alg:hex} like Kura's {@code dp.download.hash} (e.g.
 * {@code sha256:7046...}, {@code SHA-256:...}, {@code sha512:...}) or a bare 64-hex sha256. Only SHA-256,
 * SHA-384 and SHA-512 vouch for a package: MD5 and SHA-1 (and SHA-224) are refused, collisions are forged for the
 * first two, so a package matching one proves nothing.
 */
public record HashSpec(String algorithm, String hex) {
    /** JCA names of the digests accepted for packages. */
    public static final java.util.Set<String> ACCEPTED = java.util.Set.of("SHA-256", "SHA-384", "SHA-512");

    public HashSpec {
        if (!ACCEPTED.contains(algorithm)) throw new IllegalArgumentException(tooWeak(algorithm));
    }

    public static HashSpec parse(String spec) throws OtaException {
        if (spec == null || spec.isBlank()) throw new OtaException(OtaException.Kind.BAD_REQUEST, "empty hash");
        String s = spec.trim();
        int colon = s.indexOf(':');
        String alg = colon < 0 ? "sha256" : s.substring(0, colon);
        String hex = (colon < 0 ? s : s.substring(colon + 1)).toLowerCase(Locale.ROOT);
        String jca = jcaName(alg);
        int len;
        try {
            len = MessageDigest.getInstance(jca).getDigestLength();
        } catch (NoSuchAlgorithmException e) {
            throw new OtaException(OtaException.Kind.BAD_REQUEST, "unsupported hash algorithm '" + alg + "'");
        }
        if (!hex.matches("[0-9a-f]+") || hex.length() != 2 * len)
            throw new OtaException(OtaException.Kind.BAD_REQUEST,
                    "hash '" + spec + "': expected " + 2 * len + " hex digits for " + jca);
        return new HashSpec(jca, hex);
    }

    /** sha256 / SHA-256 / SHA256 -> SHA-256, sha384, sha512; md5, sha1 and sha224 are refused as too weak. */
    static String jcaName(String alg) throws OtaException {
        String a = alg.trim().toUpperCase(Locale.ROOT).replace("-", "").replace("_", "");
        return switch (a) {
            case "MD5", "SHA1", "SHA", "SHA224" -> throw new OtaException(OtaException.Kind.BAD_REQUEST, tooWeak(alg.trim()));
            case "SHA256" -> "SHA-256";
            case "SHA384" -> "SHA-384";
            case "SHA512" -> "SHA-512";
            default -> throw new OtaException(OtaException.Kind.BAD_REQUEST, "unsupported hash algorithm '" + alg + "'");
        };
    }

    private static String tooWeak(String alg) {
        return "hash algorithm '" + alg + "' is too weak to vouch for a package: use sha256 (or sha384, sha512)";
    }

    public static String digest(Path file, String jcaAlgorithm) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance(jcaAlgorithm);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalArgumentException(jcaAlgorithm, e);
        }
        byte[] buf = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n; (n = in.read(buf)) > 0;) md.update(buf, 0, n);
        }
        return HexFormat.of().formatHex(md.digest());
    }

    public static String sha256(Path file) throws IOException {
        return digest(file, "SHA-256");
    }

    /** Checks the file against this digest; the message names both values. */
    public void verify(Path file) throws OtaException, IOException {
        verify(file, null);
    }

    /** As {@link #verify(Path)}, deleting the file on a mismatch: a download that fails its hash leaves nothing behind. */
    public void verifyOrDelete(Path file) throws OtaException, IOException {
        try {
            verify(file);
        } catch (OtaException e) {
            java.nio.file.Files.deleteIfExists(file);
            throw e;
        }
    }

    /**
     * @param knownSha256 the file's SHA-256 when the caller already computed it (hashing runs before a swap, and this
     *                    JVM has no C2 SHA intrinsics), or null
     */
    public void verify(Path file, String knownSha256) throws OtaException, IOException {
        String actual = knownSha256 != null && "SHA-256".equals(algorithm) ? knownSha256 : digest(file, algorithm);
        if (!MessageDigest.isEqual(actual.getBytes(), hex.getBytes()))
            throw new OtaException(OtaException.Kind.INVALID,
                    algorithm + " mismatch: expected " + hex + ", got " + actual);
    }
}
