package io.vigie.lib.bytedeco;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeMap;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.launch.FrameworkFactory;

/**
 * The two jars every build makes (the main one, linux-x86_64, and classifier linux-arm64): the natives of their own
 * arch only, for every library, and a manifest that says so - an arm64 bundle on this x86 machine must not resolve.
 */
class ArchJarsIT {
    private static final Path X86 = Path.of(System.getProperty("vigie.bundle.jar",
            "target/io.vigie.lib.bytedeco-0.1.0-SNAPSHOT.jar"));
    private static final Path ARM64 = Path.of(System.getProperty("vigie.bundle.arm64.jar",
            "target/io.vigie.lib.bytedeco-0.1.0-SNAPSHOT-linux-arm64.jar"));
    /** org/bytedeco/LIB/linux-ARCH/NAME.so[.N]: a native library of one arch. */
    private static final Pattern NATIVE = Pattern.compile("org/bytedeco/([a-z]+)/(linux-[a-z0-9_]+)/[^/]+\\.so[.0-9]*");
    private static final List<String> LIBS = List.of("javacpp", "tensorflowlite", "opencv", "openblas", "ffmpeg");

    /** arch -> lib -> number of native libraries. */
    static Map<String, Map<String, Integer>> natives(Path jar) throws IOException {
        Map<String, Map<String, Integer>> m = new TreeMap<>();
        try (JarFile j = new JarFile(jar.toFile())) {
            j.stream().forEach(e -> {
                Matcher x = NATIVE.matcher(e.getName());
                if (x.matches()) m.computeIfAbsent(x.group(2), a -> new TreeMap<>()).merge(x.group(1), 1, Integer::sum);
            });
        }
        return m;
    }

    static Attributes manifest(Path jar) throws IOException {
        try (JarFile j = new JarFile(jar.toFile())) {
            return j.getManifest().getMainAttributes();
        }
    }

    static void assertOneArch(Path jar, String arch, String processor) throws IOException {
        Map<String, Map<String, Integer>> n = natives(jar);
        assertEquals(List.of(arch), List.copyOf(n.keySet()), jar + ": natives of " + arch + " only");
        for (String lib : LIBS) assertTrue(n.get(arch).getOrDefault(lib, 0) > 0, jar + ": no " + lib + " natives");
        Attributes a = manifest(jar);
        assertEquals("io.vigie.lib.bytedeco", a.getValue("Bundle-SymbolicName"));
        assertEquals("Vigie bytedeco natives (" + arch + ")", a.getValue("Bundle-Name"));
        assertTrue(a.getValue("Require-Capability").contains("osgi.native;filter:=\"(osgi.native.processor=" + processor
                + ")\""), jar + ": " + a.getValue("Require-Capability"));
    }

    @Test
    void mainJarHoldsTheX86NativesOnly() throws IOException {
        assertOneArch(X86, "linux-x86_64", "x86-64");
    }

    @Test
    void arm64JarHoldsTheArm64NativesOnly() throws IOException {
        assertOneArch(ARM64, "linux-arm64", "aarch64");
    }

    @Test
    void bothJarsExportTheSameJavaApi() throws IOException {
        Attributes x = manifest(X86), a = manifest(ARM64);
        assertEquals(x.getValue("Export-Package"), a.getValue("Export-Package"));
        assertEquals(x.getValue("Import-Package"), a.getValue("Import-Package"));
        assertEquals(x.getValue("Bundle-Version"), a.getValue("Bundle-Version"));
    }

    @Test
    void arm64BundleDoesNotResolveOnThisX86Machine(@TempDir File storage) throws Exception {
        Map<String, String> cfg = new HashMap<>();
        cfg.put(Constants.FRAMEWORK_STORAGE, storage.getPath());
        Framework f = ServiceLoader.load(FrameworkFactory.class).iterator().next().newFramework(cfg);
        f.start();
        try {
            Bundle b = f.getBundleContext().installBundle(ARM64.toUri().toString());
            BundleException e = assertThrows(BundleException.class, b::start);
            assertTrue(e.getMessage().contains("osgi.native"), e.getMessage());
        } finally {
            f.stop();
            f.waitForStop(10_000);
        }
    }
}
