package io.vigie.tools.release;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/** SHA-256 of bytes, files and folders (a stage's inputs are recorded by hash, so a re-run shows what changed). */
final class Hashes {
    private Hashes() {
    }

    static String sha256(byte[] bytes) {
        return HexFormat.of().formatHex(digest().digest(bytes));
    }

    /** {@link #sha256(Path)}, or "missing" (a stage records what it found, absent inputs included). */
    static String orMissing(Path p) throws IOException {
        return Files.exists(p) ? sha256(p) : "missing";
    }

    /** A file's SHA-256; a folder's is the SHA-256 of "relative-path sha256\n" lines of its files, sorted. */
    static String sha256(Path p) throws IOException {
        if (Files.isDirectory(p)) {
            MessageDigest d = digest();
            List<Path> files;
            try (Stream<Path> s = Files.walk(p)) {
                files = s.filter(Files::isRegularFile).sorted().toList();
            }
            for (Path f : files)
                d.update((p.relativize(f).toString().replace('\\', '/') + " " + sha256(f) + "\n")
                        .getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d.digest());
        }
        MessageDigest d = digest();
        try (InputStream in = Files.newInputStream(p)) {
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0;) d.update(buf, 0, n);
        }
        return HexFormat.of().formatHex(d.digest());
    }

    private static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
