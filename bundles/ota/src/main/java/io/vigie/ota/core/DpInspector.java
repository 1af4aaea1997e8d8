package io.vigie.ota.core;

import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
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
import java.util.jar.Manifest;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import java.util.zip.ZipInputStream;

import io.vigie.ota.core.OtaException.Kind;

/**
 * Validates a deployment package file BEFORE DeploymentAdmin sees it, so a bad file stops nothing and writes
 * nothing. Layout by the Deployment Admin spec (OSGi compendium 114.3): an optional {@code META-INF/} entry,
 * {@code META-INF/MANIFEST.MF}, signature files, then only entries the manifest names, each named entry present.
 * Entry names must be relative and normalised (DeploymentAdmin unpacks entries by name: {@code ../} would land
 * outside its folder). A complete zip (its directory lists exactly the entries the stream holds, every CRC
 * checked), the DP headers, one section per bundle whose Bundle-SymbolicName/-Version match the nested bundle's
 * own manifest, natives for this machine's processor. {@link Limits} cap what is inflated, counted while
 * reading (the sizes a zip declares are not trusted), so a zip bomb costs at most the cap.
 */
public final class DpInspector {
    public static final String DP_NAME = "DeploymentPackage-SymbolicName";
    public static final String DP_VERSION = "DeploymentPackage-Version";
    public static final String DP_FIXPACK = "DeploymentPackage-FixPack";
    public static final String VIGIE_ARCH = "Vigie-Arch";
    public static final String VIGIE_KIND = "Vigie-Kind";
    static final String MANIFEST = "META-INF/MANIFEST.MF";
    private static final Pattern PROCESSOR = Pattern.compile("osgi\\.native\\.processor\\s*~?=\\s*([^)&|!\\s]+)");
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.\\-]+");
    private static final Pattern VERSION = Pattern.compile("\\d+(\\.\\d+(\\.\\d+(\\.[A-Za-z0-9_\\-]+)?)?)?");
    /** Signature files (spec 114.3): right after the manifest, not named in it. */
    private static final Pattern SIGNATURE = Pattern.compile("META-INF/([^/]+\\.(SF|DSA|RSA|EC)|SIG-[^/]+)",
            Pattern.CASE_INSENSITIVE);
    private static final int MAX_NAME = 512;

    /**
     * What one package may cost to inspect and to unpack.
     *
     * @param maxEntries       entries in the package (its directory and its stream)
     * @param maxManifestBytes the DP manifest, and each nested bundle's manifest, inflated
     * @param maxTotalBytes    all entries inflated together
     * @param maxRatio         inflated bytes per compressed byte, per entry and for the whole package; 0: not checked
     * @param ratioFloorBytes  the ratio is checked once an entry (or the package) inflated more than this: small
     *                         entries, manifests above all, legitimately compress better than large ones
     */
    public record Limits(int maxEntries, int maxManifestBytes, long maxTotalBytes, int maxRatio, long ratioFloorBytes) {
        public static final int ENTRIES = 1000;
        public static final int MANIFEST_BYTES = 256 * 1024;
        /** Deflate tops out near 1032:1; real packages hold stored jars (1:1) and text (under 20:1). */
        public static final int RATIO = 100;
        public static final long RATIO_FLOOR_BYTES = 1L << 20;
        public static final Limits DEFAULT = forMaxPackageBytes(512L << 20);

        public Limits {
            if (maxEntries < 2 || maxManifestBytes < 1024 || maxTotalBytes < 1 || maxRatio < 0 || ratioFloorBytes < 0)
                throw new IllegalArgumentException("package limits out of range: " + maxEntries + " entries, manifest "
                        + maxManifestBytes + " bytes, total " + maxTotalBytes + " bytes, ratio " + maxRatio);
        }

        /** The defaults, with {@code max.package.mb} (in bytes) as the cap on what the package inflates to. */
        public static Limits forMaxPackageBytes(long maxPackageBytes) {
            return new Limits(ENTRIES, MANIFEST_BYTES, maxPackageBytes, RATIO, RATIO_FLOOR_BYTES);
        }
    }

    /** A refusal by one of the {@link Limits}; {@link #inflated} tells how far inflating went before it. */
    public static final class LimitExceeded extends OtaException {
        private static final long serialVersionUID = 1L;
        public final long inflated;

        LimitExceeded(String message, long inflated) {
            super(Kind.INVALID, message);
            this.inflated = inflated;
        }
    }

    private final String hostProcessor;
    private volatile Limits limits;

    /** @param hostProcessor the osgi.native processor name of this machine, e.g. x86-64 or aarch64 */
    public DpInspector(String hostProcessor) {
        this(hostProcessor, Limits.DEFAULT);
    }

    public DpInspector(String hostProcessor, Limits limits) {
        this.hostProcessor = hostProcessor;
        this.limits = limits;
    }

    /** New limits for the next inspections (configuration change). */
    public void limits(Limits l) {
        this.limits = l;
    }

    public Limits limits() {
        return limits;
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
        Limits lim = limits;
        List<String> central = centralNames(file, lim);
        Scan scan = new Scan(lim);
        try (CountingStream raw = new CountingStream(new BufferedInputStream(Files.newInputStream(file), 1 << 16));
                ZipInputStream zin = new ZipInputStream(raw)) {
            scan.read(zin, raw);
        } catch (Refused r) {
            throw r.refusal;
        } catch (ZipException e) {
            throw new OtaException(Kind.INVALID, "corrupt package: " + e.getMessage());
        } catch (EOFException e) {
            throw new OtaException(Kind.INVALID, "truncated package");
        } catch (IllegalArgumentException e) { // a name that is not valid UTF-8
            throw new OtaException(Kind.INVALID, "corrupt package: " + e.getMessage());
        }
        Manifest mf = scan.manifest;
        if (mf == null) throw new OtaException(Kind.INVALID, "not a deployment package: no " + MANIFEST);
        if (!new LinkedHashSet<>(central).equals(scan.seen))
            throw new OtaException(Kind.INVALID, "corrupt package: its directory lists other entries than it holds");
        for (String named : mf.getEntries().keySet()) {
            if (!scan.seen.contains(named))
                throw new OtaException(Kind.INVALID, "the manifest names " + quoted(named) + " but the package does not hold it");
        }
        return describe(mf, scan.nested);
    }

    /** The central directory's names, checked before anything is inflated. */
    private static List<String> centralNames(Path file, Limits lim) throws OtaException, IOException {
        List<String> names = new ArrayList<>();
        Set<String> folded = new java.util.HashSet<>();
        try (ZipFile zf = new ZipFile(file.toFile())) {
            if (zf.size() > lim.maxEntries())
                throw new OtaException(Kind.INVALID, "too many entries: " + zf.size() + " (at most " + lim.maxEntries() + ")");
            for (var it = zf.entries(); it.hasMoreElements();) {
                String n = it.nextElement().getName();
                admit(n, folded);
                names.add(n);
            }
        } catch (ZipException e) {
            throw new OtaException(Kind.INVALID, "not a deployment package: not a zip/jar or truncated (" + e.getMessage() + ")");
        } catch (IllegalArgumentException e) {
            throw new OtaException(Kind.INVALID, "corrupt package: " + e.getMessage());
        }
        return names;
    }

    private DpInfo describe(Manifest mf, Map<String, Manifest> nested) throws OtaException {
        Attributes main = mf.getMainAttributes();
        String name = require(main, DP_NAME);
        String version = require(main, DP_VERSION);
        if (!NAME.matcher(name).matches()) throw new OtaException(Kind.INVALID, "bad " + DP_NAME + " " + quoted(name));
        if (!VERSION.matcher(version).matches())
            throw new OtaException(Kind.INVALID, "bad " + DP_VERSION + " " + quoted(version));
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
                throw new OtaException(Kind.INVALID, "bundle entry " + entry + ": bad Bundle-Version " + quoted(bv));
            Manifest bm = nested.get(entry);
            if (bm == null) throw new OtaException(Kind.INVALID, "bundle entry " + entry + " is missing or has no manifest");
            String realBsn = stripDirectives(bm.getMainAttributes().getValue("Bundle-SymbolicName"));
            String realV = bm.getMainAttributes().getValue("Bundle-Version");
            if (!stripDirectives(bsn).equals(realBsn) || realV == null || !bv.trim().equals(realV.trim()))
                throw new OtaException(Kind.INVALID, "bundle entry " + entry + " declares " + show(bsn) + " " + show(bv)
                        + " but the bundle is " + show(realBsn) + " " + show(realV));
            if (!bsns.add(realBsn)) throw new OtaException(Kind.INVALID, "bundle " + show(realBsn) + " appears twice");
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
            throw new OtaException(Kind.INVALID, "wrong arch: package is for " + show(arch) + ", this gateway is "
                    + hostProcessor);
        return new DpInfo(name, version, main.getValue(VIGIE_KIND), arch, List.copyOf(bundles), List.copyOf(processors));
    }

    /**
     * An entry name DeploymentAdmin can use as a path below its own folder, on any OS: relative, '/' separated,
     * normalised (no empty, '.' or '..' segment), no drive letter or ':' (Windows streams), no control character.
     */
    static void checkName(String n) throws OtaException {
        String why = null;
        if (n.isEmpty()) why = "empty name";
        else if (n.length() > MAX_NAME) why = "longer than " + MAX_NAME + " characters";
        else if (n.chars().anyMatch(Character::isISOControl)) why = "control character";
        else if (n.indexOf('\\') >= 0) why = "backslash";
        else if (n.startsWith("/")) why = "absolute path";
        else if (n.indexOf(':') >= 0) why = "drive letter or ':'";
        else {
            String body = n.endsWith("/") ? n.substring(0, n.length() - 1) : n; // a folder entry
            for (String seg : body.split("/", -1)) {
                if (seg.equals("..")) why = "'..' climbs out of the package's folder";
                else if (seg.isEmpty() || seg.equals(".")) why = "not normalised (empty or '.' segment)";
                if (why != null) break;
            }
        }
        if (why != null) throw new OtaException(Kind.INVALID, "unsafe entry name " + quoted(n) + ": " + why);
    }

    /** A safe name not seen before; names differing by case only are one file on a case-insensitive disk. */
    private static void admit(String name, Set<String> folded) throws OtaException {
        checkName(name);
        if (!folded.add(name.toLowerCase(Locale.ROOT))) throw new OtaException(Kind.INVALID, "duplicate entry " + quoted(name));
    }

    /** A name or header as it may be shown in a reply: control characters escaped, length bounded. */
    static String show(String s) {
        if (s == null) return "null";
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length() && i < 120; i++) {
            char c = s.charAt(i);
            if (Character.isISOControl(c)) sb.append(String.format("\\u%04x", (int) c));
            else sb.append(c);
        }
        return sb.append(s.length() > 120 ? "..." : "").toString();
    }

    /** An entry name in a message. */
    private static String quoted(String name) {
        return "'" + show(name) + "'";
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

    private static boolean isBundle(Attributes section) {
        return section.getValue("Bundle-SymbolicName") != null || section.getValue("Bundle-Version") != null;
    }

    private static String mib(long bytes) {
        if (bytes % (1L << 20) == 0) return (bytes >> 20) + " MiB";
        return bytes % 1024 == 0 ? (bytes >> 10) + " KiB" : bytes + " bytes";
    }

    /** One pass over the local entries, in order, counting every inflated byte against the limits. */
    private static final class Scan {
        final Limits lim;
        final Set<String> seen = new LinkedHashSet<>();
        final Set<String> folded = new java.util.HashSet<>();
        final Map<String, Manifest> nested = new HashMap<>();
        Manifest manifest;
        CountingStream raw;
        String entry;
        long total;
        long entryInflated;
        long entryRawStart;

        Scan(Limits lim) {
            this.lim = lim;
        }

        void read(ZipInputStream zin, CountingStream raw) throws IOException, OtaException {
            this.raw = raw;
            boolean signatures = false; // still in the signature files right after the manifest
            for (ZipEntry e; (e = zin.getNextEntry()) != null;) {
                String n = e.getName();
                if (seen.size() >= lim.maxEntries())
                    throw new OtaException(Kind.INVALID, "too many entries: more than " + lim.maxEntries());
                admit(n, folded);
                seen.add(n);
                entry = n;
                entryInflated = 0;
                entryRawStart = raw.count;
                InputStream in = new Counted(zin);
                if (manifest == null) {
                    if (seen.size() == 1 && n.equals("META-INF/")) {
                        in.transferTo(OutputStream.nullOutputStream());
                        continue;
                    }
                    if (!n.equals(MANIFEST))
                        throw new OtaException(Kind.INVALID, "not a deployment package: " + MANIFEST
                                + " must be the first entry, found " + quoted(n));
                    manifest = parse(readAtMost(in, lim.maxManifestBytes(), "the manifest"), "the manifest");
                    signatures = true;
                } else if (signatures && SIGNATURE.matcher(n).matches()) {
                    // kept as they are: DeploymentAdmin checks signers, our own signature is a detached file
                } else {
                    signatures = false;
                    Attributes section = manifest.getAttributes(n);
                    if (section == null)
                        throw new OtaException(Kind.INVALID, "entry " + quoted(n) + " is not named in the manifest"
                                + " (every entry after the manifest and its signature files needs a Name: section)");
                    if (isBundle(section)) nested.put(n, nestedManifest(in));
                }
                in.transferTo(OutputStream.nullOutputStream()); // reads to the end: CRC checked
            }
        }

        /** The nested jar's manifest (as JarInputStream finds it: first entry, or second after META-INF/), bounded. */
        private Manifest nestedManifest(InputStream in) throws IOException, OtaException {
            ZipInputStream jar = new ZipInputStream(in); // not closed: the outer entry goes on
            for (int i = 0; i < 2; i++) {
                ZipEntry e = jar.getNextEntry();
                if (e == null) return null;
                if (e.getName().equals("META-INF/")) continue;
                if (!e.getName().equalsIgnoreCase(MANIFEST)) return null;
                String what = "the manifest of " + quoted(entry);
                return parse(readAtMost(jar, lim.maxManifestBytes(), what), what);
            }
            return null;
        }

        private static Manifest parse(byte[] bytes, String what) throws OtaException {
            try {
                return new Manifest(new ByteArrayInputStream(bytes));
            } catch (IOException e) {
                throw new OtaException(Kind.INVALID, what + " cannot be read: " + e.getMessage());
            }
        }

        private static byte[] readAtMost(InputStream in, int max, String what) throws IOException, OtaException {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buf = new byte[8192];
            for (int n; (n = in.read(buf, 0, (int) Math.min(buf.length, max + 1L - out.size()))) > 0;) {
                out.write(buf, 0, n);
                if (out.size() > max) throw new OtaException(Kind.INVALID, what + " is larger than " + mib(max));
            }
            return out.toByteArray();
        }

        /** How many more bytes may be inflated; one past the cap is read so that going over is seen. */
        int allowance(int len) {
            return (int) Math.min(len, lim.maxTotalBytes() + 1 - total);
        }

        void inflated(int n) throws Refused {
            if (n <= 0) return;
            total += n;
            entryInflated += n;
            if (total > lim.maxTotalBytes())
                throw new Refused("package inflates to more than " + mib(lim.maxTotalBytes()) + " (the cap); stopped at "
                        + quoted(entry), total);
            if (lim.maxRatio() <= 0) return;
            long entryRaw = Math.max(1, raw.count - entryRawStart);
            if (entryInflated > lim.ratioFloorBytes() && entryInflated / entryRaw > lim.maxRatio())
                throw new Refused("zip bomb: entry " + quoted(entry) + " inflates to more than " + lim.maxRatio()
                        + " times its compressed size", total);
            if (total > lim.ratioFloorBytes() && total / Math.max(1, raw.count) > lim.maxRatio())
                throw new Refused("zip bomb: the package inflates to more than " + lim.maxRatio() + " times its size", total);
        }

        /** The current entry's inflated bytes, counted; close() leaves the zip stream open. */
        private final class Counted extends FilterInputStream {
            Counted(InputStream in) {
                super(in);
            }

            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (len == 0) return 0;
                int n = in.read(b, off, Math.max(1, allowance(len)));
                inflated(n);
                return n;
            }

            @Override
            public long skip(long n) throws IOException {
                byte[] buf = new byte[8192];
                long left = n;
                for (int r; left > 0 && (r = read(buf, 0, (int) Math.min(buf.length, left))) > 0;) left -= r;
                return n - left; // skipped bytes are inflated too: read, so that they are counted
            }

            @Override
            public void close() {
                // the zip stream goes on with the next entry
            }
        }
    }

    /** Bytes taken from the file (compressed), the denominator of the ratios. */
    private static final class CountingStream extends FilterInputStream {
        long count;

        CountingStream(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = in.read();
            if (b >= 0) count++;
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = in.read(b, off, len);
            if (n > 0) count += n;
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            long s = in.skip(n);
            count += s;
            return s;
        }
    }

    /** Carries a limit's refusal out of the zip streams' read calls. */
    private static final class Refused extends IOException {
        private static final long serialVersionUID = 1L;
        final transient LimitExceeded refusal;

        Refused(String message, long inflated) {
            super(message);
            this.refusal = new LimitExceeded(message, inflated);
        }
    }
}
