package io.vigie.tools.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The target package is checked before any gateway is touched: garbage, unsigned, wrongly signed are refused. */
class ArtifactTest {
    @TempDir
    Path dir;

    @Test
    void signedPackageLoadsWithItsManifestAndHash() throws Exception {
        TestPackages p = new TestPackages(dir);
        Path dp = p.dp("vigie-model", "1.2.3", true);
        Artifact a = Artifact.load(dp, Path.of(dp + ".sig"), p.publicKey());
        assertEquals("vigie-model", a.name());
        assertEquals("1.2.3", a.version());
        assertEquals(Artifact.sha256(dp), a.sha256());
        Artifact kept = a.keep(dir.resolve("kept"));
        assertEquals(a.sha256(), Artifact.kept(dir.resolve("kept"), a.sha256()).sha256());
        assertEquals(null, Artifact.kept(dir.resolve("kept"), "../../etc/passwd"));
        assertTrue(Files.isRegularFile(kept.file()));
    }

    @Test
    void garbageUnsignedAndForeignSignaturesAreRefused() throws Exception {
        TestPackages p = new TestPackages(dir);
        Path garbage = dir.resolve("garbage.dp");
        Files.write(garbage, "not a zip at all".getBytes(StandardCharsets.UTF_8));
        Files.writeString(dir.resolve("garbage.dp.sig"), p.sign(Files.readAllBytes(garbage)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Artifact.load(garbage, Path.of(garbage + ".sig"), p.publicKey()));
        assertTrue(e.getMessage().contains("not a deployment package"), e.getMessage());

        Path unsigned = p.dp("vigie-model", "2.0.0", false);
        e = assertThrows(IllegalArgumentException.class, 
                () -> Artifact.load(unsigned, Path.of(unsigned + ".sig"), p.publicKey()));
        assertTrue(e.getMessage().contains("is not signed"), e.getMessage());

        Path signed = p.dp("vigie-model", "3.0.0", true);
        TestPackages other = new TestPackages(dir.resolve("other"));
        e = assertThrows(IllegalArgumentException.class, 
                () -> Artifact.load(signed, Path.of(signed + ".sig"), other.publicKey()));
        assertTrue(e.getMessage().contains("bad signature"), e.getMessage());

        Files.writeString(Path.of(signed + ".sig"), "@@@ not base64 @@@");
        e = assertThrows(IllegalArgumentException.class, () -> Artifact.load(signed, Path.of(signed + ".sig"), p.publicKey()));
        assertTrue(e.getMessage().contains("not a base64 signature"), e.getMessage());
    }

    @Test
    void cliRefusesAnUnsignedTargetBeforeConnectingToAnything() throws Exception {
        TestPackages p = new TestPackages(dir);
        Path unsigned = p.dp("vigie-model", "2.0.0", false);
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        // port 1: nothing listens; the refusal must come first (no broker error, no state written)
        int rc = FleetMain.run(new String[] { "--broker", "tcp://127.0.0.1:1", "--dp", unsigned.toString(), "--public-key",
            p.publicKey(), "--state", dir.resolve("state").toString() }, new PrintStream(bos, true, StandardCharsets.UTF_8));
        String out = bos.toString(StandardCharsets.UTF_8);
        assertEquals(1, rc, out);
        assertTrue(out.contains("is not signed"), out);
        assertTrue(!Files.exists(dir.resolve("state")), "nothing written");
        rc = FleetMain.run(new String[] { "--broker", "tcp://127.0.0.1:1", "--dp", unsigned.toString(), "--waves", "10,5" },
                new PrintStream(bos, true, StandardCharsets.UTF_8));
        assertEquals(1, rc);
        assertTrue(bos.toString(StandardCharsets.UTF_8).contains("--waves must grow"), bos.toString(StandardCharsets.UTF_8));
    }
}
