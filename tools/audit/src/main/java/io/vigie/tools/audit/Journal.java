package io.vigie.tools.audit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.channels.FileChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

import com.google.gson.Gson;
import com.google.gson.JsonParser;

/**
 * Records not in MLflow yet, one file per deployment key in {@code STATE/pending/} (written to a temporary file, synced,
 * then renamed: a crash leaves the old or the new record, never half of one). A record is put here before its MQTT
 * message is acknowledged, and removed only once MLflow has it: nothing is lost while MLflow is away, and a newer state
 * of the same deployment simply replaces the older one. Files that are not records go to {@code STATE/bad/}; records
 * MLflow refuses for good go to {@code STATE/refused/} with the reason. Synchronized: the MQTT callback puts, the writer
 * thread takes.
 */
public final class Journal {
    /** A bound, so a flood of distinct deployments while MLflow is down cannot fill the disk: the broker keeps the rest. */
    public static final int MAX_PENDING = 10_000;
    private static final Pattern KEY = Pattern.compile("[0-9a-f]{32}");
    private static final Gson GSON = new Gson();

    private final Path pending;
    private final Path bad;
    private final Path refused;

    public Journal(Path stateDir) throws IOException {
        this.pending = Files.createDirectories(stateDir.resolve("pending"));
        this.bad = stateDir.resolve("bad");
        this.refused = stateDir.resolve("refused");
    }

    /** Stores {@code r}, merged with the pending state of the same deployment if any; returns what is stored. */
    public synchronized DeploymentRecord put(DeploymentRecord r) throws IOException {
        Path f = file(r.key());
        DeploymentRecord stored = Files.exists(f) ? read(f) : null;
        if (stored == null && count() >= MAX_PENDING)
            throw new IOException(MAX_PENDING + " records wait for MLflow in " + pending + ": not taking more (the broker keeps "
                    + "the messages until there is room)");
        DeploymentRecord merged = stored == null ? r : stored.merge(r);
        if (merged.equals(stored)) return stored;
        Path tmp = pending.resolve(r.key() + ".tmp");
        try (FileChannel c = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            c.write(java.nio.ByteBuffer.wrap(GSON.toJson(merged.toJson()).getBytes(StandardCharsets.UTF_8)));
            c.force(true);
        }
        try {
            Files.move(tmp, f, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, f, StandardCopyOption.REPLACE_EXISTING);
        }
        return merged;
    }

    /** The pending records, oldest file first; unreadable files moved to bad/. */
    public synchronized List<DeploymentRecord> pending() throws IOException {
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(pending, "*.json")) {
            for (Path p : ds) files.add(p);
        }
        files.sort((a, b) -> {
            try {
                return Files.getLastModifiedTime(a).compareTo(Files.getLastModifiedTime(b));
            } catch (IOException e) {
                return 0;
            }
        });
        List<DeploymentRecord> out = new ArrayList<>();
        for (Path p : files) {
            DeploymentRecord r = read(p);
            if (r != null) out.add(r);
        }
        return out;
    }

    public synchronized int count() throws IOException {
        try (var s = Files.list(pending)) {
            return (int) s.filter(p -> p.getFileName().toString().endsWith(".json")).count();
        }
    }

    /** Drops the record once MLflow holds it, unless a newer state of it arrived meanwhile (that one is written next). */
    public synchronized boolean done(DeploymentRecord written) throws IOException {
        Path f = file(written.key());
        DeploymentRecord now = Files.exists(f) ? read(f) : null;
        if (now != null && !now.equals(written)) return false;
        Files.deleteIfExists(f);
        return true;
    }

    /** MLflow refused the record for good (not an outage): kept aside with the reason, not retried. */
    public synchronized void refuse(DeploymentRecord r, String why) throws IOException {
        Files.createDirectories(refused);
        Path f = file(r.key());
        if (Files.exists(f)) Files.move(f, refused.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
        Files.writeString(refused.resolve(r.key() + ".why"), why + "\n");
    }

    private Path file(String key) {
        if (!KEY.matcher(key).matches()) throw new IllegalArgumentException("not a record key: " + key);
        return pending.resolve(key + ".json");
    }

    private DeploymentRecord read(Path p) throws IOException {
        try {
            DeploymentRecord r = DeploymentRecord.fromJson(JsonParser.parseString(Files.readString(p)).getAsJsonObject());
            if (!p.getFileName().toString().equals(r.key() + ".json")) throw new IllegalArgumentException("key mismatch");
            return r;
        } catch (RuntimeException e) {
            Files.createDirectories(bad);
            Files.move(p, bad.resolve(p.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            System.err.println("audit: " + p + " is not a deployment record (" + e.getMessage() + "): moved to " + bad);
            return null;
        }
    }
}
