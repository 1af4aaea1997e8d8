package io.vigie.ota.core;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * The signing side of {@link SignatureVerifier} (one owner of the format): Ed25519 key pairs (private key PKCS#8 PEM,
 * mode 0600; public key X.509 SubjectPublicKeyInfo PEM, what {@code public.key} of {@code io.vigie.ota} accepts) and
 * detached signatures over the whole package file, written as base64 text to {@code X.dp.sig} beside {@code X.dp}
 * (what the seed folder reads; REST {@code signature} / {@code signatureUrl} and DEPLOY-V2 {@code dp.signature} take
 * the same text). Run by {@code ./vigie keys} / {@code ./vigie sign} and by kura-dp's DpWriter. Keys are generated
 * and read in this process: no secret on a command line.
 */
public final class PackageSigner {
    public static final String PRIVATE_KEY = "vigie-ota-signing.key";
    public static final String PUBLIC_KEY = "vigie-ota-signing.pub";
    public static final String SIG_SUFFIX = ".sig";

    private PackageSigner() {
    }

    /** Where a key pair was written, and the key as the one line {@code public.key} takes. */
    public record KeyFiles(Path privateKey, Path publicKey, String publicKeyBase64) {
    }

    /** A new Ed25519 key pair in {@code dir} (created 0700 if missing); refuses to overwrite unless {@code force}. */
    public static KeyFiles generate(Path dir, boolean force) throws IOException, GeneralSecurityException {
        Files.createDirectories(dir);
        Path priv = dir.resolve(PRIVATE_KEY);
        Path pub = dir.resolve(PUBLIC_KEY);
        if (!force && (Files.exists(priv) || Files.exists(pub)))
            throw new FileAlreadyExistsException(priv + " (or .pub): keep it, or replace it with --force");
        KeyPair kp = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        writeAtomically(priv, pem("PRIVATE KEY", kp.getPrivate().getEncoded()), true);
        String b64 = Base64.getEncoder().encodeToString(kp.getPublic().getEncoded());
        writeAtomically(pub, pem("PUBLIC KEY", kp.getPublic().getEncoded()), false);
        return new KeyFiles(priv, pub, b64);
    }

    /** The public key of a PEM file as one base64 line (for {@code public.key}). */
    public static String publicKeyLine(Path pemFile) throws IOException {
        return der(Files.readString(pemFile, StandardCharsets.US_ASCII), "PUBLIC KEY");
    }

    public static PrivateKey readPrivateKey(Path pemFile) throws IOException, GeneralSecurityException {
        byte[] der = Base64.getDecoder().decode(der(Files.readString(pemFile, StandardCharsets.US_ASCII), "PRIVATE KEY"));
        PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
        for (String alg : new String[] { "Ed25519", "EC" }) {
            try {
                return KeyFactory.getInstance(alg).generatePrivate(spec);
            } catch (GeneralSecurityException e) {
                // try the next key type
            }
        }
        throw new GeneralSecurityException(pemFile + " is neither an Ed25519 nor an EC PKCS#8 private key");
    }

    /** The raw detached signature of a file (Ed25519, or SHA256withECDSA for an EC key). */
    public static byte[] sign(PrivateKey key, Path file) throws IOException, GeneralSecurityException {
        Signature s = Signature.getInstance(key.getAlgorithm().equals("EC") ? "SHA256withECDSA" : "Ed25519");
        s.initSign(key);
        byte[] buf = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n; (n = in.read(buf)) > 0;) s.update(buf, 0, n);
        }
        return s.sign();
    }

    /** Signs {@code file} and writes the base64 signature to {@code file.sig}; returns that path. */
    public static Path signFile(PrivateKey key, Path file) throws IOException, GeneralSecurityException {
        Path sig = file.resolveSibling(file.getFileName() + SIG_SUFFIX);
        writeAtomically(sig, Base64.getEncoder().encodeToString(sign(key, file)) + "\n", false);
        return sig;
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, new byte[] { '\n' }).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    private static String der(String pem, String type) throws IOException {
        int b = pem.indexOf("-----BEGIN " + type + "-----");
        int e = pem.indexOf("-----END " + type + "-----");
        if (b < 0 || e < b) throw new IOException("not a PEM " + type);
        return pem.substring(b + type.length() + 16, e).replaceAll("\\s", "");
    }

    /** Written beside the target and moved over it: never a half-written key; a private key is 0600 from the start. */
    private static void writeAtomically(Path target, String text, boolean secret) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Path tmp = secret && dir.getFileSystem().supportedFileAttributeViews().contains("posix")
                ? Files.createTempFile(dir, ".vigie-", ".tmp", PosixFilePermissions.asFileAttribute(
                        PosixFilePermissions.fromString("rw-------")))
                : Files.createTempFile(dir, ".vigie-", ".tmp");
        try {
            Files.writeString(tmp, text, StandardCharsets.US_ASCII);
            if (!secret && dir.getFileSystem().supportedFileAttributeViews().contains("posix"))
                Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r--r--"));
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** {@code keys --out DIR [--force]} | {@code sign --key KEY FILE.dp...}; exit 2 on a usage error, 1 on failure. */
    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        String cmd = args.length > 0 ? args[0] : "";
        Path dir = null;
        Path key = null;
        boolean force = false;
        List<Path> files = new ArrayList<>();
        for (int i = 1; i < args.length; i++) {
            switch (args[i]) {
                case "--out" -> dir = i + 1 < args.length ? Path.of(args[++i]) : null;
                case "--key" -> key = i + 1 < args.length ? Path.of(args[++i]) : null;
                case "--force" -> force = true;
                default -> files.add(Path.of(args[i]));
            }
        }
        try {
            if (cmd.equals("keys") && dir != null && files.isEmpty()) {
                KeyFiles k = generate(dir, force);
                out.println("private key: " + k.privateKey().toAbsolutePath() + " (keep it secret: it signs packages)");
                out.println("public key:  " + k.publicKey().toAbsolutePath());
                out.println("gateway: put this line in io.vigie.ota.cfg (config dir), or set Public key in the console:");
                out.println("public.key=" + k.publicKeyBase64());
                return 0;
            }
            if (cmd.equals("sign") && key != null && !files.isEmpty()) {
                PrivateKey pk = readPrivateKey(key);
                for (Path f : files) out.println(signFile(pk, f));
                return 0;
            }
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            err.println("vigie: " + cmd + ": " + e.getMessage());
            return 1;
        }
        err.println("usage: keys --out DIR [--force] | sign --key KEY FILE.dp...");
        return 2;
    }
}
