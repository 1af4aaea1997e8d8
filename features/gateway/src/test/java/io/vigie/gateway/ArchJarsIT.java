package io.vigie.gateway;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.jar.JarFile;
import java.util.jar.JarInputStream;
import java.util.zip.ZipEntry;

import org.junit.jupiter.api.Test;

/**
 * The gateway jar of each arch (arch-jar.sh): the Raspberry Pi jar is the x86_64 jar with only its natives bundle
 * (io.vigie.lib.bytedeco, classifier linux-arm64) and its Vigie-Arch header changed. What the natives bundles hold is
 * checked where they are built (bundles/lib-bytedeco ArchJarsIT); running it is scripts/arm64-check.sh (qemu).
 */
class ArchJarsIT {
    private static final Path X86 = Path.of(System.getProperty("vigie.gateway.jar", "target/vigie-gateway.jar"));
    private static final Path ARM64 = Path.of(System.getProperty("vigie.gateway.arm64.jar",
            "target/vigie-gateway-linux-arm64.jar"));
    private static final Path ARM64_NATIVES = Path.of("target/arch-natives/io.vigie.lib.bytedeco-linux-arm64.jar");
    private static final String NATIVES = "jar/io.vigie.lib.bytedeco-";

    /** name -> "method crc size" of every entry. */
    static Map<String, String> entries(Path jar) throws IOException {
        Map<String, String> m = new TreeMap<>();
        try (JarFile j = new JarFile(jar.toFile())) {
            j.stream().forEach(e -> m.put(e.getName(), e.getMethod() + " " + e.getCrc() + " " + e.getSize()));
        }
        return m;
    }

    /** The embedded natives bundle: its bytes, and its Bundle-Name checked against the arch. */
    static byte[] natives(Path jar, String arch) throws IOException {
        try (JarFile j = new JarFile(jar.toFile())) {
            assertEquals(arch, j.getManifest().getMainAttributes().getValue("Vigie-Arch"), jar.toString());
            ZipEntry e = j.stream().filter(x -> x.getName().startsWith(NATIVES)).findFirst().orElseThrow();
            try (InputStream in = j.getInputStream(e)) {
                byte[] b = in.readAllBytes();
                try (JarInputStream bundle = new JarInputStream(new ByteArrayInputStream(b))) {
                    assertEquals("Vigie bytedeco natives (" + arch + ")",
                            bundle.getManifest().getMainAttributes().getValue("Bundle-Name"), jar + " " + e.getName());
                }
                return b;
            }
        }
    }

    @Test
    void eachJarCarriesTheNativesOfItsArch() throws IOException {
        natives(X86, "linux-x86_64");
        assertArrayEquals(Files.readAllBytes(ARM64_NATIVES), natives(ARM64, "linux-arm64"));
    }

    @Test
    void everythingButTheNativesIsTheSameBytes() throws IOException {
        Map<String, String> x = entries(X86), a = entries(ARM64);
        assertEquals(x.keySet(), a.keySet(), "same entries, same names (launcher.properties lists them)");
        int same = 0;
        for (Map.Entry<String, String> e : x.entrySet()) {
            // stored: a start inflates nothing (the bndrun's -compression: STORE, kept by arch-jar.sh)
            assertTrue(a.get(e.getKey()).startsWith(ZipEntry.STORED + " "), e.getKey() + " " + a.get(e.getKey()));
            if (e.getKey().startsWith(NATIVES) || e.getKey().equals("META-INF/MANIFEST.MF")) continue;
            assertEquals(e.getValue(), a.get(e.getKey()), e.getKey());
            same++;
        }
        assertTrue(same > 40, "framework, launcher and every other bundle compared: " + same);
    }
}
