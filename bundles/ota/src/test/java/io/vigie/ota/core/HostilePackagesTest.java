package io.vigie.ota.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crafted packages an attacker would send: each is refused by the inspection, with a message saying why, before
 * DeploymentAdmin could unpack anything.
 */
class HostilePackagesTest {
    static final long MIB = 1L << 20;
    @TempDir
    static Path shared;
    static Path bomb;
    @TempDir
    Path tmp;
    final DpInspector x86 = new DpInspector("x86-64");

    /** 512 MiB of zeros deflated: about half a megabyte on disk. */
    @BeforeAll
    static void zipBomb() throws IOException {
        bomb = new HandZip().stored(DpInspector.MANIFEST, manifest(bundle("bundles/a.jar"), resource("res/zeros.bin")).getBytes())
                .stored("bundles/a.jar", TestDps.bundle("a", "1.0.0", null)).zeros("res/zeros.bin", 512)
                .write(shared.resolve("bomb.dp"));
    }

    static String manifest(String... sections) {
        StringBuilder sb = new StringBuilder("Manifest-Version: 1.0\r\nDeploymentPackage-SymbolicName: evil\r\n"
                + "DeploymentPackage-Version: 1.0.0\r\n\r\n");
        for (String s : sections) sb.append(s).append("\r\n");
        return sb.toString();
    }

    static String bundle(String entry) {
        return "Name: " + entry + "\r\nBundle-SymbolicName: a\r\nBundle-Version: 1.0.0\r\n";
    }

    static String resource(String entry) {
        return "Name: " + entry + "\r\nResource-Processor: org.example.rp\r\n";
    }

    static void put(ZipOutputStream z, String name, byte[] content) throws IOException {
        z.putNextEntry(new ZipEntry(name));
        z.write(content);
        z.closeEntry();
    }

