package io.vigie.web.core;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.security.spec.InvalidKeySpecException;
import java.util.HexFormat;

import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * A stored password: {@code {pbkdf2-sha256}ITERATIONS:SALT_HEX:HASH_HEX} (PBKDF2-HMAC-SHA256, what
 * {@code ./vigie password} writes with {@code openssl kdf}). Plain passwords are never accepted in
 * configuration: a value without the prefix is refused, so a typo cannot become a working clear-text
 * password.
 */
public final class PasswordHash {
    public static final String PREFIX = "{pbkdf2-sha256}";
    /** Below this a stored hash is refused as too cheap to brute-force (OWASP 2023 asks 600k for SHA-256). */
    public static final int MIN_ITERATIONS = 10_000;
    static final int MAX_ITERATIONS = 10_000_000;

    private final int iterations;
    private final byte[] salt;
    private final byte[] hash;

    private PasswordHash(int iterations, byte[] salt, byte[] hash) {
        this.iterations = iterations;
        this.salt = salt;
        this.hash = hash;
    }

    /** @throws IllegalArgumentException saying what is wrong with the stored form (never echoes it) */
    public static PasswordHash parse(String stored) {
        if (stored == null || !stored.startsWith(PREFIX))
            throw new IllegalArgumentException("password hash must start with " + PREFIX + " (use ./vigie password)");
        String[] f = stored.substring(PREFIX.length()).split(":", -1);
        if (f.length != 3) throw new IllegalArgumentException("password hash must be " + PREFIX + "ITERATIONS:SALT_HEX:HASH_HEX");
        int it;
        try {
            it = Integer.parseInt(f[0]);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("password hash iterations is not a number");
        }
        if (it < MIN_ITERATIONS || it > MAX_ITERATIONS)
            throw new IllegalArgumentException("password hash iterations must be " + MIN_ITERATIONS + ".." + MAX_ITERATIONS
                    + ", got " + it);
        byte[] salt, hash;
        try {
            salt = HexFormat.of().parseHex(f[1]);
            hash = HexFormat.of().parseHex(f[2]);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("password hash salt/hash must be hex");
        }
        if (salt.length < 8) throw new IllegalArgumentException("password hash salt must be at least 8 bytes");
        if (hash.length < 16 || hash.length > 64) throw new IllegalArgumentException("password hash must be 16..64 bytes");
        return new PasswordHash(it, salt, hash);
    }

    /** A new stored form for {@code password} (tests, tools). */
    public static String create(String password, int iterations) {
        byte[] salt = new byte[16];
        new SecureRandom().nextBytes(salt);
        return PREFIX + iterations + ":" + HexFormat.of().formatHex(salt) + ":"
                + HexFormat.of().formatHex(derive(password, salt, iterations, 32));
    }

    /** Constant-time comparison of the derived key. */
    public boolean matches(String password) {
        return MessageDigest.isEqual(hash, derive(password, salt, iterations, hash.length));
    }

    static byte[] derive(String password, byte[] salt, int iterations, int bytes) {
        // PBEKeySpec takes chars; the SunJCE PBKDF2 encodes them as UTF-8, as openssl's pass: does with UTF-8 input
        PBEKeySpec spec = new PBEKeySpec(password.toCharArray(), salt, iterations, bytes * 8);
        try {
            return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
        } catch (NoSuchAlgorithmException | InvalidKeySpecException e) {
            throw new IllegalStateException("PBKDF2WithHmacSHA256 unavailable in this JRE", e);
        } finally {
            spec.clearPassword();
        }
    }
}
