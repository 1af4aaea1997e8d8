package io.vigie.web.core;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

/**
 * Who changed what, kept across restarts: one JSON object per line in {@code audit.jsonl} under its folder, rotated
 * to {@code audit.1.jsonl} .. {@code audit.(files-1).jsonl} past {@code maxFileBytes} (so at most
 * {@code files * maxFileBytes} on disk), the newest {@code memory} records also kept in memory for the audit page.
 * <p>
 * Each record is one write of one whole line; a line torn by a kill mid-write is skipped when read back, and the next
 * record starts on a new line. Every text field is cut to a short length and stripped of control characters, so a
 * hostile user name or path can neither forge lines nor grow the log (JSON escaping does the rest).
 */
public final class AuditLog {
    private static final Logger LOG = LoggerFactory.getLogger(AuditLog.class);
    /** Request attribute a servlet sets to name what happened (sign-in, sign-in failed, sign-out). */
    public static final String EVENT_ATTRIBUTE = "io.vigie.web.audit.event";
    /** Request attribute: the user name a sign-in attempt gave (not authenticated: cleaned before use). */
    public static final String USER_ATTRIBUTE = "io.vigie.web.audit.user";
    static final String CURRENT = "audit.jsonl";

    /** One record. {@code event} is null for a plain state change. */
    public record Entry(long time, String user, String role, String addr, String method, String path, int status,
            String event) {
        public Entry {
            user = clean(user, 64);
            role = clean(role, 16);
            addr = clean(addr, 64);
            method = clean(method, 16);
            path = clean(path, 256);
            event = event == null ? null : clean(event, 32);
        }

        JsonObject json() {
            JsonObject o = new JsonObject();
            o.addProperty("time", Instant.ofEpochMilli(time).toString());
            if (event != null) o.addProperty("event", event);
            o.addProperty("user", user);
            o.addProperty("role", role);
            o.addProperty("addr", addr);
            o.addProperty("method", method);
            o.addProperty("path", path);
            o.addProperty("status", status);
            return o;
        }
    }

    private final Path dir;
    private final long maxFileBytes;
    private final int files;
    private final int memory;
    private final Deque<String> recent = new ArrayDeque<>(); // newest last; guarded by this
    private long currentBytes;
    private boolean warned;

    /**
     * @param maxFileBytes rotate past this size (>= 1024)
     * @param files        the current file plus rotated ones kept (>= 1)
     * @param memory       newest records kept in memory, the most {@link #latest} returns (>= 1)
     */
    public AuditLog(Path dir, long maxFileBytes, int files, int memory) throws IOException {
        if (maxFileBytes < 1024 || files < 1 || memory < 1) throw new IllegalArgumentException("bad audit log limits");
        this.dir = Files.createDirectories(dir);
        this.maxFileBytes = maxFileBytes;
        this.files = files;
        this.memory = memory;
        for (int i = files - 1; i >= 0; i--) load(file(i));
        Path cur = file(0);
        currentBytes = Files.exists(cur) ? Files.size(cur) : 0;
        endWithNewline(cur);
    }

    /** Appends a record (I/O errors are logged once: the page still shows what memory holds). */
    public synchronized void record(Entry e) {
        String line = e.json().toString();
        remember(line);
        byte[] bytes = (line + "\n").getBytes(StandardCharsets.UTF_8);
        try {
            if (currentBytes > 0 && currentBytes + bytes.length > maxFileBytes) rotate();
            try (OutputStream out = Files.newOutputStream(file(0), StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
                out.write(bytes);
            }
            currentBytes += bytes.length;
            warned = false;
        } catch (IOException io) {
            if (!warned) LOG.error("web: audit log {} not written: {}", dir, io.toString());
            warned = true;
        }
    }

    /** The newest records first, at most {@code limit} (and at most what memory holds). */
    public synchronized List<JsonObject> latest(int limit) {
        List<JsonObject> out = new ArrayList<>(Math.min(limit, recent.size()));
        var it = recent.descendingIterator();
        while (it.hasNext() && out.size() < limit) out.add(JsonParser.parseString(it.next()).getAsJsonObject());
        return out;
    }

    public int capacity() {
        return memory;
    }

    /** Removes control characters (line breaks included) and cuts to {@code max} characters; null stays "". */
    public static String clean(String s, int max) {
        if (s == null) return "";
        StringBuilder b = new StringBuilder(Math.min(s.length(), max + 1));
        for (int i = 0; i < s.length() && b.length() < max; i++) {
            char c = s.charAt(i);
            b.append(Character.isISOControl(c) || c == '\u2028' || c == '\u2029' || Character.isSurrogate(c) ? '?' : c);
        }
        if (s.length() > max) b.append('…');
        return b.toString();
    }

    private void remember(String line) {
        recent.addLast(line);
        while (recent.size() > memory) recent.pollFirst();
    }

    private void load(Path f) throws IOException {
        if (!Files.exists(f)) return;
        int skipped = 0;
        // InputStreamReader replaces bytes torn inside a character instead of failing the whole file
        try (BufferedReader r = new BufferedReader(new InputStreamReader(Files.newInputStream(f), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                if (line.isBlank()) continue;
                if (valid(line)) remember(line);
                else skipped++;
            }
        }
        if (skipped > 0) LOG.warn("web: audit log {}: {} unreadable line(s) skipped (torn by a crash?)", f, skipped);
    }

    private static boolean valid(String line) {
        try {
            JsonElement e = JsonParser.parseString(line);
            return e.isJsonObject() && e.getAsJsonObject().has("time");
        } catch (RuntimeException bad) {
            return false;
        }
    }

    /** After a torn last line, the next record must start on a line of its own. */
    private void endWithNewline(Path f) throws IOException {
        if (currentBytes == 0) return;
        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
            raf.seek(raf.length() - 1);
            if (raf.read() != '\n') {
                raf.seek(raf.length());
                raf.write('\n');
                currentBytes++;
            }
        }
    }

    private void rotate() throws IOException {
        Files.deleteIfExists(file(files - 1));
        for (int i = files - 2; i >= 0; i--) {
            if (Files.exists(file(i))) Files.move(file(i), file(i + 1), StandardCopyOption.REPLACE_EXISTING);
        }
        currentBytes = 0;
    }

    private Path file(int i) {
        return dir.resolve(i == 0 ? CURRENT : "audit." + i + ".jsonl");
    }
}
