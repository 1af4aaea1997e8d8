package io.vigie.ota.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The key/sign entry point round trip: what it writes is what the gateway's verifier accepts, and nothing else. */
class PackageSignerTest {
    @TempDir
    Path tmp;

    record Run(int code, String out, String err) {
    }

    static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = PackageSigner.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void keysThenSignVerifiesWithTheGatewayVerifierAndATamperedByteIsRefused() throws Exception {
        Path dir = tmp.resolve("keys");
        Run keys = run("keys", "--out", dir.toString());
        assertEquals(0, keys.code(), keys.err());
        Path priv = dir.resolve(PackageSigner.PRIVATE_KEY);
        Path pub = dir.resolve(PackageSigner.PUBLIC_KEY);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(priv)));
        assertTrue(Files.readString(priv).startsWith("-----BEGIN PRIVATE KEY-----\n"));
        assertTrue(Files.readString(pub).startsWith("-----BEGIN PUBLIC KEY-----\n"));
        String line = PackageSigner.publicKeyLine(pub);
        assertTrue(keys.out().contains("public.key=" + line + "\n"), keys.out());
        assertTrue(keys.out().contains(priv.toAbsolutePath().toString()), keys.out());

        Path dp = TestDps.model(tmp, "m", "io.m", "1.0.0");
        Run sign = run("sign", "--key", priv.toString(), dp.toString());
        assertEquals(0, sign.code(), sign.err());
        Path sig = dp.resolveSibling(dp.getFileName() + ".sig");
        assertEquals(sig + "\n", sign.out());
        byte[] signature = Files.readAllBytes(sig);
        // the public key in both forms the configuration takes: the printed line and the PEM file
        SignatureVerifier.ofAll(line).verify(dp, signature);
        SignatureVerifier.ofAll(Files.readString(pub)).verify(dp, signature);

        byte[] b = Files.readAllBytes(dp);
        b[b.length / 2] ^= 1;
        Path tampered = Files.write(tmp.resolve("tampered.dp"), b);
        OtaException e = assertThrows(OtaException.class, () -> SignatureVerifier.ofAll(line).verify(tampered, signature));
        assertTrue(e.getMessage().contains("bad signature"), e.getMessage());
    }

    @Test
    void existingKeysAreKeptUnlessForcedAndUsageErrorsExitTwo() throws Exception {
        Path dir = tmp.resolve("keys");
        PackageSigner.KeyFiles first = PackageSigner.generate(dir, false);
        assertThrows(FileAlreadyExistsException.class, () -> PackageSigner.generate(dir, false));
        Run again = run("keys", "--out", dir.toString());
        assertEquals(1, again.code());
        assertTrue(again.err().contains("--force"), again.err());
        assertEquals(first.publicKeyBase64(), PackageSigner.publicKeyLine(first.publicKey()));
        PackageSigner.KeyFiles second = PackageSigner.generate(dir, true);
        assertTrue(!first.publicKeyBase64().equals(second.publicKeyBase64()));
        assertEquals(2, run("sign", "--key", first.privateKey().toString()).code());
        assertEquals(2, run("bogus").code());
        assertEquals(1, run("sign", "--key", first.publicKey().toString(), tmp.toString()).code());
    }
}
