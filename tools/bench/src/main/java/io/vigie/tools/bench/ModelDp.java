package io.vigie.tools.bench;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarInputStream;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;

/**
 * A model update for the swap benchmark: the model bundle of this checkout's build with a new model
 * version (model/model.properties) and Bundle-Version, packed as a one-bundle deployment package
 * (manifest first, as DeploymentAdmin requires; the bundle entry stored, as kura-dp writes it). A higher
 * model version makes the detector switch to it, so "install call -> first frame on the new model" is the
 * update path a fleet uses.
 */
public final class ModelDp {
    private static final Pattern VERSION = Pattern.compile("(?m)^version=(.*)$");

    private ModelDp() {
    }

    /** bundles/model-PRECISION/target/io.vigie.model.*.jar */
    public static Path modelBundle(Path root, String precision) throws IOException {
        Path dir = root.resolve("bundles/model-" + precision.toLowerCase(java.util.Locale.ROOT) + "/target");
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().matches("io\\.vigie\\.model\\..*\\.jar")).findFirst()
                    .orElseThrow(() -> new IOException("model bundle not built in " + dir));
        }
    }

    /** The model version the bundle carries (model/model.properties). */
    public static String modelVersion(byte[] bundle) throws IOException {
        try (JarInputStream in = new JarInputStream(new ByteArrayInputStream(bundle))) {
            for (JarEntry e; (e = in.getNextJarEntry()) != null;) {
                if (e.getName().equals("model/model.properties")) {
                    Matcher m = VERSION.matcher(new String(in.readAllBytes(), StandardCharsets.ISO_8859_1));
                    if (m.find()) return m.group(1).trim();
                }
            }
        }
        throw new IOException("no version= in model/model.properties");
    }

    /** The bundle with another model version and Bundle-Version; every other entry is copied as is. */
    public static byte[] withVersions(byte[] bundle, String modelVersion, String bundleVersion) throws IOException {
        ByteArrayOutputStream bos = new ByteArrayOutputStream(bundle.length + 4096);
        boolean rewritten = false;
        try (JarInputStream in = new JarInputStream(new ByteArrayInputStream(bundle))) {
            Manifest m = in.getManifest();
            m.getMainAttributes().putValue("Bundle-Version", bundleVersion);
            try (JarOutputStream out = new JarOutputStream(bos, m)) {
                for (JarEntry e; (e = in.getNextJarEntry()) != null;) {
                    out.putNextEntry(new ZipEntry(e.getName()));
                    if (e.getName().equals("model/model.properties")) {
                        String p = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
                        out.write(VERSION.matcher(p).replaceFirst("version=" + Matcher.quoteReplacement(modelVersion))
                                .getBytes(StandardCharsets.ISO_8859_1));
                        rewritten = true;
                    } else {
                        in.transferTo(out);
                    }
                    out.closeEntry();
                }
            }
        }
        if (!rewritten) throw new IOException("the bundle has no model/model.properties");
        return bos.toByteArray();
    }

    /** A one-bundle model DP (Vigie-Kind: model, as kura-dp writes them). */
    public static byte[] dp(String name, String version, byte[] bundle) throws IOException {
        Attributes main;
        try (JarInputStream j = new JarInputStream(new ByteArrayInputStream(bundle))) {
            main = j.getManifest().getMainAttributes();
        }
        String bsn = main.getValue("Bundle-SymbolicName").split(";")[0].trim();
        String mf = "Manifest-Version: 1.0\r\nDeploymentPackage-SymbolicName: " + name + "\r\nDeploymentPackage-Version: "
                + version + "\r\nVigie-Kind: model\r\n\r\nName: bundles/" + bsn + ".jar\r\nBundle-SymbolicName: " + bsn
                + "\r\nBundle-Version: " + main.getValue("Bundle-Version") + "\r\n\r\n";
        ByteArrayOutputStream bos = new ByteArrayOutputStream(bundle.length + 1024);
        try (JarOutputStream out = new JarOutputStream(bos)) {
            out.putNextEntry(new ZipEntry("META-INF/MANIFEST.MF"));
            out.write(mf.getBytes(StandardCharsets.UTF_8));
            out.closeEntry();
            // stored, as kura-dp's DpWriter writes them: a bundle is a compressed jar already
            ZipEntry e = new ZipEntry("bundles/" + bsn + ".jar");
            java.util.zip.CRC32 crc = new java.util.zip.CRC32();
            crc.update(bundle);
            e.setMethod(ZipEntry.STORED);
            e.setSize(bundle.length);
            e.setCompressedSize(bundle.length);
            e.setCrc(crc.getValue());
            out.putNextEntry(e);
            out.write(bundle);
            out.closeEntry();
        }
        return bos.toByteArray();
    }
}
