package io.vigie.tools.release;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import io.vigie.tools.bench.Report;

/**
 * The result files of one pipeline run, by input name ({@code <dir>/<name>.json}, e.g. bench-edge-int8, eval-fp32):
 * vigie-bench/1 documents of {@code ./vigie bench --out} and the {@code ./vigie eval --json} reports. A file that
 * cannot be used is kept with the reason, so every gate reading it fails with that reason.
 */
record Results(Map<String, Result> byName) {
    /** Bench results start with this; eval results with {@link #EVAL}. */
    static final String BENCH = "bench-", EVAL = "eval-";

    /** One file: its JSON (null when unusable, then {@code error} says why) and SHA-256. */
    record Result(String name, Path file, String sha256, JsonObject json, String error) {
        /** What identifies the run in a verdict: file, its hash and, for a bench, when it started. */
        String run() {
            String when = json != null && json.has("startedAt") && json.get("startedAt").isJsonPrimitive()
                    ? " started " + json.get("startedAt").getAsString() : "";
            return file.getFileName() + " (sha256 " + sha256.substring(0, 12) + when + ")";
        }
    }

    static Results load(Path dir) throws IOException {
        Map<String, Result> m = new TreeMap<>();
        if (!Files.isDirectory(dir)) return new Results(m);
        try (Stream<Path> s = Files.list(dir)) {
            for (Path f : s.filter(p -> p.getFileName().toString().endsWith(".json")).sorted().toList()) {
                String name = f.getFileName().toString().replaceFirst("\\.json$", "");
                m.put(name, read(name, f));
            }
        }
        return new Results(m);
    }

    /** Bench files are ~10-50 KB; anything this big is not a result (and must not exhaust the heap). */
    static final long MAX_BYTES = 16L << 20;

    static Result read(String name, Path f) throws IOException {
        if (Files.size(f) > MAX_BYTES)
            return new Result(name, f, Hashes.sha256(f), null, "larger than " + (MAX_BYTES >> 20) + " MB: not a result file");
        byte[] bytes = Files.readAllBytes(f);
        String sha = Hashes.sha256(bytes);
        JsonObject o;
        try {
            JsonElement e = JsonParser.parseString(new String(bytes, StandardCharsets.UTF_8));
            if (!e.isJsonObject()) return new Result(name, f, sha, null, "not a JSON object");
            o = e.getAsJsonObject();
        } catch (RuntimeException e) {
            return new Result(name, f, sha, null, "not JSON: " + e.getMessage());
        }
        String error = null;
        if (name.startsWith(BENCH)) {
            JsonElement schema = o.get("schema");
            if (schema == null || !schema.isJsonPrimitive() || !Report.SCHEMA.equals(schema.getAsString()))
                error = "not a " + Report.SCHEMA + " document (schema " + schema + ")";
        } else if (name.startsWith(EVAL)) {
            if (!o.has("sha256") || !o.has("ap50")) error = "not an eval report (no sha256 / ap50)";
        }
        return new Result(name, f, sha, error == null ? o : null, error);
    }
}
