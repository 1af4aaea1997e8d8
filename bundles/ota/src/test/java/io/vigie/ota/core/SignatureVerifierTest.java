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
}
