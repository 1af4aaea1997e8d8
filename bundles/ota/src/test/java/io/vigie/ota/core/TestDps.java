package io.vigie.ota.core;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.zip.ZipEntry;

/** Builds small but real deployment packages for the tests. */
public final class TestDps {
    private TestDps() {
    }

    static byte[] bundle(String bsn, String version, String requireCapability) throws IOException {
        return bundle(bsn, version, requireCapability, Map.of());
    }

    /** A bundle jar with extra entries (path -> content). */
    static byte[] bundle(String bsn, String version, String requireCapability, Map<String, String> extra) throws IOException {
        Manifest m = new Manifest();
        Attributes a = m.getMainAttributes();
        a.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        a.putValue("Bundle-ManifestVersion", "2");
        a.putValue("Bundle-SymbolicName", bsn);
        a.putValue("Bundle-Version", version);
        if (requireCapability != null) a.putValue("Require-Capability", requireCapability);
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (JarOutputStream j = new JarOutputStream(bos, m)) {
            j.putNextEntry(new ZipEntry("data/payload.bin"));
            j.write(new byte[4096]);
            j.closeEntry();
            for (Map.Entry<String, String> e : extra.entrySet()) {
                j.putNextEntry(new ZipEntry(e.getKey()));
                j.write(e.getValue().getBytes(java.nio.charset.StandardCharsets.UTF_8));
                j.closeEntry();
            }
        }
        return bos.toByteArray();
    }

    /** A DP: main headers (null values skipped), bundles as entry name -> (bsn, version, bytes). */
    static Path dp(Path file, Map<String, String> headers, Map<String, Object[]> bundles) throws IOException {
        Manifest m = new Manifest();
        m.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        headers.forEach((k, v) -> {
            if (v != null) m.getMainAttributes().putValue(k, v);
        });
        for (Map.Entry<String, Object[]> b : bundles.entrySet()) {
            Attributes a = new Attributes();
            if (b.getValue()[0] != null) a.putValue("Bundle-SymbolicName", (String) b.getValue()[0]);
            if (b.getValue()[1] != null) a.putValue("Bundle-Version", (String) b.getValue()[1]);
            m.getEntries().put(b.getKey(), a);
        }
        try (JarOutputStream j = new JarOutputStream(Files.newOutputStream(file), m)) {
            for (Map.Entry<String, Object[]> b : bundles.entrySet()) {
                j.putNextEntry(new ZipEntry(b.getKey()));
                j.write((byte[]) b.getValue()[2]);
                j.closeEntry();
            }
        }
        return file;
    }

    static Map<String, String> headers(String name, String version) {
        Map<String, String> h = new LinkedHashMap<>();
        h.put("DeploymentPackage-SymbolicName", name);
        h.put("DeploymentPackage-Version", version);
        return h;
    }

    /** A one-bundle model DP. */
    public static Path model(Path dir, String name, String bsn, String version) throws IOException {
        Map<String, String> h = headers(name, version);
        h.put("Vigie-Kind", "model");
        Map<String, Object[]> b = new LinkedHashMap<>();
        b.put("bundles/" + bsn + ".jar", new Object[] { bsn, version, bundle(bsn, version, null) });
        return dp(dir.resolve(name + "-" + version + ".dp"), h, b);
    }

    /** A one-bundle model DP whose bundle carries model/model.properties for this identity. */
    public static Path model(Path dir, String name, String bsn, String version, ModelRef m) throws IOException {
        Map<String, String> h = headers(name, version);
        h.put("Vigie-Kind", "model");
        String props = "name=" + m.name() + "\nprecision=" + m.precision() + "\nversion=" + m.version()
                + "\nsha256=" + m.sha256() + "\n";
        Map<String, Object[]> b = new LinkedHashMap<>();
        b.put("bundles/" + bsn + ".jar",
                new Object[] { bsn, version, bundle(bsn, version, null, Map.of("model/model.properties", props)) });
        return dp(dir.resolve(name + "-" + version + ".dp"), h, b);
    }

    /** A one-bundle DP of about {@code size} bytes (random, incompressible payload): for download tests. */
    static Path big(Path dir, String name, String bsn, String version, int size) throws IOException {
        byte[] payload = new byte[size];
        new java.util.Random(size).nextBytes(payload);
        Manifest m = new Manifest();
        Attributes a = m.getMainAttributes();
        a.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        a.putValue("Bundle-ManifestVersion", "2");
        a.putValue("Bundle-SymbolicName", bsn);
        a.putValue("Bundle-Version", version);
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (JarOutputStream j = new JarOutputStream(bos, m)) {
            j.putNextEntry(new ZipEntry("data/random.bin"));
            j.write(payload);
            j.closeEntry();
        }
        Map<String, Object[]> b = new LinkedHashMap<>();
        b.put("bundles/" + bsn + ".jar", new Object[] { bsn, version, bos.toByteArray() });
        return dp(dir.resolve(name + "-" + version + ".dp"), headers(name, version), b);
    }

    /** A core DP for an arch (Vigie-Arch header and a natives bundle for that processor). */
    static Path core(Path dir, String arch, String processor) throws IOException {
        Map<String, String> h = headers("vigie-core", "1.0.0");
        h.put("Vigie-Kind", "core");
        h.put("Vigie-Arch", arch);
        Map<String, Object[]> b = new LinkedHashMap<>();
        b.put("bundles/api.jar", new Object[] { "t.api", "1.0.0", bundle("t.api", "1.0.0", null) });
        b.put("bundles/natives.jar", new Object[] { "t.natives", "1.0.0",
                bundle("t.natives", "1.0.0", "osgi.native;filter:=\"(osgi.native.processor=" + processor + ")\"") });
        return dp(dir.resolve("vigie-core-" + arch + ".dp"), h, b);
    }
}
