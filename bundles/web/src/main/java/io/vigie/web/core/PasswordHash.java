package io.vigie.web.core;

import java.io.BufferedReader;
import java.io.Console;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.security.spec.InvalidKeySpecException;
import java.util.Base64;
import java.util.HexFormat;

import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * A stored password: {@code {pbkdf2-sha256}ITERATIONS:SALT_HEX:HASH_HEX} (PBKDF2-HMAC-SHA256, what
 * {@code ./vigie password} writes through {@link #main}). Plain passwords are never accepted in
 * configuration: a value without the prefix is refused, so a typo cannot become a working clear-text
 * password.
 */
public final class PasswordHash {
    public static final String PREFIX = "{pbkdf2-sha256}";
    /** Below this a stored hash is refused as too cheap to brute-force (OWASP 2023 asks 600k for SHA-256). */
    public static final int MIN_ITERATIONS = 10_000;
    static final int MAX_ITERATIONS = 10_000_000;
    /**
     * What {@link #main} writes. The gateway verifies on a C1-only JVM (no SHA intrinsics): ~0.4 s on a PC, a few
     * seconds on a Pi per new login (then cached); ./vigie's generated passwords have ~95 bits, so offline guessing
     * stays out of reach even at this count.
     */
    public static final int DEFAULT_ITERATIONS = 100_000;

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
            throw new IllegalArgumentException(
                    "password hash iterations must be " + MIN_ITERATIONS + ".." + MAX_ITERATIONS + ", got " + it);
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

    /**
     * {@code ./vigie password}: reads one password from stdin (no echo on a terminal) and prints its two stored forms,
     * this class's for /vigie, then the Felix web console's {@code {sha-256}BASE64}. Never from argv or the
     * environment: other local users can read both.
     */
    public static void main(String[] args) throws IOException {
        if (args.length > 0) {
            System.err.println("usage: java -cp <io.vigie.web classes> " + PasswordHash.class.getName()
                    + " < password   (prints the /vigie hash, then the web console's)");
            System.exit(args[0].equals("-h") || args[0].equals("--help") ? 0 : 2);
        }
        Console console = System.console();
        String password = console != null ? new String(console.readPassword("Password: "))
                : new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
        if (password == null || password.isEmpty()) {
            System.err.println("PasswordHash: no password on stdin");
            System.exit(2);
        }
        System.out.println(create(password, DEFAULT_ITERATIONS));
        System.out.println(consoleHash(password));
    }

    /** The Felix web console's stored form: {@code {sha-256}} + base64 of the SHA-256 of the UTF-8 password. */
    public static String consoleHash(String password) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(password.getBytes(StandardCharsets.UTF_8));
            return "{sha-256}" + Base64.getEncoder().encodeToString(d);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 unavailable in this JRE", e);
        }
    }

    /**
     * A hash no password matches (random salt and key) that costs what this one costs to check: unknown user names
     * are checked against it, so they take as long as known ones and do not reveal which names exist.
     */
    public PasswordHash decoy() {
        SecureRandom r = new SecureRandom();
        byte[] s = new byte[salt.length], h = new byte[hash.length];
        r.nextBytes(s);
        r.nextBytes(h);
        return new PasswordHash(iterations, s, h);
    }

    /** Derivation cost relative to others: iterations times the PBKDF2 blocks the stored key needs. */
    long cost() {
        return (long) iterations * ((hash.length + 31) / 32);
    }

    /** A decoy at {@link #DEFAULT_ITERATIONS} (no user configured). */
    static PasswordHash defaultDecoy() {
        return new PasswordHash(DEFAULT_ITERATIONS, new byte[16], new byte[32]).decoy();
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
