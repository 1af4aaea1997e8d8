package io.vigie.ota.core;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStreamWriter;
import java.io.Reader;
import java.io.Writer;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The installed packages on disk, crash-consistent. Each package file is written once under its own name
 * ({@code <name>@<random>.dp}: to a temp name, fsync'd, renamed, directory fsync'd) and never changed; the index
 * {@code dpa.properties} ({@code <name>=<file>}, like Kura's, and {@code <name>.version}, {@code <name>.kind},
 * {@code <name>.sha256}) is the commit point, replaced atomically (temp, fsync, atomic move, directory fsync); a
 * file leaves the disk only once no index names it. A power cut at any point therefore leaves indexes that name
 * complete files. {@code <name>.dp} is a hard link to (or, where links are not supported, a copy of) the current
 * file, for readers that go by name.
 * <p>
 * An update keeps the package it replaces as the previous one, indexed in {@code dpa-previous.properties} (a
 * separate file so {@code dpa.properties} stays Kura's format): the automatic rollback re-installs it
 * ({@link #revert}), and {@link #installOrder()} (the start-up restore) falls back to it when the current file is
 * missing or does not match its sha256. Re-installed at start in {@link #installOrder()}: core first, then the
 * others (models need the core's API), each group by name.
 * <p>
 * Pending-verdict markers ({@code dpa-pending.properties}, {@link #markPending}) remember installs whose health was
 * not judged yet: one still there at start names a package that killed the process or never proved healthy.
 */
public final class DpStore {
    public static final String INDEX = "dpa.properties";
    public static final String PREVIOUS_INDEX = "dpa-previous.properties";
    public static final String PENDING_INDEX = "dpa-pending.properties";
    private static final Logger LOG = LoggerFactory.getLogger(DpStore.class);
    private static final String TMP = ".tmp";
    private static final String[] SUFFIXES = { ".version", ".kind", ".sha256", ".since" };

    public record Entry(String name, Path file, String version, String kind, String sha256) {
    }

    /** An install whose health verdict is still to come, written before DeploymentAdmin gets the package. */
    public record Pending(String name, String version, String sha256, long since) {
    }

    /** Called after each durable step of a write: the tests stop there, as a power cut would. */
    @FunctionalInterface
    interface Steps {
        void done(String step) throws IOException;
    }

    private final Path dir;
    private final Steps steps;

    /** Opens the store, finishing or undoing what a crash interrupted (temp files, unreferenced files, links). */
    public DpStore(Path dir) throws IOException {
        this(dir, step -> {
        });
    }

    DpStore(Path dir, Steps steps) throws IOException {
        this.dir = Files.createDirectories(dir);
        this.steps = steps;
        synchronized (this) {
            recover(false);
        }
    }

    public Path dir() {
        return dir;
    }

    // ---- reading

    /** The package an update replaced (kept for the rollback), if any. */
    public synchronized Optional<Entry> previous(String name) throws IOException {
        return present(entry(load(PREVIOUS_INDEX), name));
    }

    /** The stored package of that name, if its file is there. */
    public synchronized Optional<Entry> current(String name) throws IOException {
        return present(entry(load(INDEX), name));
    }

    private static Optional<Entry> present(Entry e) {
        return e != null && Files.isRegularFile(e.file()) ? Optional.of(e) : Optional.empty();
    }

    public synchronized List<Entry> entries() throws IOException {
        Properties p = load(INDEX);
        List<Entry> out = new ArrayList<>();
        for (String k : names(p)) out.add(entry(p, k));
        return out;
    }

    /**
     * Dependency-safe order (core before models and anything else) of the packages to re-install at start. Every
     * file is checked against its sha256 first: a current file missing or damaged gives way to the previous package
     * when that one is sound (and the index says so from then on); with nothing sound to fall back to, the entry
     * stays as it is, for the restore to report.
     */
    public synchronized List<Entry> installOrder() throws IOException {
        recover(true);
        List<Entry> l = entries();
        l.sort(Comparator.comparing((Entry e) -> "core".equals(e.kind()) ? 0 : 1).thenComparing(Entry::name));
        return l;
    }

    // ---- writing

    /** Keeps a copy of an installed package (the caller's file is left alone) and makes it the current one. */
    public synchronized Entry put(DpInfo info, Path source, String sha256) throws IOException {
        Path file = keep(source, info.name());
        Properties cur = load(INDEX);
        Entry replaced = entry(cur, info.name());
        if (replaced != null && Files.isRegularFile(replaced.file())) {
            // the rollback's way back; indexed before the switch, so no moment has neither
            Properties prev = load(PREVIOUS_INDEX);
            index(prev, ownFile(replaced));
            save(prev, PREVIOUS_INDEX);
        }
        Entry now = new Entry(info.name(), file, info.version(), info.kind(), sha256);
        index(cur, now);
        save(cur, INDEX);
        link(now);
        collect();
        return now;
    }

    /**
     * After a rollback re-installed the previous package: it becomes the current one again (the failed one is
     * deleted), and there is no previous any more.
     */
    public synchronized Entry revert(String name) throws IOException {
        Properties prev = load(PREVIOUS_INDEX);
        Entry old = entry(prev, name);
        if (old == null || !Files.isRegularFile(old.file())) throw new IOException("no previous package kept for " + name);
        Properties cur = load(INDEX);
        index(cur, old);
        save(cur, INDEX);
        unindex(prev, name);
        save(prev, PREVIOUS_INDEX);
        link(old);
        collect();
        return old;
    }

    public synchronized void remove(String name) throws IOException {
        Properties cur = load(INDEX);
        unindex(cur, name);
        save(cur, INDEX);
        Properties prev = load(PREVIOUS_INDEX);
        if (prev.getProperty(name) != null) {
            unindex(prev, name);
            save(prev, PREVIOUS_INDEX);
        }
        collect();
    }

    // ---- pending verdicts

    /** Before an install: the package is on trial until {@link #clearPending} (healthy, or rolled back). */
    public synchronized void markPending(String name, String version, String sha256, long since) throws IOException {
        Properties p = load(PENDING_INDEX);
        p.setProperty(name, sha256 == null ? "" : sha256);
        p.setProperty(name + ".version", version == null ? "" : version);
        p.setProperty(name + ".since", Long.toString(since));
        save(p, PENDING_INDEX);
    }

    public synchronized void clearPending(String name) throws IOException {
        Properties p = load(PENDING_INDEX);
        if (p.getProperty(name) == null) return;
        p.remove(name);
        p.remove(name + ".version");
        p.remove(name + ".since");
        save(p, PENDING_INDEX);
    }

    /** Every marker, by name. */
    public synchronized List<Pending> pending() throws IOException {
        Properties p = load(PENDING_INDEX);
        List<Pending> out = new ArrayList<>();
        for (String n : names(p)) {
            long since;
            try {
                since = Long.parseLong(p.getProperty(n + ".since", "0"));
            } catch (NumberFormatException e) {
                since = 0;
            }
            out.add(new Pending(n, p.getProperty(n + ".version"), p.getProperty(n), since));
        }
        return out;
    }

    /**
     * At start: the markers whose package is the stored current one, i.e. installed and kept but never judged
     * healthy; those are to be rolled back. A marker whose package is not the current one names an install that
     * never reached the store (the stored package is still the one before it).
     */
    public synchronized List<Pending> unjudged() throws IOException {
        Properties cur = load(INDEX);
        List<Pending> out = new ArrayList<>();
        for (Pending p : pending()) {
            Entry e = entry(cur, p.name());
            if (e != null && e.sha256() != null && !e.sha256().isEmpty() && e.sha256().equals(p.sha256())) out.add(p);
        }
        return out;
    }

    // ---- recovery

    /**
     * Brings the directory back to what the indexes say: temp files deleted, a current package that is missing (or,
     * with {@code hashes}, does not match its sha256) replaced by a sound previous one, previous entries without a
     * sound file or without a current one dropped, files no index names deleted, links refreshed.
     */
    private void recover(boolean hashes) throws IOException {
        Properties cur = load(INDEX);
        Properties prev = load(PREVIOUS_INDEX);
        boolean curChanged = false;
        boolean prevChanged = false;
        for (String name : names(cur)) {
            Entry c = entry(cur, name);
            Entry p = entry(prev, name);
            boolean curSound = sound(c, hashes);
            // the previous file is hashed only when it is needed now; the rollback checks it again anyway
            boolean prevSound = p != null && sound(p, hashes && !curSound);
            if (!curSound && prevSound) {
                LOG.warn("OTA store: {} {} ({}) is missing or damaged: back to the previous package {}", name, c.version(),
                        c.file().getFileName(), p.version());
                index(cur, p);
                unindex(prev, name);
                curChanged = prevChanged = true;
            } else if (p != null && !prevSound) {
                LOG.warn("OTA store: previous package of {} ({}) is missing or damaged: dropped", name, p.file().getFileName());
                unindex(prev, name);
                prevChanged = true;
            }
        }
        for (String name : names(prev)) {
            if (cur.getProperty(name) == null) { // a remove() cut short
                unindex(prev, name);
                prevChanged = true;
            }
        }
        if (curChanged) save(cur, INDEX);
        if (prevChanged) save(prev, PREVIOUS_INDEX);
        for (String name : names(cur)) link(entry(cur, name));
        collect();
    }

    private static boolean sound(Entry e, boolean hashes) throws IOException {
        if (!Files.isRegularFile(e.file())) return false;
        if (!hashes || e.sha256() == null || e.sha256().isEmpty()) return true;
        return HashSpec.sha256(e.file()).equalsIgnoreCase(e.sha256());
    }

    /** Deletes temp files and the package files no index names (what a write replaced, or a crash left). */
    private void collect() throws IOException {
        Set<String> keep = new HashSet<>();
        for (String index : new String[] { INDEX, PREVIOUS_INDEX }) {
            Properties p = load(index);
            for (String n : names(p)) {
                keep.add(p.getProperty(n));
                if (index.equals(INDEX)) keep.add(alias(n).getFileName().toString());
            }
        }
        List<Path> gone = new ArrayList<>();
        try (var files = Files.list(dir)) {
            files.filter(Files::isRegularFile).filter(f -> {
                String n = f.getFileName().toString();
                return n.endsWith(TMP) || n.endsWith(".dp") && !keep.contains(n);
            }).forEach(gone::add);
        }
        for (Path f : gone) Files.deleteIfExists(f);
        if (!gone.isEmpty()) {
            syncDir();
            steps.done("retired");
        }
    }

    // ---- files

    /** Copies the package to a name of its own, durably: temp, fsync, rename, directory fsync. */
    private Path keep(Path source, String name) throws IOException {
        Path tmp = Files.createTempFile(dir, name + "@", ".dp" + TMP);
        try (InputStream in = Files.newInputStream(source);
                FileChannel out = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0;) {
                ByteBuffer bb = ByteBuffer.wrap(buf, 0, n);
                while (bb.hasRemaining()) out.write(bb);
            }
            out.force(true);
        }
        steps.done("file written");
        String t = tmp.getFileName().toString();
        Path file = tmp.resolveSibling(t.substring(0, t.length() - TMP.length()));
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
        syncDir();
        steps.done("file named");
        return file;
    }

    /** The entry with a file of its own: an index written by an earlier version names {@code <name>.dp} itself. */
    private Entry ownFile(Entry e) throws IOException {
        if (!e.file().equals(alias(e.name()))) return e;
        Path tmp = Files.createTempFile(dir, e.name() + "@", ".dp" + TMP);
        Files.delete(tmp);
        String t = tmp.getFileName().toString();
        Path own = tmp.resolveSibling(t.substring(0, t.length() - TMP.length()));
        linkOrCopy(e.file(), own);
        syncDir();
        steps.done("own file");
        return new Entry(e.name(), own, e.version(), e.kind(), e.sha256());
    }

    private Path alias(String name) {
        return dir.resolve(name + ".dp");
    }

    /** Points {@code <name>.dp} at the current file (atomically replaced). */
    private void link(Entry e) throws IOException {
        Path alias = alias(e.name());
        if (e.file().equals(alias) || !Files.isRegularFile(e.file())) return;
        if (Files.isRegularFile(alias) && (Files.isSameFile(alias, e.file())
                || Files.size(alias) == Files.size(e.file()) && Files.mismatch(alias, e.file()) < 0)) return;
        Path tmp = dir.resolve(e.name() + ".dp.link" + TMP);
        Files.deleteIfExists(tmp);
        linkOrCopy(e.file(), tmp);
        Files.move(tmp, alias, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        syncDir();
        steps.done("linked");
    }

    private static void linkOrCopy(Path target, Path link) throws IOException {
        try {
            Files.createLink(link, target);
        } catch (UnsupportedOperationException | FileSystemException e) {
            // no hard links here (FAT): a durable copy
            Files.copy(target, link, StandardCopyOption.REPLACE_EXISTING);
            fsync(link);
        }
    }

    private static void fsync(Path file) throws IOException {
        try (FileChannel c = FileChannel.open(file, StandardOpenOption.WRITE)) {
            c.force(true);
        }
    }

    /** Makes renames and deletions in the store durable. */
    private void syncDir() {
        try (FileChannel c = FileChannel.open(dir, StandardOpenOption.READ)) {
            c.force(true);
        } catch (IOException e) {
            // some systems cannot open a directory: their renames are as durable as they get
        }
    }

    // ---- indexes

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

    /** Replaces an index atomically and durably: temp, fsync, atomic move, directory fsync. */
    private void save(Properties p, String index) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (Writer w = new OutputStreamWriter(bytes, StandardCharsets.UTF_8)) {
            p.store(w, "Vigie installed deployment packages");
        }
        Path tmp = dir.resolve(index + TMP);
        try (FileChannel c = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer bb = ByteBuffer.wrap(bytes.toByteArray());
            while (bb.hasRemaining()) c.write(bb);
            c.force(true);
        }
        steps.done(index + " written");
        Files.move(tmp, dir.resolve(index), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        syncDir();
        steps.done(index + " switched");
    }

    /** Package names in an index: the keys without a known suffix. */
    private static Set<String> names(Properties p) {
        Set<String> out = new TreeSet<>();
        for (String k : p.stringPropertyNames()) {
            boolean attribute = false;
            for (String s : SUFFIXES) attribute |= k.endsWith(s);
            if (!attribute) out.add(k);
        }
        return out;
    }

    private Entry entry(Properties p, String name) {
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
        p.remove(name);
        for (String suffix : SUFFIXES) p.remove(name + suffix);
    }
}
