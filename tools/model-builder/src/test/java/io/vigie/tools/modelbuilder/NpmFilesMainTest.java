package io.vigie.tools.modelbuilder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPOutputStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NpmFilesMainTest {
    @TempDir
    Path dir;

    /** A one-entry ustar .tgz, as npm pack writes. */
    private Path tgz(String name, byte[] content) throws IOException {
        ByteArrayOutputStream tar = new ByteArrayOutputStream();
        byte[] h = new byte[512];
        byte[] n = name.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(n, 0, h, 0, n.length);
        byte[] size = String.format("%011o", content.length).getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(size, 0, h, 124, size.length);
        h[156] = '0';
        tar.write(h);
        tar.write(content);
        tar.write(new byte[(512 - content.length % 512) % 512]);
        tar.write(new byte[1024]);
        Path p = dir.resolve("p.tgz");
        try (GZIPOutputStream gz = new GZIPOutputStream(Files.newOutputStream(p))) {
            gz.write(tar.toByteArray());
        }
        return p;
    }

    @Test
    void extractsOnlyWhatMatchesItsPin() throws Exception {
        byte[] js = "/* chart */".getBytes(StandardCharsets.UTF_8);
        Path p = tgz("package/dist/c.min.js", js);
        Path out = dir.resolve("ui");
        NpmFilesMain.extract(p, List.of(new NpmFilesMain.Pinned("package/dist/c.min.js", Sha256.hex(js), "c.min.js")), out);
        assertArrayEquals(js, Files.readAllBytes(out.resolve("c.min.js")));
        String wrong = "0".repeat(64);
        assertThrows(HashMismatchException.class, () -> NpmFilesMain.extract(p,
                List.of(new NpmFilesMain.Pinned("package/dist/c.min.js", wrong, "bad.js")), out));
        assertFalse(Files.exists(out.resolve("bad.js")), "nothing written on a mismatch");
    }

    @Test
    void badPinsAreRefused() {
        for (String s : List.of("a=b", "e=" + "0".repeat(64) + "=../x", "e=XYZ=n", "=" + "0".repeat(64) + "=n")) {
            assertThrows(IllegalArgumentException.class, () -> NpmFilesMain.Pinned.parse(s), s);
        }
    }
}
