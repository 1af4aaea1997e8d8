package io.vigie.web.core;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.function.LongSupplier;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;

/**
 * The gateway's intrusion log: one record per INTRUSION_START (closed by the zone's END) with an optional small JPEG
 * snapshot. Bounded by count and by the thumbnails' total bytes (the oldest go first). Kept in a folder of its own,
 * one {@code <id>.json} + {@code <id>.jpg} per record written atomically, so it survives restarts: a gateway
 * rebooting after a power cut or an OTA update of its core is when an operator most wants to see what happened;
 * a torn or foreign file is skipped at load (and deleted), never trusted.
 */
public final class IntrusionLog {
    /** A thumbnail larger than this is refused (a 320 px JPEG is ~10-20 KB). */
    public static final int MAX_THUMB_BYTES = 256 * 1024;

    /** One intrusion; {@code endMs} null while it lasts. */
    public record Intrusion(long id, String zone, long startMs, Long endMs, int persons, String model, long sequence,
            boolean thumb) {
        Intrusion ended(long at) {
            return new Intrusion(id, zone, startMs, at, persons, model, sequence, thumb);
        }

        /** Gson 2.9 (Kura's) cannot build records: fields by hand. */
        public JsonObject toJson() {
            JsonObject o = new JsonObject();
            o.addProperty("id", id);
            o.addProperty("zone", zone);
            o.addProperty("startMs", startMs);
            if (endMs != null) o.addProperty("endMs", endMs);
            o.addProperty("persons", persons);
            if (model != null) o.addProperty("model", model);
            o.addProperty("sequence", sequence);
            o.addProperty("thumb", thumb);
            return o;
        }

        static Intrusion fromJson(JsonObject o) {
            JsonElement end = o.get("endMs");
            JsonElement model = o.get("model");
            return new Intrusion(o.get("id").getAsLong(), o.get("zone").getAsString(), o.get("startMs").getAsLong(),
                    end == null || end.isJsonNull() ? null : end.getAsLong(), o.get("persons").getAsInt(),
                    model == null || model.isJsonNull() ? null : model.getAsString(), o.get("sequence").getAsLong(),
                    o.get("thumb").getAsBoolean());
        }

        Intrusion thumb(boolean has) {
            return new Intrusion(id, zone, startMs, endMs, persons, model, sequence, has);
        }
    }

    /** A query; nulls mean "any". Results newest first. */
    public record Query(String zone, Long sinceMs, Long untilMs, int limit) {
    }

    private final Path dir;
    private final int maxEvents;
    private final long maxThumbBytes;
    private final LongSupplier clock;
    private final TreeMap<Long, Intrusion> records = new TreeMap<>(); // guarded by this
    private final TreeMap<Long, Integer> thumbSizes = new TreeMap<>(); // guarded by this
    private long thumbBytes; // guarded by this
    private long nextId = 1; // guarded by this
    private volatile boolean open; // some record has no end

    public IntrusionLog(Path dir, int maxEvents, long maxThumbBytes, LongSupplier clock) throws IOException {
        if (maxEvents < 1 || maxThumbBytes < 0) throw new IllegalArgumentException("bounds must be positive");
        this.dir = Files.createDirectories(dir);
        this.maxEvents = maxEvents;
        this.maxThumbBytes = maxThumbBytes;
        this.clock = clock;
        load();
    }

