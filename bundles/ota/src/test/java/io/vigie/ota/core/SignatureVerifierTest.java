package io.vigie.ota.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.util.Base64;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SignatureVerifierTest {
    @TempDir
    Path tmp;

    static String pem(KeyPair kp) {
        return "-----BEGIN PUBLIC KEY-----\n" + Base64.getMimeEncoder().encodeToString(kp.getPublic().getEncoded())
                + "\n-----END PUBLIC KEY-----\n";
    }

    static byte[] sign(KeyPair kp, String alg, byte[] data) throws Exception {
        Signature s = Signature.getInstance(alg);
        s.initSign(kp.getPrivate());
        s.update(data);
        return s.sign();
    }

    void roundTrip(String keyAlg, String sigAlg) throws Exception {
        KeyPair kp = KeyPairGenerator.getInstance(keyAlg).generateKeyPair();
        Path dp = TestDps.model(tmp, "m", "io.m", "1.0.0");
        byte[] sig = sign(kp, sigAlg, Files.readAllBytes(dp));
        SignatureVerifier v = SignatureVerifier.of(pem(kp));
        assertEquals(sigAlg, v.algorithm());
        v.verify(dp, sig);
        v.verify(dp, Base64.getEncoder().encodeToString(sig).getBytes(StandardCharsets.US_ASCII));

        byte[] b = Files.readAllBytes(dp);
        b[b.length / 3] ^= 1;
        Path tampered = Files.write(tmp.resolve("tampered.dp"), b);
        OtaException e = assertThrows(OtaException.class, () -> v.verify(tampered, sig));
        assertEquals(OtaException.Kind.INVALID, e.kind);
        assertTrue(e.getMessage().contains("bad signature"), e.getMessage());

        OtaException unsigned = assertThrows(OtaException.class, () -> v.verify(dp, null));
        assertTrue(unsigned.getMessage().contains("not signed"), unsigned.getMessage());

        KeyPair other = KeyPairGenerator.getInstance(keyAlg).generateKeyPair();
        byte[] otherSig = sign(other, sigAlg, Files.readAllBytes(dp));
        assertThrows(OtaException.class, () -> v.verify(dp, otherSig));
    }

    @Test
    void ed25519() throws Exception {
        roundTrip("Ed25519", "Ed25519");
    }

    @Test
    void ecdsa() throws Exception {
        roundTrip("EC", "SHA256withECDSA");
    }

    @Test
    void rejectsBadKeys() throws Exception {
        assertThrows(IllegalArgumentException.class, () -> SignatureVerifier.of("not a key!"));
        KeyPair rsa = KeyPairGenerator.getInstance("RSA").generateKeyPair();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SignatureVerifier.of(pem(rsa)));
        assertTrue(e.getMessage().contains("Ed25519"), e.getMessage());
    }

    @Test
    void severalKeysAreAcceptedAtOnceForRotation() throws Exception {
        KeyPair old = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        KeyPair fresh = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        KeyPair ec = KeyPairGenerator.getInstance("EC").generateKeyPair();
        Path dp = TestDps.model(tmp, "m", "io.m", "1.0.0");
        byte[] data = Files.readAllBytes(dp);
        String freshB64 = Base64.getEncoder().encodeToString(fresh.getPublic().getEncoded());
        // one entry per key, two PEM blocks in one entry, base64 keys separated by commas: the same three keys
        for (SignatureVerifier v : new SignatureVerifier[] { SignatureVerifier.ofAll(pem(old), freshB64, pem(ec)),
                SignatureVerifier.ofAll(pem(old) + pem(ec), " ", freshB64),
                SignatureVerifier.ofAll(Base64.getEncoder().encodeToString(old.getPublic().getEncoded()) + ", " + freshB64
                        + "," + Base64.getEncoder().encodeToString(ec.getPublic().getEncoded())) }) {
            assertEquals(3, v.keys());
            v.verify(dp, sign(old, "Ed25519", data));
            v.verify(dp, sign(fresh, "Ed25519", data));
            v.verify(dp, sign(ec, "SHA256withECDSA", data));
            KeyPair stranger = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
            OtaException e = assertThrows(OtaException.class, () -> v.verify(dp, sign(stranger, "Ed25519", data)));
            assertTrue(e.getMessage().contains("none of the 3 accepted keys"), e.getMessage());
        }
        // the old key retired: its packages are refused from then on
        OtaException retired = assertThrows(OtaException.class,
                () -> SignatureVerifier.ofAll(freshB64).verify(dp, sign(old, "Ed25519", data)));
        assertTrue(retired.getMessage().contains("bad signature"), retired.getMessage());
        assertEquals(null, SignatureVerifier.ofAll("", " "));
        assertThrows(IllegalArgumentException.class, () -> SignatureVerifier.ofAll(freshB64, "junk!"));
    }
}
