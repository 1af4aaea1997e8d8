package io.vigie.ota.core;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Properties;
import java.util.TreeSet;

/**
 * The installed packages on disk: {@code <dir>/<name>.dp} plus an index {@code dpa.properties}
 * ({@code <name>=<file>}, like Kura's, and {@code <name>.version}, {@code <name>.kind},
 * {@code <name>.sha256}). Re-installed at start in {@link #installOrder()}: core first, then the
 * others (models need the core's API), each group by name. Writes are atomic (temp + move).
 */
public final class DpStore {
    public static final String INDEX = "dpa.properties";

    public record Entry(String name, Path file, String version, String kind, String sha256) {
    }

    private final Path dir;

    public DpStore(Path dir) throws IOException {
        this.dir = Files.createDirectories(dir);
    }

    public Path dir() {
        return dir;
    }

    private Properties load() throws IOException {
        Properties p = new Properties();
        Path idx = dir.resolve(INDEX);
        if (Files.isRegularFile(idx)) {
            try (Reader r = Files.newBufferedReader(idx, StandardCharsets.UTF_8)) {
                p.load(r);
            }
        }
        return p;
    }

    private void save(Properties p) throws IOException {
        Path tmp = dir.resolve(INDEX + ".tmp");
        try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
            p.store(w, "Vigie installed deployment packages");
        }
        Files.move(tmp, dir.resolve(INDEX), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** Keeps a copy of an installed package (the caller's file is left alone) and indexes it. */
    public synchronized Entry put(DpInfo info, Path source, String sha256) throws IOException {
        Path target = dir.resolve(info.name() + ".dp");
        Path tmp = dir.resolve(info.name() + ".dp.tmp");
        Files.copy(source, tmp, StandardCopyOption.REPLACE_EXISTING);
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        Properties p = load();
        p.setProperty(info.name(), target.getFileName().toString());
        p.setProperty(info.name() + ".version", info.version());
        p.setProperty(info.name() + ".kind", info.kind() == null ? "" : info.kind());
        p.setProperty(info.name() + ".sha256", sha256);
        save(p);
        return new Entry(info.name(), target, info.version(), info.kind(), sha256);
    }

    public synchronized void remove(String name) throws IOException {
        Properties p = load();
        String file = p.getProperty(name);
        for (String suffix : new String[] { "", ".version", ".kind", ".sha256" }) p.remove(name + suffix);
        save(p);
        if (file != null) Files.deleteIfExists(dir.resolve(file));
    }

    public synchronized List<Entry> entries() throws IOException {
        Properties p = load();
        List<Entry> out = new ArrayList<>();
        for (String k : new TreeSet<>(p.stringPropertyNames())) {
            if (k.endsWith(".version") || k.endsWith(".kind") || k.endsWith(".sha256")) continue;
            out.add(new Entry(k, dir.resolve(p.getProperty(k)), p.getProperty(k + ".version"), p.getProperty(k + ".kind"),
                    p.getProperty(k + ".sha256")));
        }
        return out;
    }

    /** Dependency-safe order: core before models and anything else. */
    public List<Entry> installOrder() throws IOException {
        List<Entry> l = entries();
        l.sort(Comparator.comparing((Entry e) -> "core".equals(e.kind()) ? 0 : 1).thenComparing(Entry::name));
        return l;
    }
}
