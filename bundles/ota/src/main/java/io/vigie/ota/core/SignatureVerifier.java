package io.vigie.ota.core;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.vigie.ota.core.OtaException.Kind;

/**
 * Detached signature over the whole DP file: Ed25519 or ECDSA (SHA256withECDSA) with configured X.509
 * SubjectPublicKeyInfo keys (PEM or bare base64). The signature is base64 text or raw bytes (what
 * {@link PackageSigner} writes to {@code X.dp.sig}, and {@code openssl pkeyutl -sign -rawin} /
 * {@code openssl dgst -sha256 -sign} write). Several keys may be accepted at once (key rotation: packages
 * signed with the old key stay installable while the new one is rolled out): a package passes when one of
 * them verifies it.
 */
public final class SignatureVerifier {
    private static final Pattern PEM = Pattern.compile("-----BEGIN [A-Z ]+-----(.*?)-----END [A-Z ]+-----", Pattern.DOTALL);

    private record Key(PublicKey key, String algorithm) {
    }

    private final List<Key> keys;

    private SignatureVerifier(List<Key> keys) {
        this.keys = List.copyOf(keys);
    }

    /** Parses one configured key; a clear error when it is neither Ed25519 nor EC. */
    public static SignatureVerifier of(String pemOrBase64) {
        return new SignatureVerifier(List.of(parse(pemOrBase64)));
    }

    /**
     * Every key of the configured entries: an entry holds one key or several (PEM blocks one after the other, or
     * base64 keys separated by commas); blank entries are skipped.
     *
     * @return null when no entry holds a key
     * @throws IllegalArgumentException naming the first entry that is not a key (nothing is accepted then)
     */
    public static SignatureVerifier ofAll(String... entries) {
        List<Key> keys = new ArrayList<>();
        for (String entry : entries == null ? new String[0] : entries) {
            if (entry == null) continue;
            Matcher m = PEM.matcher(entry);
            StringBuilder rest = new StringBuilder();
            int end = 0;
            while (m.find()) {
                keys.add(parse(m.group(1)));
                rest.append(entry, end, m.start());
                end = m.end();
            }
            rest.append(entry.substring(end));
            for (String b64 : rest.toString().split(",")) {
                if (!b64.isBlank()) keys.add(parse(b64));
            }
        }
        return keys.isEmpty() ? null : new SignatureVerifier(keys);
    }

    private static Key parse(String pemOrBase64) {
        String b64 = pemOrBase64.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        byte[] der;
        try {
            der = Base64.getDecoder().decode(b64);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("public key is not PEM/base64: " + e.getMessage());
        }
        for (String[] kind : new String[][] { { "Ed25519", "Ed25519" }, { "EC", "SHA256withECDSA" } }) {
            try {
                return new Key(KeyFactory.getInstance(kind[0]).generatePublic(new X509EncodedKeySpec(der)), kind[1]);
            } catch (GeneralSecurityException e) {
                // try the next key type
            }
        }
        throw new IllegalArgumentException("public key is neither an Ed25519 nor an EC (X.509 SubjectPublicKeyInfo) key");
    }

    /** The first key's signature algorithm. */
    public String algorithm() {
        return keys.get(0).algorithm();
    }

    /** How many keys are accepted. */
    public int keys() {
        return keys.size();
    }

    /** Accepts base64 text (whitespace ignored) or the raw signature bytes. */
    static byte[] decodeSignature(byte[] sig) {
        String s = new String(sig, StandardCharsets.ISO_8859_1).strip();
        if (s.matches("[A-Za-z0-9+/=\\s]+")) {
            try {
                return Base64.getMimeDecoder().decode(s);
            } catch (IllegalArgumentException e) {
                // raw bytes that happen to look like base64
            }
        }
        return sig;
    }

    public void verify(Path file, byte[] signature) throws OtaException, IOException {
        if (signature == null || signature.length == 0)
            throw new OtaException(Kind.INVALID,
                    "package is not signed (signature required: send <name>.dp.sig or 'signature'; ./vigie sign)");
        byte[] sig = decodeSignature(signature);
        List<String> algorithms = new ArrayList<>();
        for (Key k : keys) {
            if (verifies(k, file, sig)) return;
            if (!algorithms.contains(k.algorithm())) algorithms.add(k.algorithm());
        }
        String which = keys.size() == 1 ? "" : ", none of the " + keys.size() + " accepted keys";
        throw new OtaException(Kind.INVALID, "bad signature (" + String.join("/", algorithms) + which
                + "): package tampered or signed with another key");
    }

    private static boolean verifies(Key k, Path file, byte[] sig) throws OtaException, IOException {
        try {
            Signature s = Signature.getInstance(k.algorithm());
            s.initVerify(k.key());
            byte[] buf = new byte[1 << 16];
            try (InputStream in = Files.newInputStream(file)) {
                for (int n; (n = in.read(buf)) > 0;) s.update(buf, 0, n);
            }
            return s.verify(sig);
        } catch (java.security.SignatureException e) {
            return false; // malformed for this key's algorithm (e.g. an ECDSA signature tried on an Ed25519 key)
        } catch (GeneralSecurityException e) {
            throw new OtaException(Kind.INTERNAL, "signature check failed: " + e.getMessage(), e);
        }
    }
}