    private synchronized void load() throws IOException {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                String n = p.getFileName().toString();
                Long id = idOf(n, ".json");
                if (id == null) {
                    if (idOf(n, ".jpg") == null) Files.deleteIfExists(p); // temp files of a write cut short
                    continue;
                }
                try {
                    Intrusion r = Intrusion.fromJson(JsonParser.parseString(Files.readString(p, StandardCharsets.UTF_8))
                            .getAsJsonObject());
                    if (r.id() != id) throw new JsonParseException("not the record of " + n);
                    records.put(id, r);
                } catch (RuntimeException | IOException e) { // torn, foreign or hand-edited: not trusted
                    Files.deleteIfExists(p);
                }
                nextId = Math.max(nextId, id + 1);
            }
        }
        for (Intrusion r : List.copyOf(records.values())) {
            Path jpg = file(r.id(), ".jpg");
            if (r.thumb() && Files.isRegularFile(jpg)) {
                long size = Files.size(jpg);
                thumbSizes.put(r.id(), (int) size);
                thumbBytes += size;
            } else if (r.thumb()) {
                records.put(r.id(), r.thumb(false));
            }
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*.jpg")) {
            for (Path p : ds) { // a snapshot whose record is gone
                Long id = idOf(p.getFileName().toString(), ".jpg");
                if (id != null && !thumbSizes.containsKey(id)) Files.deleteIfExists(p);
            }
        }
        trim();
        updateOpen();
    }

    /** {@code 000123.json} -> 123; anything else -> null. */
    static Long idOf(String name, String ext) {
        if (!name.endsWith(ext)) return null;
        String digits = name.substring(0, name.length() - ext.length());
        if (digits.isEmpty() || digits.length() > 18 || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) return null;
        return Long.parseLong(digits);
    }

    private Path file(long id, String ext) {
        return dir.resolve(String.format("%012d%s", id, ext));
    }

    /** An intrusion started: returns its id. */
    public synchronized long started(String zone, long startMs, int persons, String model, long sequence) throws IOException {
        Intrusion r = new Intrusion(nextId++, zone, startMs, null, persons, model, sequence, false);
        records.put(r.id(), r);
        write(r);
        trim();
        open = true;
        return r.id();
    }

    /** The zone's open intrusion (the newest one) ended; false when none was open. */
    public synchronized boolean ended(String zone, long endMs) throws IOException {
        for (Intrusion r : records.descendingMap().values()) {
            if (!r.zone().equals(zone)) continue;
            if (r.endMs() != null) return false;
            Intrusion e = r.ended(endMs);
            records.put(e.id(), e);
            write(e);
            updateOpen();
            return true;
        }
        return false;
    }

    /** True while some record has no end (cheap: the frame listener asks it once per frame). */
    public boolean hasOpen() {
        return open;
    }

    /**
     * Ends, at {@code at}, the open records of zones not in {@code intruded}: the detector's frames say those zones
     * are no longer intruded although no END came (the zone was removed or redrawn, or the record is from before a
     * restart). Returns how many were ended.
     */
    public synchronized int endAllBut(java.util.Set<String> intruded, long at) throws IOException {
        int n = 0;
        for (Intrusion r : List.copyOf(records.values())) {
            if (r.endMs() != null || intruded.contains(r.zone())) continue;
            Intrusion e = r.ended(Math.max(at, r.startMs()));
            records.put(e.id(), e);
            write(e);
            n++;
        }
        updateOpen();
        return n;
    }

    private void updateOpen() { // under lock
        boolean any = false;
        for (Intrusion r : records.values()) any |= r.endMs() == null;
        open = any;
    }

    /** Attaches the snapshot of an intrusion still in the log; false when it is gone or the JPEG is refused. */
    public synchronized boolean thumbnail(long id, byte[] jpeg) throws IOException {
        Intrusion r = records.get(id);
        if (r == null || jpeg == null || jpeg.length == 0 || jpeg.length > MAX_THUMB_BYTES || jpeg.length > maxThumbBytes)
            return false;
        atomicWrite(file(id, ".jpg"), jpeg);
        Integer before = thumbSizes.put(id, jpeg.length);
        thumbBytes += jpeg.length - (before == null ? 0 : before);
        Intrusion t = r.thumb(true);
        records.put(id, t);
        write(t);
        trim();
        return true;
    }

    /** Matching records, newest first, at most {@code q.limit()}. */
    public synchronized List<Intrusion> query(Query q) {
        List<Intrusion> out = new ArrayList<>();
        for (Intrusion r : records.descendingMap().values()) {
            if (out.size() >= q.limit()) break;
            if (q.zone() != null && !q.zone().equals(r.zone())) continue;
            if (q.untilMs() != null && r.startMs() > q.untilMs()) continue;
            // an intrusion overlapping the range counts: one still open reaches "now"
            long end = r.endMs() != null ? r.endMs() : Math.max(r.startMs(), clock.getAsLong());
            if (q.sinceMs() != null && end < q.sinceMs()) continue;
            out.add(r);
        }
        return out;
    }

    /** The snapshot's bytes, or null when the record or its snapshot is gone. */
    public byte[] thumb(long id) throws IOException {
        synchronized (this) {
            if (!thumbSizes.containsKey(id)) return null;
        }
        try {
            return Files.readAllBytes(file(id, ".jpg"));
        } catch (java.nio.file.NoSuchFileException e) { // evicted meanwhile
            return null;
        }
    }

    public synchronized int size() {
        return records.size();
    }

    public synchronized long thumbBytes() {
        return thumbBytes;
    }

    /** Oldest records go while over the count; oldest snapshots (the record stays) while over the bytes. */
    private void trim() throws IOException { // under lock
        while (records.size() > maxEvents) {
            long id = records.firstKey();
            records.remove(id);
            dropThumb(id);
            Files.deleteIfExists(file(id, ".json"));
        }
        while (thumbBytes > maxThumbBytes && !thumbSizes.isEmpty()) {
            long id = thumbSizes.firstKey();
            dropThumb(id);
            Intrusion r = records.get(id);
            if (r != null) {
                records.put(id, r.thumb(false));
                write(r.thumb(false));
            }
        }
    }

    private void dropThumb(long id) throws IOException {
        Integer size = thumbSizes.remove(id);
        if (size != null) thumbBytes -= size;
        Files.deleteIfExists(file(id, ".jpg"));
    }

    private void write(Intrusion r) throws IOException {
        atomicWrite(file(r.id(), ".json"), r.toJson().toString().getBytes(StandardCharsets.UTF_8));
    }

    private void atomicWrite(Path target, byte[] bytes) throws IOException {
        Path tmp = dir.resolve(target.getFileName() + ".tmp");
        Files.write(tmp, bytes);
        try {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
