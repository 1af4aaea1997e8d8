package io.vigie.tools.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The unpacked-bundles folder is used only when it matches the jar; the bench (Java) and ./vigie / cds-train.sh
 * (features/gateway/bundle-dir.sh --options) must decide alike, so every case is checked against both.
 */
class BundleDirTest {
    static final Path SCRIPT = Path.of("../../features/gateway/bundle-dir.sh").toAbsolutePath().normalize();

    @TempDir
    Path dir;

    Path jar() throws IOException {
        Path jar = dir.resolve("vigie-gateway.jar");
        Files.write(jar, new byte[1234]);
        Files.setLastModifiedTime(jar, FileTime.from(1_700_000_000L, TimeUnit.SECONDS));
        return jar;
    }

    Path folder(Path jar, String first, String... names) throws IOException {
        Path d = Files.createDirectories(BundleDir.of(jar));
        StringBuilder s = new StringBuilder(first).append('\n');
        for (String n : names) {
            s.append(n).append('\n');
            if (!n.contains("/") && !n.isBlank()) Files.write(d.resolve(n), new byte[] { 1 });
        }
        Files.writeString(d.resolve("launch.bundles"), s, StandardCharsets.UTF_8);
        return d;
    }

    /** What both implementations answer for the jar. */
    List<String> both(Path jar) throws Exception {
        List<String> java = BundleDir.jvmOptions(jar);
        Process p = new ProcessBuilder("bash", SCRIPT.toString(), "--options", jar.toString()).redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        assertEquals(java, out.lines().toList(), "bundle-dir.sh --options and BundleDir disagree");
        return java;
    }

    @Test
    void aMatchingFolderGivesTheReferenceInstallInTheListedOrder() throws Exception {
        Path jar = jar();
        Path d = folder(jar, "1234 1700000000", "b.jar", "a-1.0.jar", "c_x.jar");
        assertEquals(List.of("-Dlaunch.embedded=false", "-Dlaunch.bundles=" + d.resolve("b.jar") + ","
                + d.resolve("a-1.0.jar") + "," + d.resolve("c_x.jar")), both(jar));
    }

    @Test
    void aRebuiltOrCopiedJarFallsBackToTheEmbeddedBundles() throws Exception {
        Path jar = jar();
        folder(jar, "1234 1700000000", "a.jar");
        Files.setLastModifiedTime(jar, FileTime.from(1_700_000_001L, TimeUnit.SECONDS)); // rebuilt, same size
        assertEquals(List.of(), both(jar));
        Files.setLastModifiedTime(jar, FileTime.from(1_700_000_000L, TimeUnit.SECONDS));
        Files.write(jar, new byte[1235]); // other size
        Files.setLastModifiedTime(jar, FileTime.from(1_700_000_000L, TimeUnit.SECONDS));
        assertEquals(List.of(), both(jar));
    }

    @Test
    void aDamagedOrHostileListIsNotUsed() throws Exception {
        Path jar = jar();
        assertEquals(List.of(), both(jar), "no folder");
        Path d = folder(jar, "1234 1700000000", "a.jar", "gone.jar");
        Files.delete(d.resolve("gone.jar"));
        assertEquals(List.of(), both(jar), "a listed bundle is missing");
        for (String bad : new String[] { "../outside.jar", "a b.jar", "a.jar,b.jar", "x.zip", "", "-Dx=y.jar" }) {
            deleteTree(d);
            folder(jar, "1234 1700000000", "a.jar", bad);
            assertEquals(List.of(), both(jar), "entry '" + bad + "'");
        }
        deleteTree(d);
        folder(jar, "1234 1700000000");
        assertEquals(List.of(), both(jar), "an empty list");
        deleteTree(d);
        Files.createDirectories(d);
        Files.write(d.resolve("launch.bundles"), new byte[] { (byte) 0xff, 0, '\n', 'a' });
        assertEquals(List.of(), both(jar), "garbage");
        assertTrue(Files.isRegularFile(jar));
    }

    static void deleteTree(Path d) throws IOException {
        BenchRunner.deleteTree(d);
    }
}