    /** A package written entry by entry, names and order exactly as given (java.util.zip does not judge names). */
    Path dp(String file, String manifest, String... extra) throws IOException {
        Path p = tmp.resolve(file);
        try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(p))) {
            put(z, DpInspector.MANIFEST, manifest.getBytes(StandardCharsets.UTF_8));
            put(z, "bundles/a.jar", TestDps.bundle("a", "1.0.0", null));
            for (String e : extra) put(z, e, ("content of " + e).getBytes(StandardCharsets.UTF_8));
        }
        return p;
    }

    OtaException refused(Path p, String part) {
        OtaException e = assertThrows(OtaException.class, () -> x86.inspect(p));
        assertEquals(OtaException.Kind.INVALID, e.kind, e.getMessage());
        assertTrue(e.getMessage().contains(part), e.getMessage());
        return e;
    }

    @Test
    void theCraftedBaseIsAValidPackage() throws Exception {
        assertEquals("evil", x86.inspect(dp("ok.dp", manifest(bundle("bundles/a.jar"), resource("res/r.txt")), "res/r.txt"))
                .name());
    }

    @Test
    void anExtraEntryClimbingOutIsRefused() throws Exception {
        // the attack: one extra entry, named nowhere, written by DeploymentAdmin where its name points
        for (String n : List.of("../x", "a/../../x", "/abs", "C:\\x", "a\\..\\x", "C:x", "./x", "a//x", "a/./x"))
            refused(dp("extra.dp", manifest(bundle("bundles/a.jar")), n), "unsafe entry name");
    }

    @Test
    void aNamedEntryClimbingOutIsRefusedToo() throws Exception {
        for (String n : List.of("../x", "a/../../x", "/abs", "C:\\x", "a\\..\\x")) {
            OtaException e = refused(dp("named.dp", manifest(bundle("bundles/a.jar"), resource(n)), n), "unsafe entry name");
            assertTrue(e.getMessage().contains("'" + n + "'"), e.getMessage());
        }
        refused(dp("dots.dp", manifest(bundle("bundles/a.jar"), resource("a/../../x")), "a/../../x"), "'..' climbs out");
    }

    @Test
    void controlCharactersInNamesAreRefusedAndShownEscaped() throws Exception {
        OtaException e = refused(dp("nul.dp", manifest(bundle("bundles/a.jar")), "a\u0000b"), "control character");
        assertTrue(e.getMessage().contains("a\\u0000b"), e.getMessage());
        refused(dp("lf.dp", manifest(bundle("bundles/a.jar")), "a\nb.txt"), "control character");
    }

    @Test
    void everyEntryMustBeNamedInTheManifest() throws Exception {
        refused(dp("unnamed.dp", manifest(bundle("bundles/a.jar")), "res/extra.txt"),
                "entry 'res/extra.txt' is not named in the manifest");
    }

    @Test
    void everyNamedEntryMustBePresent() throws Exception {
        refused(dp("missing.dp", manifest(bundle("bundles/a.jar"), resource("res/gone.txt"))),
                "the manifest names 'res/gone.txt' but the package does not hold it");
    }

    @Test
    void duplicateNamesAreRefused() throws Exception {
        // java.util.zip will not write a name twice: write two names of one length, then make them equal
        Path p = dp("dup.dp", manifest(bundle("bundles/a.jar"), resource("res/one.txt")), "res/one.txt", "res/onf.txt");
        byte[] b = Files.readAllBytes(p);
        replaceAll(b, "res/onf.txt", "res/one.txt");
        refused(Files.write(p, b), "duplicate entry 'res/one.txt'");
        // a second manifest further on: a reader keeping the last one would see other sections
        Path twice = dp("twice.dp", manifest(bundle("bundles/a.jar")), "META-INF/MANIFEST.MX");
        byte[] t = Files.readAllBytes(twice);
        replaceAll(t, "META-INF/MANIFEST.MX", DpInspector.MANIFEST);
        refused(Files.write(twice, t), "duplicate entry 'META-INF/MANIFEST.MF'");
        // names differing by case only are one file on a case-insensitive disk
        refused(dp("case.dp", manifest(bundle("bundles/a.jar"), resource("res/A.txt"), resource("res/a.txt")), "res/A.txt",
                "res/a.txt"), "duplicate entry");
    }

    static void replaceAll(byte[] b, String from, String to) {
        byte[] f = from.getBytes(StandardCharsets.UTF_8);
        byte[] t = to.getBytes(StandardCharsets.UTF_8);
        int found = 0;
        for (int i = 0; i + f.length <= b.length; i++) {
            if (Arrays.equals(b, i, i + f.length, f, 0, f.length)) {
                System.arraycopy(t, 0, b, i, t.length);
                found++;
            }
        }
        assertTrue(found >= 2, "name in the entry header and in the directory");
    }

    @Test
    void signatureFilesOnlyRightAfterTheManifest() throws Exception {
        Path p = tmp.resolve("signed.dp");
        try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(p))) {
            put(z, "META-INF/", new byte[0]);
            put(z, DpInspector.MANIFEST, manifest(bundle("bundles/a.jar")).getBytes());
            put(z, "META-INF/VIGIE.SF", "Signature-Version: 1.0\r\n".getBytes());
            put(z, "META-INF/VIGIE.RSA", new byte[64]);
            put(z, "bundles/a.jar", TestDps.bundle("a", "1.0.0", null));
        }
        assertEquals("evil", x86.inspect(p).name(), "the spec's layout of a signed package");
        refused(dp("late-sig.dp", manifest(bundle("bundles/a.jar")), "META-INF/VIGIE.SF"),
                "entry 'META-INF/VIGIE.SF' is not named in the manifest");
    }

    @Test
    void aZipBombIsRefusedAfterInflatingLittle() throws Exception {
        assertTrue(Files.size(bomb) < MIB, "a small upload: " + Files.size(bomb));
        OtaException e = refused(bomb, "zip bomb: entry 'res/zeros.bin' inflates to more than 100 times");
        long inflated = assertInstanceOf(DpInspector.LimitExceeded.class, e).inflated;
        assertTrue(inflated <= 2 * MIB, "stopped early, after " + inflated + " bytes (512 MiB inside)");
    }

    @Test
    void withoutTheRatioCheckTheTotalCapStopsItAtTheCap() throws Exception {
        DpInspector.Limits cap = new DpInspector.Limits(1000, 256 * 1024, 16 * MIB, 0, MIB);
        OtaException e = assertThrows(OtaException.class, () -> new DpInspector("x86-64", cap).inspect(bomb));
        assertTrue(e.getMessage().contains("package inflates to more than 16 MiB (the cap)"), e.getMessage());
        long inflated = assertInstanceOf(DpInspector.LimitExceeded.class, e).inflated;
        assertEquals(16 * MIB + 1, inflated, "not a byte inflated past the cap but the one that shows it");
        // the default cap follows max.package.mb; nonsense is no limit
        assertEquals(64 * MIB, DpInspector.Limits.forMaxPackageBytes(64 * MIB).maxTotalBytes());
        assertThrows(IllegalArgumentException.class, () -> DpInspector.Limits.forMaxPackageBytes(0));
    }

    @Test
    void manySmallBombsAddUp() throws Exception {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < 200; i++) names.add("res/z" + i + ".bin");
        Path p = tmp.resolve("many.dp");
        try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(p))) {
            List<String> sections = new ArrayList<>(List.of(bundle("bundles/a.jar")));
            names.forEach(n -> sections.add(resource(n)));
            put(z, DpInspector.MANIFEST, manifest(sections.toArray(String[]::new)).getBytes());
            put(z, "bundles/a.jar", TestDps.bundle("a", "1.0.0", null));
            for (String n : names) put(z, n, new byte[64 * 1024]); // each under the per-entry floor
        }
        refused(p, "zip bomb: the package inflates to more than 100 times its size");
    }

    @Test
    void tooManyEntries() throws Exception {
        List<String> names = new ArrayList<>();
        List<String> sections = new ArrayList<>(List.of(bundle("bundles/a.jar")));
        for (int i = 0; i < DpInspector.Limits.ENTRIES; i++) {
            names.add("r/" + i);
            sections.add(resource("r/" + i));
        }
        refused(dp("many.dp", manifest(sections.toArray(String[]::new)), names.toArray(String[]::new)),
                "too many entries: 1002 (at most 1000)");
    }

    @Test
    void aHugeManifestIsRefused() throws Exception {
        StringBuilder pad = new StringBuilder(bundle("bundles/a.jar"));
        for (int i = 0; i < 5000; i++) pad.append("X-Pad-").append(i).append(": ").append("p".repeat(50)).append("\r\n");
        refused(dp("huge.dp", manifest(pad.toString())), "the manifest is larger than 256 KiB");
    }

    @Test
    void aHugeBundleManifestIsRefused() throws Exception {
        StringBuilder pad = new StringBuilder();
        for (int i = 0; i < 5000; i++) pad.append("p".repeat(60));
        Path p = tmp.resolve("nested.dp");
        try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(p))) {
            put(z, DpInspector.MANIFEST, manifest(bundle("bundles/a.jar")).getBytes());
            java.io.ByteArrayOutputStream jar = new java.io.ByteArrayOutputStream();
            try (ZipOutputStream j = new ZipOutputStream(jar)) {
                put(j, DpInspector.MANIFEST, ("Manifest-Version: 1.0\r\nBundle-SymbolicName: a\r\nBundle-Version: 1.0.0\r\n"
                        + "X-Pad: " + pad.substring(0, 60) + "\r\n" + (" " + pad.substring(0, 60) + "\r\n").repeat(5000))
                        .getBytes());
            }
            put(z, "bundles/a.jar", jar.toByteArray());
        }
        refused(p, "the manifest of 'bundles/a.jar' is larger than");
    }
}
