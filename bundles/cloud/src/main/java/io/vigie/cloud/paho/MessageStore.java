package io.vigie.cloud.paho;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.h2.mvstore.Cursor;
import org.h2.mvstore.DataUtils;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;
import org.h2.mvstore.MVStoreException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Durable store-and-forward queue in an embedded H2 MVStore file (H2's transactional storage engine, used directly:
 * the queue needs ordered keys, not SQL). A message is in the file when {@link #store} returns (one MVStore commit per
 * message: the chunk is written before the call returns, so it survives a process kill; not fsync'd per message, so
 * an OS crash may lose the last moments). Messages leave the store only through {@link #markPublished} (the broker
 * confirmed) or the counted drop policy.
 *
 * <p>Priority follows Kura: 0 is the most important; higher numbers are less important. The queue's key is
 * {@code priority << 40 | id}, so key order is the sending order: priority, then FIFO (id). When full, or too old,
 * the least important then oldest messages are dropped first.
 *
 * <p>In-flight messages (handed out by {@link #nextBatch}, not yet confirmed) are tracked in memory only: after a
 * restart or {@link #releaseInFlight} they are sent again, so delivery is at-least-once.
 *
 * <p>File size: every commit appends a chunk, and MVStore keeps freed chunks for its retention time (45 s, longer than
 * Linux keeps dirty pages, so a power cut cannot leave the file pointing at overwritten data). Live entries scattered
 * over many small chunks are moved together by an incremental compaction every {@value #COMPACT_EVERY} commits
 * (at most once a second): the H2 SQL table this replaces, with no background compaction when every insert is
 * committed at once, grew by ~7 kB per waiting message (see bundles/cloud/README.md).
 *
 * <p>The store never fails because of its file (the cloud connection must not stay down for it): a file MVStore cannot
 * read is moved aside ({@code queue.mv.db.damaged-TIME}, newest {@link Limits#keepDamaged} kept) and a fresh one
 * opened; a file that cannot be opened or written (no space, I/O error, locked) gives way to a bounded in-memory queue,
 * and the file is tried again every {@link Limits#fileRetryMs}. Both are logged, counted and described by
 * {@link #notice()} / {@link #status()}.
 */
public final class MessageStore implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(MessageStore.class);

    /** The store's file in its folder. */
    public static final String FILE_NAME = "queue.mv.db";
    static final int PRIORITY_SHIFT = 40;
    /** Keys stay positive longs: 23 bits of priority above 40 bits of id. */
    public static final int MAX_PRIORITY = (1 << 23) - 1;
    private static final long ID_MASK = (1L << PRIORITY_SHIFT) - 1;
    private static final int COMPACT_EVERY = 100;
    private static final long COMPACT_MIN_INTERVAL_NS = 1_000_000_000L;
    private static final byte RECORD_VERSION = 1;
    /** A damaged file is renamed queue.mv.db.damaged-20261207T012400123Z (UTC, sortable). */
    static final String DAMAGED_SUFFIX = ".damaged-";
    private static final DateTimeFormatter DAMAGED_STAMP =
            DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmssSSS'Z'").withZone(ZoneOffset.UTC);

    /** Thrown when a message cannot be stored; the caller's message was not accepted. */
    public static final class StoreException extends Exception {
        private static final long serialVersionUID = 1L;

        public StoreException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** The open store: the file, or after a file failure the in-memory fallback (see {@link #toMemory}). */
    private MVStore mv;
    /** key (priority, id) → encoded message (created, qos, retain, topic, payload). */
    private MVMap<Long, byte[]> queue;
    /** "next.id": ids are never reused, even after the queue was empty and the gateway restarted. */
    private MVMap<String, Long> meta;
    private final Path dir;
    /** MVStore file name: the store file, with an H2 file-system prefix in tests that inject I/O failures. */
    private final String fileName;
    private final int capacity;
    private final long maxAgeMs;
    private final LongSupplier clock;
    private final Limits limits;
    /** id → key of the messages handed out and not yet confirmed. */
    private final Map<Long, Long> inFlight = new HashMap<>();
    /**
     * Keys of confirmed messages not yet deleted: deletes are grouped into one commit (see {@link #markPublished}).
     * Logically gone already: {@link #size} excludes them, and every read or drop decision flushes them first.
     */
    private final List<Long> confirmedPending = new ArrayList<>();
    private static final int MAX_PENDING_DELETES = 256;
    private final AtomicLong droppedCapacity = new AtomicLong();
    private final AtomicLong droppedAge = new AtomicLong();
    private final AtomicLong refusedFull = new AtomicLong();
    private final AtomicLong damagedMovedAside = new AtomicLong();
    private final AtomicLong memoryFallbacks = new AtomicLong();
    private final AtomicLong droppedMemory = new AtomicLong();
    private long nextId;
    private int commitsSinceCompact;
    private long lastCompactNs = System.nanoTime();
    private long lastPurgeMs = Long.MIN_VALUE;

    // In-memory fallback state (meaningful while !onDisk).
    private boolean onDisk;
    /** False until the file was opened once in this process: its ids are then unknown (see {@link #backToDisk}). */
    private boolean fileIdsKnown;
    /** Bytes of the records held in memory (bounded by {@link Limits#memoryBytes}). */
    private long memoryBytes;
    /** Keys of file messages confirmed while the file is closed: deleted from it when it is back. */
    private final Set<Long> fileDeletes = new HashSet<>();
    /** Messages left waiting in the file when it failed (sent once it is back). */
    private int parkedInFile;
    /** 1 while a put awaits its commit: if that commit fails, the message is not in the file. */
    private int uncommittedPuts;
    private long nextFileAttemptNs;
    private volatile String notice = "";
    private volatile Path lastMovedAside;

    /** Tunables of the failure handling; tests shorten them. */
    static final class Limits {
        /** Retention of freed chunks (< 0: MVStore's default). */
        int retentionMs = -1;
        long compactMinIntervalNs = COMPACT_MIN_INTERVAL_NS;
        /** In-memory fallback bounds: messages (also at most the store capacity) and record bytes. */
        int memoryMessages = 10_000;
        long memoryBytes = 16L << 20;
        /** How often the file is tried again while in memory. */
        long fileRetryMs = 10_000;
        /** Damaged files kept beside the store for inspection (older ones deleted). */
        int keepDamaged = 3;
        /** Prefix of the MVStore file name (an H2 FilePath scheme); tests inject I/O failures with it. */
        String fileScheme = "";
    }

    /**
     * @param dir      folder of the store file (created if missing)
     * @param capacity maximum number of stored messages (> 0)
     * @param maxAgeMs messages older than this are dropped (<= 0: no age limit)
     * @param clock    epoch milliseconds (tests pass their own)
     */
    public MessageStore(Path dir, int capacity, long maxAgeMs, LongSupplier clock) {
        this(dir, capacity, maxAgeMs, clock, new Limits());
    }

    /**
     * @param retentionMs          how long freed chunks are kept (< 0: MVStore's default); tests shorten it
     * @param compactMinIntervalNs least time between two compactions; tests shorten it
     */
    MessageStore(Path dir, int capacity, long maxAgeMs, LongSupplier clock, int retentionMs, long compactMinIntervalNs) {
        this(dir, capacity, maxAgeMs, clock, limits(retentionMs, compactMinIntervalNs));
    }

    private static Limits limits(int retentionMs, long compactMinIntervalNs) {
        Limits l = new Limits();
        l.retentionMs = retentionMs;
        l.compactMinIntervalNs = compactMinIntervalNs;
        return l;
    }

    /**
     * Never fails because of the file: a damaged file is moved aside and a fresh one opened; a file that cannot be
     * opened at all (no space, locked by another process, no permission) leaves the store in memory until it can.
     */
    MessageStore(Path dir, int capacity, long maxAgeMs, LongSupplier clock, Limits limits) {
        if (capacity <= 0) {
            throw new IllegalArgumentException("store capacity must be > 0, got " + capacity);
        }
        this.dir = dir.toAbsolutePath();
        this.fileName = limits.fileScheme + this.dir.resolve(FILE_NAME);
        this.capacity = capacity;
        this.maxAgeMs = maxAgeMs;
        this.clock = clock;
        this.limits = limits;
        MVStore file = openFile();
        if (file != null) {
            attach(file, true);
            LOG.info("message store {} opened: {} message(s) waiting, capacity {}, max age {} ms", dir, queue.size(),
                    capacity, maxAgeMs);
        } else {
            nextId = 1L << (PRIORITY_SHIFT - 1); // above the file's ids in all likelihood; see backToDisk
            attach(memoryStore(), false);
            memoryFallbacks.incrementAndGet();
            nextFileAttemptNs = System.nanoTime() + limits.fileRetryMs * 1_000_000;
        }
    }

    private static MVStore memoryStore() {
        return new MVStore.Builder().autoCommitDisabled().open();
    }

    private void attach(MVStore s, boolean file) {
        mv = s;
        queue = s.openMap("queue");
        meta = s.openMap("meta");
        onDisk = file;
        if (file) {
            fileIdsKnown = true;
            Long next = meta.get("next.id");
            Long last = lastId();
            nextId = Math.max(nextId, Math.max(next == null ? 1 : next, last == null ? 1 : last + 1));
        }
    }

    /**
     * Opens the store file, or returns null (the notice says why). A file MVStore cannot read (damaged header,
     * truncated, garbage, unreadable pages) is moved aside, kept for inspection, and a fresh file is opened.
     */
    private MVStore openFile() {
        try {
            Files.createDirectories(dir);
        } catch (IOException | RuntimeException e) {
            setNotice("store folder " + dir + " cannot be created (" + e + "): messages kept in memory");
            return null;
        }
        Path f = dir.resolve(FILE_NAME);
        for (int attempt = 0;; attempt++) {
            MVStore s = null;
            try {
                boolean existed = Files.isRegularFile(f) && Files.size(f) > 0;
                s = openReadWrite(fileName);
                verify(s);
                if (existed && !cleanlyClosed(s)) {
                    // Not closed cleanly (kill, power cut, failed write): the tail may hold the head of a chunk that
                    // never completed. MVStore 2.2.224 reopened in place and written to may then take it for a live
                    // chunk at the next open ("Double mark", measured after a full disk). A copy into a fresh file
                    // has no such tail; it costs one read and one write of what waits.
                    s.closeImmediately();
                    s = null;
                    rebuild();
                    s = openReadWrite(fileName);
                    verify(s);
                }
                return s;
            } catch (IOException e) {
                closeQuietly(s);
                setNotice("store file " + fileName + " cannot be opened (" + describe(e)
                        + "): messages kept in memory until it can");
                return null;
            } catch (RuntimeException e) {
                closeQuietly(s);
                if (attempt > 0 || !damaged(e)) {
                    setNotice("store file " + fileName + " cannot be opened (" + describe(e)
                            + "): messages kept in memory until it can");
                    return null;
                }
                if (!moveAside(e)) {
                    return null;
                }
            }
        }
    }

    private MVStore openReadWrite(String name) {
        // Commits are explicit (one per stored message): no background writer that would acknowledge a message before
        // it is in the file. LZF page compression: most of a one-message chunk is MVStore's own metadata, which
        // compresses well (measured: a long outage's file 2.6x smaller, even with random payloads).
        MVStore s = new MVStore.Builder().fileName(name).autoCommitDisabled().compress().open();
        if (limits.retentionMs >= 0) {
            s.setRetentionTime(limits.retentionMs);
        }
        return s;
    }

    /** MVStore writes {@code clean:1} into the file header when it is closed, not after a crash. */
    private static boolean cleanlyClosed(MVStore s) {
        return "1".equals(String.valueOf(s.getFileStore().getStoreHeader().get("clean")));
    }

    /**
     * Copies the file's content into a fresh file (read-only open of the old one, fsync), then renames it over the
     * old one. Read errors are damage (MVStoreException, the caller moves the file aside); failing to write or rename
     * is not (IOException: the store stays in memory and tries again).
     */
    private void rebuild() throws IOException {
        Path f = dir.resolve(FILE_NAME), tmp = dir.resolve(FILE_NAME + ".rebuild");
        Files.deleteIfExists(tmp);
        MVStore old = new MVStore.Builder().fileName(fileName).readOnly().open();
        int n;
        try {
            MVStore fresh = openReadWrite(limits.fileScheme + tmp);
            try {
                MVMap<Long, byte[]> q = fresh.openMap("queue");
                MVMap<String, Long> m = fresh.openMap("meta");
                m.putAll(old.<String, Long>openMap("meta"));
                MVMap<Long, byte[]> oldQueue = old.openMap("queue");
                for (Cursor<Long, byte[]> c = oldQueue.cursor(null); c.hasNext();) {
                    Long k = c.next();
                    q.put(k, c.getValue());
                }
                n = q.size();
                fresh.commit();
                fresh.sync();
                fresh.close();
            } catch (MVStoreException e) {
                closeQuietly(fresh);
                Files.deleteIfExists(tmp);
                if (e.getErrorCode() == DataUtils.ERROR_WRITING_FAILED) {
                    throw new IOException("cannot write " + tmp + ": " + describe(e), e);
                }
                throw e;
            }
        } finally {
            old.close();
        }
        Files.move(tmp, f, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true); // the rename itself
        } catch (IOException e) {
            LOG.debug("store folder not synced: {}", e.toString());
        }
        LOG.info("message store: {} was not closed cleanly, rewritten into a fresh file ({} message(s))", f, n);
    }

    /** Reads every page of the queue once: damage anywhere in it shows now rather than in the middle of a drain. */
    private static void verify(MVStore s) {
        MVMap<Long, byte[]> q = s.openMap("queue");
        MVMap<String, Long> m = s.openMap("meta");
        m.get("next.id");
        for (Cursor<Long, byte[]> c = q.cursor(null); c.hasNext();) {
            c.next();
            c.getValue();
        }
    }

    /**
     * Damage, not circumstances: a locked file (another process), a failed write (no space) or a file we may not
     * read or write is left alone.
     */
    private boolean damaged(RuntimeException e) {
        Path f = dir.resolve(FILE_NAME);
        if (!Files.isRegularFile(f) || !Files.isReadable(f) || !Files.isWritable(f)) {
            return false;
        }
        if (e instanceof MVStoreException) {
            int code = ((MVStoreException) e).getErrorCode();
            return code != DataUtils.ERROR_FILE_LOCKED && code != DataUtils.ERROR_WRITING_FAILED;
        }
        return true; // e.g. a map of another type where ours should be: not our file any more
    }

    /** Renames the damaged file to queue.mv.db.damaged-TIME (kept for inspection), keeping the newest few. */
    private boolean moveAside(RuntimeException why) {
        Path f = dir.resolve(FILE_NAME);
        String stamp = DAMAGED_STAMP.format(Instant.ofEpochMilli(clock.getAsLong()));
        Path target = dir.resolve(FILE_NAME + DAMAGED_SUFFIX + stamp);
        for (int i = 2; Files.exists(target); i++) {
            target = dir.resolve(FILE_NAME + DAMAGED_SUFFIX + stamp + "-" + i);
        }
        try {
            Files.move(f, target);
        } catch (IOException | RuntimeException e) {
            setNotice("damaged store file " + f + " cannot be moved aside (" + e + "): messages kept in memory");
            return false;
        }
        long n = damagedMovedAside.incrementAndGet();
        lastMovedAside = target;
        setNotice("store file was damaged (" + describe(why) + "): moved to " + target.getFileName()
                + ", a fresh store opened; the messages waiting in it are not sent");
        LOG.error("message store: {} ({} damaged file(s) moved aside in this run)", notice, n);
        pruneDamaged();
        return true;
    }

    private void pruneDamaged() {
        try (Stream<Path> files = Files.list(dir)) {
            List<Path> kept = files.filter(p -> p.getFileName().toString().startsWith(FILE_NAME + DAMAGED_SUFFIX))
                    .sorted(Comparator.comparing(p -> p.getFileName().toString())).collect(Collectors.toList());
            for (Path old : kept.subList(0, Math.max(0, kept.size() - limits.keepDamaged))) {
                Files.deleteIfExists(old);
                LOG.warn("message store: deleted the old damaged file {} (keeping {})", old, limits.keepDamaged);
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("message store: old damaged files not pruned: {}", e.toString());
        }
    }

    /** The exception's message and its root cause's (MVStore's own message leaves out "No space left on device"). */
    private static String describe(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root == e ? e.getMessage() : e.getMessage() + ": " + root.getMessage();
    }

    private void setNotice(String text) {
        notice = text;
        LOG.warn("message store: {}", text);
    }

    private static void closeQuietly(MVStore s) {
        if (s != null) {
            try {
                s.closeImmediately();
            } catch (RuntimeException ignored) {
                // already broken: nothing more to release
            }
        }
    }

    /**
     * The file failed (no space, I/O error, damage found while running): new messages go to a bounded in-memory
     * queue; what waits in the file stays there and is sent once the file is back ({@link #backToDisk}).
     */
    private void toMemory(RuntimeException cause) {
        int parked;
        try {
            parked = Math.max(0, queue.size() - confirmedPending.size() - uncommittedPuts);
        } catch (RuntimeException e) {
            parked = 0;
        }
        closeQuietly(mv);
        fileDeletes.addAll(confirmedPending);
        confirmedPending.clear();
        parkedInFile = parked;
        uncommittedPuts = 0;
        memoryBytes = 0;
        attach(memoryStore(), false);
        long n = memoryFallbacks.incrementAndGet();
        nextFileAttemptNs = System.nanoTime() + limits.fileRetryMs * 1_000_000;
        setNotice("store file failed (" + describe(cause) + "): new messages kept in memory (at most "
                + memoryCapacity() + " messages / " + limits.memoryBytes + " B) until it can be written again; "
                + parked + " message(s) wait in the file");
        LOG.error("message store: switched to memory ({} time(s) in this run)", n, cause);
    }

    private int memoryCapacity() {
        return Math.min(capacity, limits.memoryMessages);
    }

    /**
     * While in memory, at most every {@link Limits#fileRetryMs}: reopens the file, deletes what was confirmed
     * meanwhile, moves the memory queue into it in one commit and switches back. Any failure: stay in memory.
     */
    private void backToDisk() {
        if (onDisk || System.nanoTime() - nextFileAttemptNs < 0) {
            return;
        }
        nextFileAttemptNs = System.nanoTime() + limits.fileRetryMs * 1_000_000;
        long damagedBefore = damagedMovedAside.get();
        MVStore file = openFile();
        if (file == null) {
            return;
        }
        try {
            MVMap<Long, byte[]> fq = file.openMap("queue");
            MVMap<String, Long> fm = file.openMap("meta");
            fileDeletes.forEach(fq::remove);
            long memFirst = Long.MAX_VALUE;
            for (Long k : queue.keySet()) {
                memFirst = Math.min(memFirst, idOf(k));
            }
            if (!fileIdsKnown) {
                // Memory ids were chosen without the file: renumber file messages that would collide (none of their
                // ids was handed out by this process). They then sort after the memory ones of their priority.
                List<Long> clash = new ArrayList<>();
                for (Long k : fq.keySet()) {
                    if (idOf(k) >= memFirst) {
                        clash.add(k);
                    }
                }
                for (Long k : clash) {
                    fq.put(key(priorityOf(k), nextId++), fq.remove(k));
                }
            }
            for (Cursor<Long, byte[]> c = queue.cursor(null); c.hasNext();) {
                Long k = c.next();
                fq.put(k, c.getValue());
            }
            Long fileNext = fm.get("next.id");
            nextId = Math.max(nextId, fileNext == null ? 1 : fileNext);
            fm.put("next.id", nextId);
            file.commit();
        } catch (RuntimeException e) {
            closeQuietly(file);
            LOG.warn("message store: file still not writable ({}), staying in memory", e.getMessage());
            return;
        }
        int moved = queue.size();
        MVStore memory = mv;
        attach(file, true);
        memory.close();
        fileDeletes.clear();
        parkedInFile = 0;
        memoryBytes = 0;
        trimToCapacity();
        if (damagedMovedAside.get() == damagedBefore) {
            notice = ""; // else the notice says which damaged file was moved aside
        }
        LOG.warn("message store: back on disk, {} message(s) moved from memory, {} waiting", moved, queue.size());
    }

    /** After the memory queue joined the file, the file may hold more than its capacity: drop as store() would. */
    private void trimToCapacity() {
        if (queue.size() <= capacity) {
            return;
        }
        while (queue.size() > capacity) {
            Long victim = leastImportant();
            remove(victim);
            inFlight.remove(idOf(victim));
            droppedCapacity.incrementAndGet();
        }
        LOG.warn("message store: above capacity after the memory queue joined the file, least important dropped"
                + " ({} dropped so far)", droppedCapacity.get());
        commitOrDegrade();
    }

    static long key(int priority, long id) {
        return ((long) priority << PRIORITY_SHIFT) | id;
    }

    private static int priorityOf(long key) {
        return (int) (key >>> PRIORITY_SHIFT);
    }

    private static long idOf(long key) {
        return key & ID_MASK;
    }

    /** The largest id in the queue (one look per priority present), or null when empty. */
    private Long lastId() {
        Long last = null;
        for (Long k = queue.firstKey(); k != null; k = queue.ceilingKey(key(priorityOf(k) + 1, 0))) {
            long top = queue.floorKey(key(priorityOf(k), ID_MASK));
            last = last == null ? idOf(top) : Math.max(last, idOf(top));
            if (priorityOf(k) == MAX_PRIORITY) {
                break;
            }
        }
        return last;
    }

    /**
     * Stores a message durably and returns its id. When the store is full the least important, oldest message is
     * dropped (counted, logged); if the new message is itself less important than everything stored, it is refused
     * instead. When the file cannot be written (no space, I/O error) the message is kept in memory instead (bounded,
     * same drop policy, counted separately) and the file is tried again every {@link Limits#fileRetryMs}.
     */
    public synchronized long store(String topic, byte[] payload, int qos, boolean retain, int priority)
            throws StoreException {
        if (topic == null || topic.isEmpty() || payload == null || qos < 0 || qos > 2 || priority < 0
                || priority > MAX_PRIORITY) {
            throw new IllegalArgumentException("invalid message: topic=" + topic + ", payload "
                    + (payload == null ? "null" : payload.length + " B") + ", qos=" + qos + ", priority=" + priority);
        }
        backToDisk();
        try {
            return put(topic, payload, qos, retain, priority);
        } catch (RuntimeException e) {
            // MVStore reports I/O and file errors as unchecked exceptions; the file is closed by then.
            if (!onDisk) {
                throw new StoreException("cannot store the message on " + topic + ": " + e.getMessage(), e);
            }
            toMemory(e);
            try {
                return put(topic, payload, qos, retain, priority);
            } catch (RuntimeException again) {
                again.addSuppressed(e);
                throw new StoreException("cannot store the message on " + topic + ": " + again.getMessage(), again);
            }
        }
    }

    private long put(String topic, byte[] payload, int qos, boolean retain, int priority) throws StoreException {
        flushConfirmed();
        // At most once a second on the hot path; nextBatch purges every time.
        long now = clock.getAsLong();
        if (now - lastPurgeMs >= 1000) {
            purge();
        }
        byte[] record = encode(topic, payload, qos, retain, clock.getAsLong());
        int cap = onDisk ? capacity : memoryCapacity();
        while (!queue.isEmpty() && (queue.size() >= cap
                || !onDisk && memoryBytes + record.length > limits.memoryBytes)) {
            Long victim = leastImportant();
            if (priorityOf(victim) < priority) {
                refusedFull.incrementAndGet();
                LOG.warn("message store full ({}{}), refused a priority {} message on {}: everything stored is"
                        + " more important", cap, onDisk ? "" : " in memory", priority, topic);
                throw new StoreException("message store full (" + cap + " messages of higher priority"
                        + (onDisk ? "" : ", in memory: the store file cannot be written") + ")", null);
            }
            StoredMessage v = decode(victim, remove(victim));
            inFlight.remove(idOf(victim));
            AtomicLong counter = onDisk ? droppedCapacity : droppedMemory;
            long n = counter.incrementAndGet();
            LOG.warn("message store full ({}{}): dropped message {} (priority {}, {}), {} dropped so far", cap,
                    onDisk ? "" : " in memory", v.id, v.priority, v.topic, n);
        }
        long id = nextId++;
        queue.put(key(priority, id), record);
        if (!onDisk) {
            memoryBytes += record.length;
        }
        meta.put("next.id", nextId);
        uncommittedPuts = 1;
        commit();
        uncommittedPuts = 0;
        return id;
    }

    /** Removes one entry (keeps the memory byte count). */
    private byte[] remove(long key) {
        byte[] v = queue.remove(key);
        if (!onDisk && v != null) {
            memoryBytes -= v.length;
        }
        return v;
    }

    /** A commit outside store(): on a file failure the store switches to memory (the caller's state is kept). */
    private void commitOrDegrade() {
        try {
            commit();
        } catch (RuntimeException e) {
            if (!onDisk) {
                throw e;
            }
            toMemory(e);
        }
    }

    /**
     * Up to {@code max} messages not in flight, by priority then id; they are marked in flight until
     * {@link #markPublished} or {@link #releaseInFlight}.
     */
    public synchronized List<StoredMessage> nextBatch(int max) throws StoreException {
        backToDisk();
        try {
            return batch(max);
        } catch (RuntimeException e) {
            if (!onDisk) {
                throw new StoreException("cannot read the message store: " + e.getMessage(), e);
            }
            toMemory(e);
            return batch(max);
        }
    }

    private List<StoredMessage> batch(int max) {
        List<StoredMessage> out = new ArrayList<>();
        List<Long> unreadable = new ArrayList<>();
        flushConfirmed();
        purge();
        // In-flight messages lead the order while unconfirmed: step past them.
        Cursor<Long, byte[]> c = queue.cursor(null);
        while (c.hasNext() && out.size() < max) {
            long k = c.next();
            if (inFlight.containsKey(idOf(k))) {
                continue;
            }
            try {
                out.add(decode(k, c.getValue()));
            } catch (IllegalStateException bad) {
                unreadable.add(k);
                LOG.error("message store: message {} cannot be read and is dropped: {}", idOf(k), bad.getMessage());
            }
        }
        if (!unreadable.isEmpty()) {
            // An unreadable record would otherwise block the queue forever.
            unreadable.forEach(this::remove);
            commit();
        }
        for (StoredMessage m : out) {
            inFlight.put(m.id, key(m.priority, m.id));
        }
        return out;
    }

    /**
     * The broker confirmed the message: remove it for good. The delete is grouped with others (one commit at the next
     * store/nextBatch, or every 256 confirmations): one commit per confirmation made the file grow by ~16 kB per
     * drained message (138 MB after draining 6000 messages, measured with tools/cloud-bench), because each commit
     * writes a new chunk that is kept for the 45 s retention time. A crash before the group is written re-sends those
     * messages: duplicates, which at-least-once allows. An id that is not in flight (already confirmed, dropped, or
     * from before a restart) changes nothing.
     */
    public synchronized void markPublished(long id) throws StoreException {
        Long key = inFlight.remove(id);
        if (key == null) {
            return;
        }
        confirmedPending.add(key);
        if (confirmedPending.size() >= MAX_PENDING_DELETES) {
            try {
                flushConfirmed();
            } catch (RuntimeException e) {
                if (!onDisk) {
                    throw new StoreException("cannot delete confirmed messages: " + e.getMessage(), e);
                }
                toMemory(e); // the pending deletes are kept for the file
            }
        }
    }

    /** Deletes the confirmed messages in one commit (in memory, those from the file are kept for it). */
    private void flushConfirmed() {
        if (confirmedPending.isEmpty()) {
            return;
        }
        for (Long k : confirmedPending) {
            if (remove(k) == null && !onDisk) {
                fileDeletes.add(k);
                parkedInFile = Math.max(0, parkedInFile - 1);
            }
        }
        commit();
        confirmedPending.clear();
    }

    private void commit() {
        mv.commit();
        long now = System.nanoTime();
        // At most once a second: under a burst with concurrent deletes every call finds chunks to rewrite, and
        // compacting every 100 commits cut the delivered rate from ~4900 to ~1700 msg/s (tools/cloud-bench).
        if (onDisk && ++commitsSinceCompact >= COMPACT_EVERY && now - lastCompactNs >= limits.compactMinIntervalNs) {
            commitsSinceCompact = 0;
            lastCompactNs = now;
            // Rewrite live pages of chunks under 80 % full, at most 1 MB per call (a few ms).
            mv.compact(80, 1 << 20);
        }
    }

    /** The connection was lost: unconfirmed messages become eligible again (sent again: at-least-once). */
    public synchronized void releaseInFlight() {
        inFlight.clear();
    }

    /** Messages waiting: in the store, plus (while in memory) those left in the file. */
    public synchronized int size() {
        return queue.size() - confirmedPending.size() + (onDisk ? 0 : parkedInFile);
    }

    public synchronized int inFlightCount() {
        return inFlight.size();
    }

    public long droppedForCapacity() {
        return droppedCapacity.get();
    }

    public long droppedForAge() {
        return droppedAge.get();
    }

    public long refusedWhenFull() {
        return refusedFull.get();
    }

    /** Damaged store files moved aside (and replaced by a fresh file) in this run. */
    public long damagedMovedAside() {
        return damagedMovedAside.get();
    }

    /** Times the store fell back to memory (file not openable or not writable) in this run. */
    public long memoryFallbacks() {
        return memoryFallbacks.get();
    }

    /** Messages dropped by the bounded in-memory queue (least important, oldest first). */
    public long droppedInMemory() {
        return droppedMemory.get();
    }

    /** True when messages go to the file; false while they are kept in memory. */
    public synchronized boolean onDisk() {
        return onDisk;
    }

    /** What went wrong with the file, for people; empty when the file is in use and nothing was repaired. */
    public String notice() {
        return notice;
    }

    /**
     * Health of the store for status and telemetry: {@code mode} ("file" | "memory"), {@code notice} (text, empty
     * when all is well), {@code waiting}, {@code parkedInFile}, {@code memoryBytes}, and the counters
     * {@code damagedMovedAside}, {@code lastMovedAside} (file name or ""), {@code memoryFallbacks},
     * {@code droppedMemory}, {@code droppedCapacity}, {@code droppedAge}, {@code refusedFull}.
     */
    public synchronized Map<String, Object> status() {
        Map<String, Object> m = new TreeMap<>();
        m.put("mode", onDisk ? "file" : "memory");
        m.put("notice", notice);
        m.put("waiting", (long) size());
        m.put("parkedInFile", (long) (onDisk ? 0 : parkedInFile));
        m.put("memoryBytes", onDisk ? 0L : memoryBytes);
        m.put("damagedMovedAside", damagedMovedAside.get());
        Path moved = lastMovedAside;
        m.put("lastMovedAside", moved == null ? "" : moved.getFileName().toString());
        m.put("memoryFallbacks", memoryFallbacks.get());
        m.put("droppedMemory", droppedMemory.get());
        m.put("droppedCapacity", droppedCapacity.get());
        m.put("droppedAge", droppedAge.get());
        m.put("refusedFull", refusedFull.get());
        return m;
    }

    /**
     * Drops messages older than the age limit; returns how many. Each priority is read from its oldest message up to
     * the first young one (ids grow with time; after the clock was set back, an old message behind a younger-looking
     * one waits until that one expires).
     */
    public synchronized int purgeExpired() throws StoreException {
        backToDisk();
        try {
            flushConfirmed();
            return purge();
        } catch (RuntimeException e) {
            if (!onDisk) {
                throw new StoreException("cannot purge expired messages: " + e.getMessage(), e);
            }
            toMemory(e);
            return 0;
        }
    }

    private int purge() {
        if (maxAgeMs <= 0) {
            return 0;
        }
        lastPurgeMs = clock.getAsLong();
        long cutoff = lastPurgeMs - maxAgeMs;
        List<Long> expired = new ArrayList<>();
        for (Long k = queue.firstKey(); k != null;) {
            int p = priorityOf(k);
            Cursor<Long, byte[]> c = queue.cursor(k);
            while (c.hasNext()) {
                long e = c.next();
                if (priorityOf(e) != p || createdOf(c.getValue()) >= cutoff) {
                    break;
                }
                expired.add(e);
            }
            k = p == MAX_PRIORITY ? null : queue.ceilingKey(key(p + 1, 0));
        }
        if (expired.isEmpty()) {
            return 0;
        }
        for (long key : expired) {
            remove(key);
            inFlight.remove(idOf(key));
        }
        commit();
        long total = droppedAge.addAndGet(expired.size());
        LOG.warn("message store: dropped {} message(s) older than {} ms, {} dropped for age so far", expired.size(),
                maxAgeMs, total);
        return expired.size();
    }

    /** The oldest message of the least important priority. */
    private Long leastImportant() {
        Long last = queue.lastKey();
        return last == null ? null : queue.ceilingKey(key(priorityOf(last), 0));
    }

    public synchronized Set<Long> inFlightIds() {
        return Collections.unmodifiableSet(new HashSet<>(inFlight.keySet()));
    }

    /** Bytes of the store file (benchmarks, status). */
    public synchronized long fileBytes() {
        return mv.getFileStore() == null ? 0 : mv.getFileStore().size();
    }

    @Override
    public synchronized void close() {
        if (!onDisk) {
            backToDiskNow();
            if (!onDisk && !queue.isEmpty()) {
                LOG.error("message store: closed while in memory, {} message(s) lost (the file could not be written)",
                        queue.size());
            }
        }
        try {
            flushConfirmed();
        } catch (RuntimeException e) {
            LOG.warn("confirmed messages not deleted at close (they will be sent again): {}", e.getMessage());
        }
        try {
            mv.close();
        } catch (RuntimeException e) {
            LOG.warn("closing the message store: {}", e.getMessage());
        }
    }

    /** One last try to move the memory queue to the file, whatever the retry interval. */
    private void backToDiskNow() {
        nextFileAttemptNs = System.nanoTime();
        backToDisk();
    }

    private static byte[] encode(String topic, byte[] payload, int qos, boolean retain, long createdMs) {
        byte[] t = topic.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(payload.length + t.length + 24);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(RECORD_VERSION);
            out.writeLong(createdMs);
            out.writeByte(qos);
            out.writeBoolean(retain);
            out.writeInt(t.length);
            out.write(t);
            out.writeInt(payload.length);
            out.write(payload);
        } catch (IOException e) {
            throw new IllegalStateException(e); // in memory: cannot happen
        }
        return bytes.toByteArray();
    }

    /** The creation time, read in place: it follows the version byte. */
    private static long createdOf(byte[] record) {
        return ByteBuffer.wrap(record, 1, Long.BYTES).getLong();
    }

    private static StoredMessage decode(long key, byte[] record) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(record))) {
            byte version = in.readByte();
            if (version != RECORD_VERSION) {
                throw new IllegalStateException("message " + idOf(key) + " has record version " + version);
            }
            long created = in.readLong();
            int qos = in.readByte();
            boolean retain = in.readBoolean();
            byte[] t = new byte[length(in, record)];
            in.readFully(t);
            byte[] payload = new byte[length(in, record)];
            in.readFully(payload);
            return new StoredMessage(idOf(key), new String(t, StandardCharsets.UTF_8), payload, qos, retain,
                    priorityOf(key), created);
        } catch (IOException e) {
            throw new IllegalStateException("message " + idOf(key) + " is truncated in the store", e);
        }
    }

    private static int length(DataInputStream in, byte[] record) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > record.length) {
            throw new IOException("field length " + n + " in a record of " + record.length + " B");
        }
        return n;
    }
}
