package io.vigie.ota.core;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.jar.Attributes;
import java.util.jar.JarInputStream;
import java.util.jar.Manifest;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import java.util.zip.ZipInputStream;

import io.vigie.ota.core.OtaException.Kind;

/**
 * Validates a deployment package file BEFORE DeploymentAdmin sees it, so a bad file stops nothing:
 * a complete zip (central directory and every entry's CRC), META-INF/MANIFEST.MF first with the DP
 * headers, one named section per bundle with Bundle-SymbolicName/-Version matching the nested
 * bundle's own manifest, and natives for this machine's processor.
 */
public final class DpInspector {
    public static final String DP_NAME = "DeploymentPackage-SymbolicName";
    public static final String DP_VERSION = "DeploymentPackage-Version";
    public static final String DP_FIXPACK = "DeploymentPackage-FixPack";
    public static final String VIGIE_ARCH = "Vigie-Arch";
    public static final String VIGIE_KIND = "Vigie-Kind";
    private static final Pattern PROCESSOR = Pattern.compile("osgi\\.native\\.processor\\s*~?=\\s*([^)&|!\\s]+)");
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.\\-]+");
    private static final Pattern VERSION = Pattern.compile("\\d+(\\.\\d+(\\.\\d+(\\.[A-Za-z0-9_\\-]+)?)?)?");

    private final String hostProcessor;

    /** @param hostProcessor the osgi.native processor name of this machine, e.g. x86-64 or aarch64 */
    public DpInspector(String hostProcessor) {
        this.hostProcessor = hostProcessor;
    }

    /** osgi.native processor name for a java os.arch value. */
    public static String processorOf(String osArch) {
        String a = osArch.toLowerCase(Locale.ROOT);
        return switch (a) {
            case "amd64", "x86_64", "x86-64", "em64t" -> "x86-64";
            case "aarch64", "arm64" -> "aarch64";
            case "arm", "armv7l", "armhf", "arm_le" -> "arm";
            default -> a;
        };
    }

    /** Vigie arch name (as in vigie-core-ARCH.dp) to processor. */
    public static String processorOfArch(String vigieArch) {
        String a = vigieArch.toLowerCase(Locale.ROOT);
        return processorOf(a.startsWith("linux-") ? a.substring(6) : a);
    }

    public DpInfo inspect(Path file) throws OtaException, IOException {
        if (!Files.isRegularFile(file)) throw new OtaException(Kind.BAD_REQUEST, "no package file");
        if (Files.size(file) == 0) throw new OtaException(Kind.INVALID, "empty package");
        Set<String> centralNames = new LinkedHashSet<>();
        try (ZipFile zf = new ZipFile(file.toFile())) {
            zf.stream().forEach(e -> centralNames.add(e.getName()));
        } catch (ZipException e) {
            throw new OtaException(Kind.INVALID, "not a deployment package: not a zip/jar or truncated (" + e.getMessage() + ")");
        }
        Manifest mf = null;
        Map<String, Manifest> nested = new HashMap<>();
        Set<String> seen = new LinkedHashSet<>();
        try (ZipInputStream zin = new ZipInputStream(Files.newInputStream(file))) {
            ZipEntry e;
            boolean first = true;
            while ((e = zin.getNextEntry()) != null) {
                String n = e.getName();
                seen.add(n);
                if (first && n.equals("META-INF/")) continue;
                if (first) {
                    if (!n.equals("META-INF/MANIFEST.MF"))
                        throw new OtaException(Kind.INVALID,
                                "not a deployment package: META-INF/MANIFEST.MF must be the first entry, found " + n);
                    mf = new Manifest(zin);
                    first = false;
                    continue;
                }
                if (n.endsWith(".jar") || (mf != null && mf.getAttributes(n) != null)) {
                    nested.put(n, nestedManifest(zin));
                }
                zin.transferTo(OutputStreamSink.INSTANCE); // reads to the end: CRC checked
            }
        } catch (ZipException e) {
            throw new OtaException(Kind.INVALID, "corrupt package: " + e.getMessage());
        } catch (java.io.EOFException e) {
            throw new OtaException(Kind.INVALID, "truncated package");
        }
        if (mf == null) throw new OtaException(Kind.INVALID, "not a deployment package: no META-INF/MANIFEST.MF");
        if (!seen.containsAll(centralNames))
            throw new OtaException(Kind.INVALID, "corrupt package: entries differ from its directory");

        Attributes main = mf.getMainAttributes();
        String name = require(main, DP_NAME);
        String version = require(main, DP_VERSION);
        if (!NAME.matcher(name).matches()) throw new OtaException(Kind.INVALID, "bad " + DP_NAME + " '" + name + "'");
        if (!VERSION.matcher(version).matches()) throw new OtaException(Kind.INVALID, "bad " + DP_VERSION + " '" + version + "'");
        if (main.getValue(DP_FIXPACK) != null)
            throw new OtaException(Kind.INVALID, "fix packs are not supported; send the full package");

        List<DpInfo.BundleRef> bundles = new ArrayList<>();
        Set<String> processors = new LinkedHashSet<>();
        Set<String> bsns = new LinkedHashSet<>();
        for (Map.Entry<String, Attributes> s : mf.getEntries().entrySet()) {
            String entry = s.getKey();
            String bsn = s.getValue().getValue("Bundle-SymbolicName");
            String bv = s.getValue().getValue("Bundle-Version");
            if (bsn == null && bv == null) continue; // a resource section (resource processors), not a bundle
            if (bsn == null || bv == null)
                throw new OtaException(Kind.INVALID, "bundle entry " + entry + " lacks Bundle-SymbolicName or Bundle-Version");
            if (!VERSION.matcher(bv.trim()).matches())
                throw new OtaException(Kind.INVALID, "bundle entry " + entry + ": bad Bundle-Version '" + bv + "'");
            Manifest bm = nested.get(entry);
            if (bm == null) throw new OtaException(Kind.INVALID, "bundle entry " + entry + " is missing or has no manifest");
            String realBsn = stripDirectives(bm.getMainAttributes().getValue("Bundle-SymbolicName"));
            String realV = bm.getMainAttributes().getValue("Bundle-Version");
            if (!stripDirectives(bsn).equals(realBsn) || realV == null || !bv.trim().equals(realV.trim()))
                throw new OtaException(Kind.INVALID, "bundle entry " + entry + " declares " + bsn + " " + bv
                        + " but the bundle is " + realBsn + " " + realV);
            if (!bsns.add(realBsn)) throw new OtaException(Kind.INVALID, "bundle " + realBsn + " appears twice");
            bundles.add(new DpInfo.BundleRef(entry, realBsn, realV.trim()));
            String rc = bm.getMainAttributes().getValue("Require-Capability");
            if (rc != null && rc.contains("osgi.native")) {
                Set<String> own = new LinkedHashSet<>();
                Matcher m = PROCESSOR.matcher(rc);
                while (m.find()) own.add(processorOf(m.group(1)));
                if (!own.isEmpty() && !own.contains(hostProcessor))
                    throw new OtaException(Kind.INVALID, "wrong arch: bundle " + realBsn + " has natives for " + own
                            + ", this gateway is " + hostProcessor);
                processors.addAll(own);
            }
        }
        if (bundles.isEmpty()) throw new OtaException(Kind.INVALID, "deployment package " + name + " holds no bundle");
        String arch = main.getValue(VIGIE_ARCH);
        if (arch != null && !processorOfArch(arch).equals(hostProcessor))
            throw new OtaException(Kind.INVALID, "wrong arch: package is for " + arch + ", this gateway is " + hostProcessor);
        return new DpInfo(name, version, main.getValue(VIGIE_KIND), arch, List.copyOf(bundles), List.copyOf(processors));
    }

    private static String require(Attributes a, String h) throws OtaException {
        String v = a.getValue(h);
        if (v == null || v.isBlank()) throw new OtaException(Kind.INVALID, "not a deployment package: no " + h + " header");
        return v.trim();
    }

    static String stripDirectives(String bsn) {
        if (bsn == null) return null;
        int semi = bsn.indexOf(';');
        return (semi < 0 ? bsn : bsn.substring(0, semi)).trim();
    }

    /** Reads the nested jar's manifest without closing the outer stream. */
    private static Manifest nestedManifest(InputStream zin) throws IOException {
        JarInputStream j = new JarInputStream(new FilterInputStream(zin) {
            @Override
            public void close() {
                // the outer zip stream stays open
            }
        });
        Manifest m = j.getManifest();
        return m;
    }

    /** Discards bytes. */
    private static final class OutputStreamSink extends java.io.OutputStream {
        static final OutputStreamSink INSTANCE = new OutputStreamSink();

        @Override
        public void write(int b) {
        }

        @Override
        public void write(byte[] b, int off, int len) {
        }
    }
}
