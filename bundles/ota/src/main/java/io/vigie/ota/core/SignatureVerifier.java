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
import java.util.Base64;

import io.vigie.ota.core.OtaException.Kind;

/**
 * Detached signature over the whole DP file: Ed25519 or ECDSA (SHA256withECDSA) with a configured
 * X.509 SubjectPublicKeyInfo key (PEM or bare base64). The signature is base64 text or raw bytes
 * (what {@code openssl pkeyutl -sign -rawin} / {@code openssl dgst -sha256 -sign} write).
 */
public final class SignatureVerifier {
    private final PublicKey key;
    private final String algorithm;

    private SignatureVerifier(PublicKey key, String algorithm) {
        this.key = key;
        this.algorithm = algorithm;
    }

    /** Parses the configured key; a clear error when it is neither Ed25519 nor EC. */
    public static SignatureVerifier of(String pemOrBase64) {
        String b64 = pemOrBase64.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        byte[] der;
        try {
            der = Base64.getDecoder().decode(b64);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("public key is not PEM/base64: " + e.getMessage());
        }
        for (String[] kind : new String[][] { { "Ed25519", "Ed25519" }, { "EC", "SHA256withECDSA" } }) {
            try {
                PublicKey k = KeyFactory.getInstance(kind[0]).generatePublic(new X509EncodedKeySpec(der));
                return new SignatureVerifier(k, kind[1]);
            } catch (GeneralSecurityException e) {
                // try the next key type
            }
        }
        throw new IllegalArgumentException("public key is neither an Ed25519 nor an EC (X.509 SubjectPublicKeyInfo) key");
    }

    public String algorithm() {
        return algorithm;
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
            throw new OtaException(Kind.INVALID, "package is not signed (signature required: send <name>.dp.sig or 'signature')");
        try {
            Signature s = Signature.getInstance(algorithm);
            s.initVerify(key);
            byte[] buf = new byte[1 << 16];
            try (InputStream in = Files.newInputStream(file)) {
                for (int n; (n = in.read(buf)) > 0;) s.update(buf, 0, n);
            }
            if (!s.verify(decodeSignature(signature)))
                throw new OtaException(Kind.INVALID, "bad signature (" + algorithm
                        + "): package tampered or signed with another key");
        } catch (java.security.SignatureException e) {
            throw new OtaException(Kind.INVALID, "bad signature (" + algorithm + "): " + e.getMessage());
        } catch (GeneralSecurityException e) {
            throw new OtaException(Kind.INTERNAL, "signature check failed: " + e.getMessage(), e);
        }
    }
}
