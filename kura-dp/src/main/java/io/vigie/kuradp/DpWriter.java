package io.vigie.kuradp;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;

/**
 * Writes an OSGi deployment package (the format Kura installs): a jar whose FIRST entry is
 * META-INF/MANIFEST.MF with DeploymentPackage-SymbolicName/-Version and one named section per
 * bundle (Name, Bundle-SymbolicName, Bundle-Version), then the bundles in the given order (DA
 * installs and starts them in that order, so dependencies go first).
 *
 * <p>The DP version is the base version (without -SNAPSHOT) plus the highest bundle qualifier: it
 * changes exactly when one of its bundles was rebuilt (bnd stamps each bundle's qualifier).
 *
 * <p>{@code DpWriter --out F --name N --base-version V [--arch A] [--header K=V]... [--sign-key KEY] bundle.jar...}
 *
 * <p>With {@code --sign-key} (a PKCS#8 PEM private key, {@code ./vigie keys}; {@code --sign-key=} empty: none) the
 * package is signed by the OTA agent's own {@code PackageSigner}: {@code F.sig} beside {@code F}, the detached
 * signature the gateway checks. Without it a stale {@code F.sig} of an earlier build is removed.
 */
public final class DpWriter {
    public static final String DP_NAME = "DeploymentPackage-SymbolicName";
    public static final String DP_VERSION = "DeploymentPackage-Version";
    /** Vigie's own header: the native arch of a core DP (its lib-bytedeco), checked by the OTA agent. */
    public static final String VIGIE_ARCH = "Vigie-Arch";

    private DpWriter() {
    }

    public static void main(String[] args) throws IOException {
        Path out = null;
        String name = null;
        String base = null;
        String arch = null;
        Map<String, String> headers = new LinkedHashMap<>();
        List<Path> bundles = new ArrayList<>();
        String signKey = "";
        for (int i = 0; i < args.length; i++) {
            if (args[i].startsWith("--sign-key=")) {
                signKey = args[i].substring("--sign-key=".length()).strip();
                continue;
            }
            switch (args[i]) {
                case "--sign-key" -> signKey = args[++i];
                case "--out" -> out = Path.of(args[++i]);
                case "--name" -> name = args[++i];
                case "--base-version" -> base = args[++i];
                case "--arch" -> arch = args[++i];
                case "--header" -> {
                    String kv = args[++i];
                    int eq = kv.indexOf('=');
                    if (eq <= 0) throw new IllegalArgumentException("--header needs K=V: " + kv);
                    headers.put(kv.substring(0, eq), kv.substring(eq + 1));
                }
                default -> bundles.add(Path.of(args[i]));
            }
        }
        if (out == null || name == null || base == null || bundles.isEmpty())
            throw new IllegalArgumentException(
                    "usage: --out F --name N --base-version V [--arch A] [--header K=V] [--sign-key KEY] bundle.jar...");
        if (arch != null) {
            checkArch(arch, bundles);
            headers.put(VIGIE_ARCH, arch);
        }
        String v = write(out, name, base, headers, bundles);
        String signed = signKey.isEmpty() ? "" : ", signed: " + sign(Path.of(signKey), out).getFileName();
        if (signKey.isEmpty()) Files.deleteIfExists(out.resolveSibling(out.getFileName() + ".sig"));
        System.out.println("[kura-dp] " + out.getFileName() + " " + name + " " + v + " (" + bundles.size() + " bundles"
                + signed + ")");
    }

    /**
     * Signs a written package (the OTA agent's signer: one owner of the format); its own method so that writing
     * without a key never needs the agent's classes on the class path.
     */
    static Path sign(Path key, Path dp) throws IOException {
        try {
            return io.vigie.ota.core.PackageSigner.signFile(io.vigie.ota.core.PackageSigner.readPrivateKey(key), dp);
        } catch (java.security.GeneralSecurityException e) {
            throw new IOException("signing " + dp + " with " + key + ": " + e.getMessage(), e);
        }
    }

    /** The osgi.native processor value bnd writes for a Vigie arch name. */
    public static String processorOf(String arch) {
        return switch (arch) {
            case "linux-x86_64" -> "x86-64";
            case "linux-arm64" -> "aarch64";
            case "linux-armhf" -> "arm";
            default -> throw new IllegalArgumentException("unknown arch " + arch);
        };
    }

    /** A core DP must carry the natives of its arch: refuse to write a mislabeled one. */
    static void checkArch(String arch, List<Path> bundles) throws IOException {
        String want = "(osgi.native.processor=" + processorOf(arch) + ")";
        for (Path b : bundles) {
            Manifest m = manifestOf(b);
            String rc = m.getMainAttributes().getValue("Require-Capability");
            if (rc != null && rc.contains("osgi.native")) {
                if (!rc.contains(want))
                    throw new IllegalStateException(b + " is not built for " + arch + " (Require-Capability: " + rc + ")");
                return;
            }
        }
        throw new IllegalStateException("--arch " + arch + " but no bundle requires osgi.native");
    }

