package io.vigie.kuradp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

/** The DPs this module built (prepare-package, from the packaged bundles): layout and headers as Kura reads them. */
class BuiltDpsIT {
    private static final Path DIR = Path.of(System.getProperty("vigie.dp.dir", "target"));
    private static final String ARCH = System.getProperty("vigie.arch", "linux-x86_64");

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

    @Test
    void coreDpHasTheGatewayBundlesButNeverTheStandaloneOnes() throws IOException {
        Path dp = DIR.resolve("vigie-core-" + ARCH + ".dp");
        Manifest m = manifest(dp);
        assertEquals("vigie-core", m.getMainAttributes().getValue(DpWriter.DP_NAME));
        assertEquals(ARCH, m.getMainAttributes().getValue(DpWriter.VIGIE_ARCH));
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
