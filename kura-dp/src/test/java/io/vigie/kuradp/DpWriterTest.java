package io.vigie.kuradp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.vigie.ota.core.OtaException;
import io.vigie.ota.core.PackageSigner;
import io.vigie.ota.core.SignatureVerifier;

class DpWriterTest {
    @TempDir
    Path tmp;

    Path bundle(String bsn, String version, String requireCap) throws IOException {
        Manifest m = new Manifest();
        m.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        m.getMainAttributes().putValue("Bundle-SymbolicName", bsn + ";singleton:=true");
        m.getMainAttributes().putValue("Bundle-Version", version);
        if (requireCap != null) m.getMainAttributes().putValue("Require-Capability", requireCap);
        Path p = tmp.resolve(bsn + ".jar");
        try (JarOutputStream j = new JarOutputStream(Files.newOutputStream(p), m)) {
            // manifest only
        }
        return p;
    }

    @Test
    void versionTakesTheNewestBundleQualifier() throws IOException {
        Path out = tmp.resolve("x.dp");
        String v = DpWriter.write(out, "x", "1.2.0-SNAPSHOT", Map.of(),
                List.of(bundle("a", "1.0.0.202601010000", null), bundle("b", "1.0.0.202602020000", null)));
        assertEquals("1.2.0.202602020000", v);
        List<String> bsns = BuiltDpsIT.bundles(out);
        assertEquals(List.of("a", "b"), bsns, "directives stripped, order kept");
    }

    @Test
    void refusesAMislabeledArch() throws IOException {
        Path natives = bundle("n", "1.0.0", "osgi.native;filter:=\"(osgi.native.processor=x86-64)\"");
        DpWriter.checkArch("linux-x86_64", List.of(natives));
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> DpWriter.checkArch("linux-arm64", List.of(natives)));
        assertTrue(e.getMessage().contains("linux-arm64"));
    }

    @Test
    void refusesANonBundle() throws IOException {
        Path p = tmp.resolve("plain.jar");
        Manifest m = new Manifest();
        m.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        try (JarOutputStream j = new JarOutputStream(Files.newOutputStream(p), m)) {
            // no BSN
        }
        assertThrows(IllegalStateException.class, () -> DpWriter.write(tmp.resolve("y.dp"), "y", "1.0.0", Map.of(), List.of(p)));
    }

    @Test
    void aGivenKeySignsWhatTheGatewayVerifiesAndNoKeyLeavesNoStaleSignature() throws Exception {
        PackageSigner.KeyFiles keys = PackageSigner.generate(tmp.resolve("keys"), false);
        Path out = tmp.resolve("s.dp");
        Path sig = tmp.resolve("s.dp.sig");
        String[] args = { "--out", out.toString(), "--name", "s", "--base-version", "1.0.0",
            "--sign-key=" + keys.privateKey(), bundle("s", "1.0.0", null).toString() };
        DpWriter.main(args);
        byte[] signature = Files.readAllBytes(sig);
        SignatureVerifier gateway = SignatureVerifier.ofAll(Files.readString(keys.publicKey()));
        gateway.verify(out, signature);

        byte[] b = Files.readAllBytes(out);
        b[b.length - 30] ^= 1;
        Files.write(out, b);
        OtaException e = assertThrows(OtaException.class, () -> gateway.verify(out, signature));
        assertTrue(e.getMessage().contains("bad signature"), e.getMessage());

        args[6] = "--sign-key=";
        DpWriter.main(args);
        assertTrue(Files.exists(out));
        assertTrue(Files.notExists(sig), "an unsigned build removes the signature of an earlier one");
    }
}
