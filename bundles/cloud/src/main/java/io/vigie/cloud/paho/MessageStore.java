package io.vigie.cloud.paho;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Durable store-and-forward queue on an embedded H2 file database. A message is on disk when {@link #store} returns
 * (auto-commit, WRITE_DELAY=0: committed rows reach the file before the call returns, so they survive a process kill;
 * not fsync'd per row, so an OS crash may lose the last moments). Rows leave the store only through
 * {@link #markPublished} (the broker confirmed) or the counted drop policy.
 *
 * <p>Priority follows Kura: 0 is the most important; higher numbers are less important. Sending order is priority,
 * then FIFO (id). When full, or too old, the least important then oldest rows are dropped first.
 *
 * <p>In-flight rows (handed out by {@link #nextBatch}, not yet confirmed) are tracked in memory only: after a restart
 * or {@link #releaseInFlight} they are sent again, so delivery is at-least-once.
 */
public final class MessageStore implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(MessageStore.class);

    /** Thrown when a message cannot be stored; the caller's message was not accepted. */
    public static final class StoreException extends Exception {
        private static final long serialVersionUID = 1L;

        public StoreException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final Connection db;
    private final int capacity;
    private final long maxAgeMs;
    private final LongSupplier clock;
    private final Set<Long> inFlight = new HashSet<>();
    /**
     * Confirmed rows not yet deleted: deletes are grouped into one transaction (see {@link #markPublished}). Logically
     * gone already: {@link #size} excludes them, and every read or drop decision flushes them first.
     */
    private final Set<Long> confirmedPending = new java.util.LinkedHashSet<>();
    private static final int MAX_PENDING_DELETES = 256;
    private final AtomicLong droppedCapacity = new AtomicLong();
    private final AtomicLong droppedAge = new AtomicLong();
    private final AtomicLong refusedFull = new AtomicLong();
    private int count;
    private long lastPurgeMs = Long.MIN_VALUE;

    /**
     * @param dir      folder of the database files (created if missing)
     * @param capacity maximum number of stored messages (> 0)
     * @param maxAgeMs messages older than this are dropped (<= 0: no age limit)
     * @param clock    epoch milliseconds (tests pass their own)
     */
    public MessageStore(Path dir, int capacity, long maxAgeMs, LongSupplier clock) throws StoreException {
        if (capacity <= 0) {
            throw new IllegalArgumentException("store capacity must be > 0, got " + capacity);
        }
        this.capacity = capacity;
        this.maxAgeMs = maxAgeMs;
        this.clock = clock;
        try {
            Files.createDirectories(dir);
            // The driver is used directly: DriverManager does not see bundle-private drivers under OSGi.
            String url = "jdbc:h2:file:" + dir.toAbsolutePath().resolve("messages") + ";WRITE_DELAY=0";
            Connection c = new org.h2.Driver().connect(url, new Properties());
            if (c == null) {
                throw new SQLException("H2 refused the URL " + url);
            }
            db = c;
            try (Statement s = db.createStatement()) {
                s.execute("CREATE TABLE IF NOT EXISTS messages (id BIGINT AUTO_INCREMENT PRIMARY KEY,"
                        + " topic VARCHAR(65535) NOT NULL, payload VARBINARY(268435456) NOT NULL, qos TINYINT NOT NULL,"
                        + " retain BOOLEAN NOT NULL, priority INT NOT NULL, created_ms BIGINT NOT NULL)");
                s.execute("CREATE INDEX IF NOT EXISTS messages_order ON messages(priority, id)");
                s.execute("CREATE INDEX IF NOT EXISTS messages_age ON messages(created_ms)");
                try (ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM messages")) {
                    rs.next();
                    count = rs.getInt(1);
                }
            }
        } catch (Exception e) {
            throw new StoreException("cannot open the message store in " + dir + ": " + e.getMessage(), e);
        }
        LOG.info("message store {} opened: {} message(s) waiting, capacity {}, max age {} ms", dir, count, capacity,
                maxAgeMs);
    }

    /**
     * Stores a message durably and returns its id. When the store is full the least important, oldest row is dropped
     * (counted, logged); if the new message is itself less important than everything stored, it is refused instead.
     */
    public synchronized long store(String topic, byte[] payload, int qos, boolean retain, int priority)
            throws StoreException {
        if (topic == null || topic.isEmpty() || payload == null || qos < 0 || qos > 2 || priority < 0) {
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
            if (count >= capacity) {
                StoredMessage victim = leastImportant();
                if (victim != null && victim.priority < priority) {
                    refusedFull.incrementAndGet();
                    LOG.warn("message store full ({}), refused a priority {} message on {}: everything stored is more"
                            + " important", capacity, priority, topic);
                    throw new StoreException("message store full (" + capacity + " messages of higher priority)", null);
                }
                if (victim != null) {
                    delete(victim.id);
                    long n = droppedCapacity.incrementAndGet();
                    LOG.warn("message store full ({}): dropped message {} (priority {}, {}), {} dropped so far",
                            capacity, victim.id, victim.priority, victim.topic, n);
                }
            }
            try (PreparedStatement ps = db.prepareStatement(
                    "INSERT INTO messages(topic, payload, qos, retain, priority, created_ms) VALUES (?,?,?,?,?,?)",
                    Statement.RETURN_GENERATED_KEYS)) {
                ps.setString(1, topic);
                ps.setBytes(2, payload);
                ps.setInt(3, qos);
                ps.setBoolean(4, retain);
                ps.setInt(5, priority);
                ps.setLong(6, clock.getAsLong());
                ps.executeUpdate();
                try (ResultSet rs = ps.getGeneratedKeys()) {
                    rs.next();
                    count++;
                    return rs.getLong(1);
                }
            }
        } catch (SQLException e) {
            throw new StoreException("cannot store the message on " + topic + ": " + e.getMessage(), e);
        }
    }

    /**
     * Up to {@code max} messages not in flight, by priority then id; they are marked in flight until
     * {@link #markPublished} or {@link #releaseInFlight}.
     */
    public synchronized List<StoredMessage> nextBatch(int max) throws StoreException {
        List<StoredMessage> out = new ArrayList<>();
        try {
            flushConfirmed();
            purgeExpired();
            // Fetch past the in-flight rows, which lead the order while unconfirmed.
            try (PreparedStatement ps = db.prepareStatement(
                    "SELECT id, topic, payload, qos, retain, priority, created_ms FROM messages ORDER BY priority, id"
                            + " LIMIT ?")) {
                ps.setInt(1, max + inFlight.size());
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next() && out.size() < max) {
                        long id = rs.getLong(1);
                        if (inFlight.contains(id)) {
                            continue;
                        }
                        out.add(new StoredMessage(id, rs.getString(2), rs.getBytes(3), rs.getInt(4), rs.getBoolean(5),
                                rs.getInt(6), rs.getLong(7)));
                    }
                }
            }
        } catch (SQLException e) {
            throw new StoreException("cannot read the message store: " + e.getMessage(), e);
        }
        for (StoredMessage m : out) {
            inFlight.add(m.id);
        }
        return out;
    }

    /**
     * The broker confirmed the message: remove it for good. The delete is grouped with others (one transaction at the
     * next store/nextBatch, or every 256 confirmations): one H2 commit per confirmation made the file grow by ~16 kB per
     * drained message (138 MB after draining 6000 messages, measured with tools/cloud-bench), because each commit
     * writes a new chunk that H2 keeps for its 45 s retention time. A crash before the group is written re-sends those
     * messages: duplicates, which at-least-once allows.
     */
    public synchronized void markPublished(long id) throws StoreException {
        inFlight.remove(id);
        confirmedPending.add(id);
        if (confirmedPending.size() >= MAX_PENDING_DELETES) {
            try {
                flushConfirmed();
            } catch (SQLException e) {
                throw new StoreException("cannot delete confirmed messages: " + e.getMessage(), e);
            }
        }
    }

    /** Deletes the confirmed rows in one transaction. */
    private void flushConfirmed() throws SQLException {
        if (confirmedPending.isEmpty()) {
            return;
        }
        if (confirmedPending.size() == 1) {
            delete(confirmedPending.iterator().next());
            confirmedPending.clear();
            return;
        }
        db.setAutoCommit(false);
        try (PreparedStatement ps = db.prepareStatement("DELETE FROM messages WHERE id = ?")) {
            for (long id : confirmedPending) {
                ps.setLong(1, id);
                ps.addBatch();
            }
            int deleted = 0;
            for (int n : ps.executeBatch()) {
                deleted += Math.max(0, n);
            }
            db.commit();
            count -= deleted;
            confirmedPending.clear();
        } catch (SQLException e) {
            db.rollback();
            throw e;
        } finally {
            db.setAutoCommit(true);
        }
    }

    /** The connection was lost: unconfirmed messages become eligible again (sent again: at-least-once). */
    public synchronized void releaseInFlight() {
        inFlight.clear();
    }

    public synchronized int size() {
        return count - confirmedPending.size();
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

    /** Drops rows older than the age limit; returns how many. */
    public synchronized int purgeExpired() throws StoreException {
        if (maxAgeMs <= 0) {
            return 0;
        }
        try {
            flushConfirmed();
        } catch (SQLException e) {
            throw new StoreException("cannot delete confirmed messages: " + e.getMessage(), e);
        }
        lastPurgeMs = clock.getAsLong();
        try (PreparedStatement ps = db.prepareStatement("DELETE FROM messages WHERE created_ms < ?")) {
            ps.setLong(1, clock.getAsLong() - maxAgeMs);
            int n = ps.executeUpdate();
            if (n > 0) {
                count -= n;
                long total = droppedAge.addAndGet(n);
                LOG.warn("message store: dropped {} message(s) older than {} ms, {} dropped for age so far", n,
                        maxAgeMs, total);
            }
            return n;
        } catch (SQLException e) {
            throw new StoreException("cannot purge expired messages: " + e.getMessage(), e);
        }
    }

    private StoredMessage leastImportant() throws SQLException {
        try (Statement s = db.createStatement(); ResultSet rs = s.executeQuery(
                "SELECT id, topic, priority FROM messages ORDER BY priority DESC, id LIMIT 1")) {
            return rs.next() ? new StoredMessage(rs.getLong(1), rs.getString(2), new byte[0], 0, false, rs.getInt(3), 0)
                    : null;
        }
    }

    private void delete(long id) throws SQLException {
        try (PreparedStatement ps = db.prepareStatement("DELETE FROM messages WHERE id = ?")) {
            ps.setLong(1, id);
            count -= ps.executeUpdate();
        }
    }

    public synchronized Set<Long> inFlightIds() {
        return Collections.unmodifiableSet(new HashSet<>(inFlight));
    }

    @Override
    public synchronized void close() {
        try {
            flushConfirmed();
        } catch (SQLException e) {
            LOG.warn("confirmed messages not deleted at close (they will be sent again): {}", e.getMessage());
        }
        try {
            db.close();
        } catch (SQLException e) {
            LOG.warn("closing the message store: {}", e.getMessage());
        }
    }
}
