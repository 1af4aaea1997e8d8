package io.vigie.ota.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DpInspectorTest {
    @TempDir
    Path tmp;
    final DpInspector x86 = new DpInspector("x86-64");

    OtaException refused(Path p) {
        return assertThrows(OtaException.class, () -> x86.inspect(p));
    }

    void assertInvalid(Path p, String part) {
        OtaException e = refused(p);
        assertEquals(OtaException.Kind.INVALID, e.kind, e.getMessage());
        assertTrue(e.getMessage().contains(part), e.getMessage());
    }

    @Test
    void readsAValidModelPackage() throws Exception {
        DpInfo i = x86.inspect(TestDps.model(tmp, "m", "io.m", "1.0.0.202601010000"));
        assertEquals("m", i.name());
        assertEquals("1.0.0.202601010000", i.version());
        assertEquals("model", i.kind());
        assertEquals(List.of(new DpInfo.BundleRef("bundles/io.m.jar", "io.m", "1.0.0.202601010000")), i.bundles());
    }

    @Test
    void notAZip() throws Exception {
        assertInvalid(Files.writeString(tmp.resolve("x.dp"), "hello, not a package"), "not a zip");
        assertInvalid(Files.write(tmp.resolve("e.dp"), new byte[0]), "empty");
    }

    @Test
    void truncated() throws Exception {
        Path ok = TestDps.model(tmp, "m", "io.m", "1.0.0");
        byte[] b = Files.readAllBytes(ok);
        for (int cut : new int[] { b.length - 10, b.length / 2, 100 }) {
            OtaException e = refused(Files.write(tmp.resolve("t" + cut + ".dp"), Arrays.copyOf(b, cut)));
            assertEquals(OtaException.Kind.INVALID, e.kind, e.getMessage());
        }
    }

    @Test
    void corruptEntry() throws Exception {
        Path ok = TestDps.model(tmp, "m", "io.m", "1.0.0");
        byte[] b = Files.readAllBytes(ok);
        // flip a byte inside the nested bundle's payload (zeros, deflated): CRC or inflate must fail
        int at = b.length / 2;
        b[at] ^= 0x5a;
        OtaException e = refused(Files.write(tmp.resolve("c.dp"), b));
        assertEquals(OtaException.Kind.INVALID, e.kind, e.getMessage());
    }

    @Test
    void manifestMustComeFirst() throws Exception {
        Path p = tmp.resolve("late.dp");
        try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(p))) {
            z.putNextEntry(new ZipEntry("bundles/a.jar"));
            z.write(TestDps.bundle("a", "1.0.0", null));
            z.putNextEntry(new ZipEntry("META-INF/MANIFEST.MF"));
            z.write("Manifest-Version: 1.0\nDeploymentPackage-SymbolicName: x\nDeploymentPackage-Version: 1.0.0\n\n".getBytes());
        }
        assertInvalid(p, "first entry");
    }

    @Test
    void needsDpHeaders() throws Exception {
        Map<String, Object[]> b = new LinkedHashMap<>();
        b.put("a.jar", new Object[] { "a", "1.0.0", TestDps.bundle("a", "1.0.0", null) });
        assertInvalid(TestDps.dp(tmp.resolve("n.dp"), TestDps.headers(null, "1.0.0"), b), "DeploymentPackage-SymbolicName");
        assertInvalid(TestDps.dp(tmp.resolve("v.dp"), TestDps.headers("x", null), b), "DeploymentPackage-Version");
        assertInvalid(TestDps.dp(tmp.resolve("bv.dp"), TestDps.headers("x", "one"), b), "bad DeploymentPackage-Version");
    }

    @Test
    void everyBundleNeedsNameAndVersionMatchingTheBundle() throws Exception {
        Map<String, Object[]> noVersion = new LinkedHashMap<>();
        noVersion.put("a.jar", new Object[] { "a", null, TestDps.bundle("a", "1.0.0", null) });
        assertInvalid(TestDps.dp(tmp.resolve("a.dp"), TestDps.headers("x", "1.0.0"), noVersion),
                "lacks Bundle-SymbolicName or Bundle-Version");
        Map<String, Object[]> lie = new LinkedHashMap<>();
        lie.put("a.jar", new Object[] { "a", "2.0.0", TestDps.bundle("a", "1.0.0", null) });
        assertInvalid(TestDps.dp(tmp.resolve("b.dp"), TestDps.headers("x", "1.0.0"), lie), "but the bundle is a 1.0.0");
        Map<String, Object[]> none = new LinkedHashMap<>();
        assertInvalid(TestDps.dp(tmp.resolve("c.dp"), TestDps.headers("x", "1.0.0"), none), "holds no bundle");
    }

    @Test
    void wrongArchIsRefused() throws Exception {
        DpInfo ok = x86.inspect(TestDps.core(tmp, "linux-x86_64", "x86-64"));
        assertTrue(ok.isCore());
        assertEquals(List.of("x86-64"), ok.nativeProcessors());
        assertInvalid(TestDps.core(tmp, "linux-arm64", "aarch64"), "wrong arch");
        // natives for arm64 under an x86_64 label: the bundle's own requirement wins
        assertInvalid(TestDps.core(tmp, "linux-x86_64", "aarch64"), "wrong arch");
        new DpInspector("aarch64").inspect(TestDps.core(tmp, "linux-arm64", "aarch64"));
    }

    @Test
    void processorNames() {
        assertEquals("x86-64", DpInspector.processorOf("amd64"));
        assertEquals("aarch64", DpInspector.processorOf("aarch64"));
        assertEquals("aarch64", DpInspector.processorOfArch("linux-arm64"));
        assertEquals("x86-64", DpInspector.processorOfArch("linux-x86_64"));
    }

}
