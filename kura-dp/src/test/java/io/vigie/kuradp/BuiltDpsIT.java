package io.vigie.kuradp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarInputStream;
import java.util.jar.Manifest;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The DPs this module built (prepare-package, from the packaged bundles): layout and headers as Kura reads them. */
class BuiltDpsIT {
    private static final Path DIR = Path.of(System.getProperty("vigie.dp.dir", "target"));
    /** The bundles copied for the DPs (io.vigie.lib.bytedeco.jar is linux-x86_64, -linux-arm64.jar the Pi's). */
    private static final Path BUNDLES = Path.of(System.getProperty("vigie.dp.bundles", "target/dp-bundles"));

    /** Entry names in file order (ZipInputStream reads the local headers, like DA does). */
    static List<String> entries(Path dp) throws IOException {
        List<String> names = new ArrayList<>();
        try (ZipInputStream z = new ZipInputStream(Files.newInputStream(dp))) {
            for (ZipEntry e; (e = z.getNextEntry()) != null;) names.add(e.getName());
        }
        return names;
    }

    static Manifest manifest(Path dp) throws IOException {
        try (JarInputStream j = new JarInputStream(Files.newInputStream(dp))) {
            return j.getManifest();
        }
    }

    /** BSN of each bundle entry in FILE order (the order DA installs them), checked against the manifest. */
    static List<String> bundles(Path dp) throws IOException {
        Manifest m = manifest(dp);
        List<String> entries = entries(dp);
        assertEquals("META-INF/MANIFEST.MF", entries.get(0), "manifest must be the first entry of " + dp);
        assertEquals(entries.size() - 1, m.getEntries().size(), "every entry is a declared bundle");
        List<String> bsns = new ArrayList<>();
        for (String e : entries.subList(1, entries.size())) {
            Attributes a = m.getAttributes(e);
            assertNotNull(a, "entry without manifest section: " + e);
            String bsn = a.getValue("Bundle-SymbolicName");
            assertNotNull(bsn, e);
            assertNotNull(a.getValue("Bundle-Version"), e);
            bsns.add(bsn);
        }
        return bsns;
    }

    static void assertVersioned(Manifest m) {
        String v = m.getMainAttributes().getValue(DpWriter.DP_VERSION);
        assertNotNull(v);
        assertTrue(v.matches("\\d+\\.\\d+\\.\\d+\\.\\d{12}"), "DP version with the bundles' build qualifier: " + v);
    }

    @Test
    void modelDpsHoldExactlyTheirModelBundle() throws IOException {
        for (String p : new String[] { "int8", "fp32" }) {
            Path dp = DIR.resolve("vigie-model-ssd-mobilenet-v2-" + p + ".dp");
            Manifest m = manifest(dp);
            assertEquals("vigie-model-ssd-mobilenet-v2-" + p, m.getMainAttributes().getValue(DpWriter.DP_NAME));
            assertEquals("model", m.getMainAttributes().getValue("Vigie-Kind"));
            assertVersioned(m);
            assertEquals(List.of("io.vigie.model.ssd-mobilenet-v2." + p), bundles(dp));
        }
    }

    /** The bytes of one bundle entry of a DP. */
    static byte[] entry(Path dp, String name) throws IOException {
        try (ZipInputStream z = new ZipInputStream(Files.newInputStream(dp))) {
            for (ZipEntry e; (e = z.getNextEntry()) != null;) if (e.getName().equals(name)) return z.readAllBytes();
        }
        throw new AssertionError(name + " not in " + dp);
    }

    /** Both arches are built by every build; the natives bundle inside is the one of the DP's arch. */
    @ParameterizedTest
    @CsvSource({ "linux-x86_64, io.vigie.lib.bytedeco.jar", "linux-arm64, io.vigie.lib.bytedeco-linux-arm64.jar" })
    void coreDpHasTheGatewayBundlesButNeverTheStandaloneOnes(String arch, String natives) throws IOException {
        Path dp = DIR.resolve("vigie-core-" + arch + ".dp");
        Manifest m = manifest(dp);
        assertEquals("vigie-core", m.getMainAttributes().getValue(DpWriter.DP_NAME));
        assertEquals(arch, m.getMainAttributes().getValue(DpWriter.VIGIE_ARCH));
        byte[] lib = entry(dp, "bundles/io.vigie.lib.bytedeco.jar");
        assertArrayEquals(Files.readAllBytes(BUNDLES.resolve(natives)), lib,
                "the " + arch + " natives bundle (its content: bundles/lib-bytedeco ArchJarsIT)");
        try (JarInputStream j = new JarInputStream(new ByteArrayInputStream(lib))) {
            assertEquals("Vigie bytedeco natives (" + arch + ")", j.getManifest().getMainAttributes().getValue("Bundle-Name"));
        }
        assertEquals("core", m.getMainAttributes().getValue("Vigie-Kind"));
        assertVersioned(m);
        List<String> bsns = bundles(dp);
        assertEquals(List.of("io.vigie.api", "io.vigie.lib.bytedeco", "io.vigie.inference", "io.vigie.video",
                "io.vigie.detector", "io.vigie.view", "io.vigie.web", "io.vigie.ota", "io.vigie.telemetry"), bsns);
        assertFalse(bsns.contains("io.vigie.kura.provider"));
        assertFalse(bsns.contains("io.vigie.cloud.paho"), "inside Kura, Kura's own cloud connection publishes");
        assertFalse(bsns.contains("io.vigie.runtime.logging"));
        assertFalse(bsns.stream().anyMatch(b -> b.startsWith("io.vigie.model.")), "models ship in their own DPs");
    }
}
