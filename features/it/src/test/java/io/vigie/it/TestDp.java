package io.vigie.it;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarInputStream;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;

/** Deployment packages for the OTA tests, built from the model bundles of this checkout's build. */
final class TestDp {
    private TestDp() {
    }

    /** bundles/model-PRECISION/target/io.vigie.model.*.jar (the same build the gateway jar embeds). */
    static Path modelBundle(String precision) throws IOException {
        Path dir = Gateway.root().resolve("bundles/model-" + precision + "/target");
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().matches("io\\.vigie\\.model\\..*\\.jar")).findFirst()
                    .orElseThrow(() -> new IllegalStateException("model bundle not built in " + dir));
        }
    }

    static Manifest manifest(byte[] jar) throws IOException {
        try (JarInputStream j = new JarInputStream(new java.io.ByteArrayInputStream(jar))) {
            return j.getManifest();
        }
    }

    /** The bundle with another Bundle-Version (every other entry copied as is). */
    static byte[] withVersion(byte[] bundle, String version) throws IOException {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (JarInputStream in = new JarInputStream(new java.io.ByteArrayInputStream(bundle))) {
            Manifest m = in.getManifest();
            m.getMainAttributes().putValue("Bundle-Version", version);
            try (JarOutputStream out = new JarOutputStream(bos, m)) {
                for (JarEntry e; (e = in.getNextJarEntry()) != null;) {
                    out.putNextEntry(new ZipEntry(e.getName()));
                    in.transferTo(out);
                    out.closeEntry();
                }
            }
        }
        return bos.toByteArray();
    }

    /** A one-bundle DP: manifest first, then the bundle. */
    static byte[] dp(String name, String version, byte[] bundle, Map<String, String> extraHeaders) throws IOException {
        Attributes main = manifest(bundle).getMainAttributes();
        String bsn = main.getValue("Bundle-SymbolicName").split(";")[0].trim();
        String bv = main.getValue("Bundle-Version");
        StringBuilder mf = new StringBuilder("Manifest-Version: 1.0\r\nDeploymentPackage-SymbolicName: " + name
                + "\r\nDeploymentPackage-Version: " + version + "\r\n");
        extraHeaders.forEach((k, v) -> mf.append(k).append(": ").append(v).append("\r\n"));
        mf.append("\r\nName: bundles/").append(bsn).append(".jar\r\nBundle-SymbolicName: ").append(bsn)
                .append("\r\nBundle-Version: ").append(bv).append("\r\n\r\n");
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (JarOutputStream out = new JarOutputStream(bos)) {
            out.putNextEntry(new ZipEntry("META-INF/MANIFEST.MF"));
            out.write(mf.toString().getBytes(StandardCharsets.UTF_8));
            out.closeEntry();
            out.putNextEntry(new ZipEntry("bundles/" + bsn + ".jar"));
            out.write(bundle);
            out.closeEntry();
        }
        return bos.toByteArray();
    }

    static byte[] read(InputStream in) throws IOException {
        return in.readAllBytes();
    }

    static String bundleVersion(byte[] bundle) throws IOException {
        return manifest(bundle).getMainAttributes().getValue("Bundle-Version");
    }
}
