package io.vigie.ota.core;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.Properties;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipInputStream;

/**
 * A model's identity as the detector's events carry it ({@code model.name}, {@code model.precision},
 * {@code model.version}, {@code model.sha256}); read from a package's model bundles
 * ({@code model/model.properties}, written by the model builder) so the health watch knows which
 * model an install brings.
 */
public record ModelRef(String name, String precision, String version, String sha256) {
    static final String PROPERTIES = "model/model.properties";

    /** Same model bytes and version: the detector reports this model. */
    public boolean sameAs(ModelRef o) {
        return o != null && name.equals(o.name) && precision.equalsIgnoreCase(o.precision) && version.equals(o.version)
                && sha256.equalsIgnoreCase(o.sha256);
    }

    public String shortId() {
        return name + "/" + precision + "/" + version + "@" + sha256.substring(0, Math.min(8, sha256.length()));
    }

    /** The models carried by the bundles of a deployment package (none for a non-model package). */
    public static List<ModelRef> inPackage(Path dp) throws IOException {
        List<ModelRef> out = new ArrayList<>();
        try (ZipFile z = new ZipFile(dp.toFile())) {
            for (Enumeration<? extends ZipEntry> en = z.entries(); en.hasMoreElements();) {
                ZipEntry e = en.nextElement();
                if (e.isDirectory() || !e.getName().endsWith(".jar")) continue;
                try (InputStream in = z.getInputStream(e)) {
                    ModelRef m = inBundle(in);
                    if (m != null) out.add(m);
                }
            }
        }
        return out;
    }

    /** model/model.properties of one bundle jar, or null when it has none (or an incomplete one). */
    static ModelRef inBundle(InputStream jar) throws IOException {
        try (ZipInputStream z = new ZipInputStream(jar)) {
            for (ZipEntry e; (e = z.getNextEntry()) != null;) {
                if (!e.getName().equals(PROPERTIES)) continue;
                Properties p = new Properties();
                p.load(new java.io.InputStreamReader(new ByteArrayInputStream(z.readAllBytes()), StandardCharsets.UTF_8));
                String n = p.getProperty("name"), pr = p.getProperty("precision"), v = p.getProperty("version"),
                        s = p.getProperty("sha256");
                if (n == null || pr == null || v == null || s == null) return null;
                return new ModelRef(n.trim(), pr.trim().toUpperCase(java.util.Locale.ROOT),
                        v.trim(), s.trim().toLowerCase(java.util.Locale.ROOT));
            }
        }
        return null;
    }
}
