package io.vigie.tools.fleet;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonParseException;

/**
 * What a rollout knows, persisted as one JSON file written atomically (temp file, fsync, rename) after every change: a
 * tool or broker restart resumes from it. The packages the tool has sent are kept next to it (dps/), and
 * {@link #kept} names them by package name + version, so a rollback can install a gateway's previous package again.
 * One rollout at a time per state dir: {@link #lock} holds an OS file lock for the run; a second one is refused.
 */
public final class FleetState {
    /** A gateway's place in the rollout. */
    public enum Status {
        PENDING, SKIPPED, INSTALLING, HEALTHY, FAILED, OFFLINE, RESTORED, RESTORE_FAILED, UNTOUCHED
    }

    public enum Phase {
        RUNNING, DONE, HALTED
    }

    public static final class Gw {
        public Status status = Status.PENDING;
        public int wave;
        /** The package of the target's name the gateway had before (null version: none: a rollback uninstalls). */
        public String previousVersion;
        public boolean previousKnown;
        public Long jobId;
        public int attempts;
        public Long startedAt;
        public Long doneAt;
        /** Gateway clock: install and verdict times, and the detector's model swap (MODEL_CHANGED swap.ms). */
        public Long installedAt;
        public Long verdictAt;
        public Double swapMs;
        public String model;
        public String reason;
    }

    public String target;
    public String name;
    public String version;
    public String sha256;
    public String url;
    public String waves;
    public int maxFailures;
    public Phase phase = Phase.RUNNING;
    public String haltReason;
    public long startedAt;
    public Long finishedAt;
    public long nextJobId = System.currentTimeMillis() * 1000;
    public List<Integer> waveSizes = new ArrayList<>();
    public Map<String, Gw> gateways = new TreeMap<>();
    /** "name version" -> sha256 of a package the tool kept in dps/. */
    public Map<String, String> kept = new TreeMap<>();

    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().serializeNulls().create();
    public static final int MAX_BYTES = 16 << 20;

    public static FleetState read(Path file) throws IOException {
        if (!Files.exists(file)) return null;
        if (Files.size(file) > MAX_BYTES)
            throw new IOException(file + " is larger than " + MAX_BYTES + " bytes: not a state file");
        try {
            FleetState s = GSON.fromJson(Files.readString(file, StandardCharsets.UTF_8), FleetState.class);
            if (s == null || s.gateways == null || s.kept == null || s.waveSizes == null)
                throw new JsonParseException("incomplete");
            return s;
        } catch (JsonParseException e) {
            throw new IOException(file + " is not a fleet state file: " + e.getMessage(), e);
        }
    }

    public synchronized void write(Path file) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ch.write(java.nio.ByteBuffer.wrap(GSON.toJson(this).getBytes(StandardCharsets.UTF_8)));
            ch.force(true);
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    public synchronized String json() {
        return GSON.toJson(this);
    }

    public synchronized long newJobId() {
        return ++nextJobId;
    }

    public synchronized int count(Status s) {
        int n = 0;
        for (Gw g : gateways.values()) if (g.status == s) n++;
        return n;
    }

    /** The OS lock on {@code DIR/state.lock}, held while a rollout runs (released by close or the process's end). */
    public static AutoCloseable lock(Path dir) throws IOException {
        Files.createDirectories(dir);
        FileChannel ch = FileChannel.open(dir.resolve("state.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = ch.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null;
        }
        if (lock == null) {
            ch.close();
            throw new IllegalStateException("another rollout is running on " + dir + " (its lock " + dir.resolve("state.lock")
                    + " is held): refused, not queued; wait for it to finish or halt it");
        }
        FileLock held = lock;
        return () -> {
            held.release();
            ch.close();
        };
    }
}
