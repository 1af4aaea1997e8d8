package io.vigie.cloud.paho;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

import org.h2.mvstore.Cursor;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;
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

    /** Thrown when a message cannot be stored; the caller's message was not accepted. */
    public static final class StoreException extends Exception {
        private static final long serialVersionUID = 1L;

        public StoreException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final MVStore mv;
    /** key (priority, id) → encoded message (created, qos, retain, topic, payload). */
    private final MVMap<Long, byte[]> queue;
    /** "next.id": ids are never reused, even after the queue was empty and the gateway restarted. */
    private final MVMap<String, Long> meta;
    private final int capacity;
    private final long maxAgeMs;
    private final LongSupplier clock;
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
    private long nextId;
    private int commitsSinceCompact;
    private long lastCompactNs = System.nanoTime();
    private final long compactMinIntervalNs;
    private long lastPurgeMs = Long.MIN_VALUE;

    /**
     * @param dir      folder of the store file (created if missing)
     * @param capacity maximum number of stored messages (> 0)
     * @param maxAgeMs messages older than this are dropped (<= 0: no age limit)
     * @param clock    epoch milliseconds (tests pass their own)
     */
    public MessageStore(Path dir, int capacity, long maxAgeMs, LongSupplier clock) throws StoreException {
        this(dir, capacity, maxAgeMs, clock, -1, COMPACT_MIN_INTERVAL_NS);
    }

    /**
     * @param retentionMs          how long freed chunks are kept (< 0: MVStore's default); tests shorten it
     * @param compactMinIntervalNs least time between two compactions; tests shorten it
     */
    MessageStore(Path dir, int capacity, long maxAgeMs, LongSupplier clock, int retentionMs, long compactMinIntervalNs)
            throws StoreException {
        if (capacity <= 0) {
            throw new IllegalArgumentException("store capacity must be > 0, got " + capacity);
        }
        this.capacity = capacity;
        this.maxAgeMs = maxAgeMs;
        this.clock = clock;
        this.compactMinIntervalNs = compactMinIntervalNs;
        MVStore opened = null;
        try {
            Files.createDirectories(dir);
            // Commits are explicit (one per stored message): no background writer that would acknowledge a message
            // before it is in the file. LZF page compression: most of a one-message chunk is MVStore's own metadata,
            // which compresses well (measured: the file of a long outage 2.6x smaller even with random payloads).
            opened = new MVStore.Builder().fileName(dir.toAbsolutePath().resolve(FILE_NAME).toString())
                    .autoCommitDisabled().compress().open();
            if (retentionMs >= 0) {
                opened.setRetentionTime(retentionMs);
            }
            queue = opened.openMap("queue");
            meta = opened.openMap("meta");
            Long next = meta.get("next.id");
            Long last = lastId();
            nextId = Math.max(next == null ? 1 : next, last == null ? 1 : last + 1);
        } catch (Exception e) {
            if (opened != null) {
                opened.closeImmediately();
            }
            throw new StoreException("cannot open the message store in " + dir + ": " + e.getMessage(), e);
        }
        mv = opened;
        LOG.info("message store {} opened: {} message(s) waiting, capacity {}, max age {} ms", dir, queue.size(),
                capacity, maxAgeMs);
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
     * instead.
     */
    public synchronized long store(String topic, byte[] payload, int qos, boolean retain, int priority)
            throws StoreException {
        if (topic == null || topic.isEmpty() || payload == null || qos < 0 || qos > 2 || priority < 0
                || priority > MAX_PRIORITY) {
            throw new IllegalArgumentException("invalid message: topic=" + topic + ", payload "
                    + (payload == null ? "null" : payload.length + " B") + ", qos=" + qos + ", priority=" + priority);
        }
        try {
            flushConfirmed();
            // At most once a second on the hot path; nextBatch purges every time.
            long now = clock.getAsLong();
            if (now - lastPurgeMs >= 1000) {
                purgeExpired();
            }
            if (queue.size() >= capacity) {
                Long victim = leastImportant();
                if (victim != null && priorityOf(victim) < priority) {
                    refusedFull.incrementAndGet();
                    LOG.warn("message store full ({}), refused a priority {} message on {}: everything stored is more"
                            + " important", capacity, priority, topic);
                    throw new StoreException("message store full (" + capacity + " messages of higher priority)", null);
                }
                if (victim != null) {
                    StoredMessage v = decode(victim, queue.get(victim));
                    queue.remove(victim);
                    inFlight.remove(idOf(victim));
                    long n = droppedCapacity.incrementAndGet();
                    LOG.warn("message store full ({}): dropped message {} (priority {}, {}), {} dropped so far",
                            capacity, v.id, v.priority, v.topic, n);
                }
            }
            long id = nextId++;
            queue.put(key(priority, id), encode(topic, payload, qos, retain, clock.getAsLong()));
            meta.put("next.id", nextId);
            commit();
            return id;
        } catch (RuntimeException e) {
            // MVStore reports I/O and file errors as unchecked exceptions; the caller's message was not accepted.
            try {
                mv.rollback();
            } catch (RuntimeException again) {
                e.addSuppressed(again);
            }
            throw new StoreException("cannot store the message on " + topic + ": " + e.getMessage(), e);
        }
    }

    /**
     * Up to {@code max} messages not in flight, by priority then id; they are marked in flight until
     * {@link #markPublished} or {@link #releaseInFlight}.
     */
    public synchronized List<StoredMessage> nextBatch(int max) throws StoreException {
        List<StoredMessage> out = new ArrayList<>();
        List<Long> unreadable = new ArrayList<>();
        try {
            flushConfirmed();
            purgeExpired();
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
                    LOG.error("message store: message {} cannot be read and is dropped: {}", idOf(k),
                            bad.getMessage());
                }
            }
            if (!unreadable.isEmpty()) {
                // An unreadable record would otherwise block the queue forever.
                unreadable.forEach(queue::remove);
                commit();
            }
        } catch (RuntimeException e) {
            throw new StoreException("cannot read the message store: " + e.getMessage(), e);
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
                throw new StoreException("cannot delete confirmed messages: " + e.getMessage(), e);
            }
        }
    }

    /** Deletes the confirmed messages in one commit. */
    private void flushConfirmed() {
        if (confirmedPending.isEmpty()) {
            return;
        }
        confirmedPending.forEach(queue::remove);
        commit();
        confirmedPending.clear();
    }

    private void commit() {
        mv.commit();
        long now = System.nanoTime();
        // At most once a second: under a burst with concurrent deletes every call finds chunks to rewrite, and
        // compacting every 100 commits cut the delivered rate from ~4900 to ~1700 msg/s (tools/cloud-bench).
        if (++commitsSinceCompact >= COMPACT_EVERY && now - lastCompactNs >= compactMinIntervalNs) {
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

    public synchronized int size() {
        return queue.size() - confirmedPending.size();
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

    /**
     * Drops messages older than the age limit; returns how many. Each priority is read from its oldest message up to
     * the first young one (ids grow with time; after the clock was set back, an old message behind a younger-looking
     * one waits until that one expires).
     */
    public synchronized int purgeExpired() throws StoreException {
        if (maxAgeMs <= 0) {
            return 0;
        }
        try {
            flushConfirmed();
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
                queue.remove(key);
                inFlight.remove(idOf(key));
            }
            commit();
            long total = droppedAge.addAndGet(expired.size());
            LOG.warn("message store: dropped {} message(s) older than {} ms, {} dropped for age so far",
                    expired.size(), maxAgeMs, total);
            return expired.size();
        } catch (RuntimeException e) {
            throw new StoreException("cannot purge expired messages: " + e.getMessage(), e);
        }
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