    static Manifest manifestOf(Path bundle) throws IOException {
        try (JarFile jf = new JarFile(bundle.toFile(), false)) {
            Manifest m = jf.getManifest();
            if (m == null || m.getMainAttributes().getValue("Bundle-SymbolicName") == null)
                throw new IllegalStateException(bundle + " is not an OSGi bundle (no Bundle-SymbolicName)");
            return m;
        }
    }

    /** Strips directives from a Bundle-SymbolicName ("a.b;singleton:=true" -> "a.b"). */
    static String bsn(Manifest m) {
        String v = m.getMainAttributes().getValue("Bundle-SymbolicName");
        int semi = v.indexOf(';');
        return (semi < 0 ? v : v.substring(0, semi)).trim();
    }

    /** Writes the DP (atomically) and returns its version. */
    public static String write(Path out, String name, String baseVersion, Map<String, String> headers, List<Path> bundles)
            throws IOException {
        Manifest mf = new Manifest();
        Attributes main = mf.getMainAttributes();
        main.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        main.putValue(DP_NAME, name);
        List<String> entryNames = new ArrayList<>();
        String qualifier = "";
        for (Path b : bundles) {
            Manifest bm = manifestOf(b);
            String bsn = bsn(bm);
            String bv = bm.getMainAttributes().getValue("Bundle-Version");
            if (bv == null) bv = "0.0.0";
            String[] parts = bv.split("\\.", 4);
            if (parts.length == 4 && parts[3].compareTo(qualifier) > 0) qualifier = parts[3];
            String entry = "bundles/" + bsn + ".jar";
            Attributes a = new Attributes();
            a.putValue("Bundle-SymbolicName", bsn);
            a.putValue("Bundle-Version", bv);
            mf.getEntries().put(entry, a);
            entryNames.add(entry);
        }
        String base = baseVersion.replace("-SNAPSHOT", "");
        String version = qualifier.isEmpty() ? base : base + "." + qualifier;
        main.putValue(DP_VERSION, version);
        headers.forEach(main::putValue);

        Files.createDirectories(out.toAbsolutePath().getParent());
        Path tmp = out.resolveSibling(out.getFileName() + ".tmp");
        try (JarOutputStream jar = new JarOutputStream(Files.newOutputStream(tmp))) {
            // The manifest is the very first entry (DP spec), written by hand so that the named
            // sections keep the bundle order (java.util.jar.Manifest keeps them in a HashMap).
            ZipEntry me = new ZipEntry(JarFile.MANIFEST_NAME);
            jar.putNextEntry(me);
            jar.write(manifestBytes(main, mf.getEntries(), entryNames));
            jar.closeEntry();
            for (int i = 0; i < bundles.size(); i++) putStored(jar, entryNames.get(i), bundles.get(i));
        }
        Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return version;
    }

    static byte[] manifestBytes(Attributes main, Map<String, Attributes> sections, List<String> order) {
        StringBuilder sb = new StringBuilder();
        header(sb, "Manifest-Version", main.getValue(Attributes.Name.MANIFEST_VERSION));
        main.forEach((k, v) -> {
            if (!k.equals(Attributes.Name.MANIFEST_VERSION)) header(sb, k.toString(), (String) v);
        });
        sb.append("\r\n");
        for (String name : order) {
            header(sb, "Name", name);
            sections.get(name).forEach((k, v) -> header(sb, k.toString(), (String) v));
            sb.append("\r\n");
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** One manifest header, wrapped at 72 bytes (continuation lines start with a space). */
    static void header(StringBuilder sb, String name, String value) {
        byte[] line = (name + ": " + value).getBytes(StandardCharsets.UTF_8);
        int pos = 0;
        int max = 72;
        while (pos < line.length) {
            int end = Math.min(line.length, pos + max);
            // never split a UTF-8 sequence
            while (end < line.length && (line[end] & 0xC0) == 0x80) end--;
            if (pos > 0) sb.append(' ');
            sb.append(new String(line, pos, end - pos, StandardCharsets.UTF_8)).append("\r\n");
            pos = end;
            max = 71;
        }
    }

    /** Bundles are jars already (compressed): store them, do not deflate again. */
    private static void putStored(JarOutputStream jar, String name, Path file) throws IOException {
        CRC32 crc = new CRC32();
        byte[] buf = new byte[1 << 16];
        long size = 0;
        try (InputStream in = Files.newInputStream(file)) {
            for (int n; (n = in.read(buf)) > 0; size += n) crc.update(buf, 0, n);
        }
        ZipEntry e = new ZipEntry(name);
        e.setMethod(ZipEntry.STORED);
        e.setSize(size);
        e.setCompressedSize(size);
        e.setCrc(crc.getValue());
        e.setTime(Files.getLastModifiedTime(file).toMillis());
        jar.putNextEntry(e);
        try (InputStream in = Files.newInputStream(file)) {
            in.transferTo(jar);
        }
        jar.closeEntry();
    }

}
