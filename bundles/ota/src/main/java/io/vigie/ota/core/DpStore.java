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
 * <p>
 * An update keeps the package it replaces as {@code <name>.prev.dp}, indexed in
 * {@code dpa-previous.properties} (a separate file so {@code dpa.properties} stays Kura's format):
 * the automatic rollback re-installs it ({@link #revert}).
 */
public final class DpStore {
    public static final String INDEX = "dpa.properties";
    public static final String PREVIOUS_INDEX = "dpa-previous.properties";

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
        return load(INDEX);
    }

    private Properties load(String index) throws IOException {
        Properties p = new Properties();
        Path idx = dir.resolve(index);
        if (Files.isRegularFile(idx)) {
            try (Reader r = Files.newBufferedReader(idx, StandardCharsets.UTF_8)) {
                p.load(r);
            }
        }
        return p;
    }

    private void save(Properties p) throws IOException {
        save(p, INDEX);
    }

    private void save(Properties p, String index) throws IOException {
        Path tmp = dir.resolve(index + ".tmp");
        try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
            p.store(w, "Vigie installed deployment packages");
        }
        Files.move(tmp, dir.resolve(index), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static Entry entry(Properties p, String name, Path dir) {
        String file = p.getProperty(name);
        return file == null ? null : new Entry(name, dir.resolve(file), p.getProperty(name + ".version"),
                p.getProperty(name + ".kind"), p.getProperty(name + ".sha256"));
    }

    private static void index(Properties p, Entry e) {
        p.setProperty(e.name(), e.file().getFileName().toString());
        p.setProperty(e.name() + ".version", e.version() == null ? "" : e.version());
        p.setProperty(e.name() + ".kind", e.kind() == null ? "" : e.kind());
        p.setProperty(e.name() + ".sha256", e.sha256() == null ? "" : e.sha256());
    }

    private static void unindex(Properties p, String name) {
        for (String suffix : new String[] { "", ".version", ".kind", ".sha256" }) p.remove(name + suffix);
    }

    /** The package an update replaced (kept for the rollback), if any. */
    public synchronized java.util.Optional<Entry> previous(String name) throws IOException {
        Entry e = entry(load(PREVIOUS_INDEX), name, dir);
        return e != null && Files.isRegularFile(e.file()) ? java.util.Optional.of(e) : java.util.Optional.empty();
    }

    /**
     * After a rollback re-installed the previous package: it becomes the current one again (the
     * failed one is deleted), and there is no previous any more.
     */
    public synchronized Entry revert(String name) throws IOException {
        Properties prev = load(PREVIOUS_INDEX);
        Entry old = entry(prev, name, dir);
        if (old == null || !Files.isRegularFile(old.file())) throw new IOException("no previous package kept for " + name);
        Path target = dir.resolve(name + ".dp");
        Files.move(old.file(), target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        Entry back = new Entry(name, target, old.version(), old.kind(), old.sha256());
        Properties p = load();
        index(p, back);
        save(p);
        unindex(prev, name);
        save(prev, PREVIOUS_INDEX);
        return back;
    }

    /** Keeps a copy of an installed package (the caller's file is left alone) and indexes it. */
    public synchronized Entry put(DpInfo info, Path source, String sha256) throws IOException {
        Path target = dir.resolve(info.name() + ".dp");
        Path tmp = dir.resolve(info.name() + ".dp.tmp");
        Files.copy(source, tmp, StandardCopyOption.REPLACE_EXISTING);
        Properties p = load();
        Entry current = entry(p, info.name(), dir);
        if (current != null && Files.isRegularFile(current.file())) {
            // keep what this update replaces: the rollback's way back
            Path prevFile = dir.resolve(info.name() + ".prev.dp");
            Files.move(current.file(), prevFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            Properties prev = load(PREVIOUS_INDEX);
            index(prev, new Entry(info.name(), prevFile, current.version(), current.kind(), current.sha256()));
            save(prev, PREVIOUS_INDEX);
        }
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
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
        unindex(p, name);
        save(p);
        if (file != null) Files.deleteIfExists(dir.resolve(file));
        Properties prev = load(PREVIOUS_INDEX);
        String prevFile = prev.getProperty(name);
        if (prevFile != null) {
            unindex(prev, name);
            save(prev, PREVIOUS_INDEX);
            Files.deleteIfExists(dir.resolve(prevFile));
        }
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
