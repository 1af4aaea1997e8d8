package io.vigie.tools.release;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;

/**
 * The release gates, read from one versioned file (conf/release-gates.json, schema {@value #SCHEMA}): the only place
 * thresholds live. Strict: an unknown key, op or unit is an error, so a typo cannot silently turn a gate off.
 */
record GateFile(int version, List<Gate> gates, String sha256) {
    static final String SCHEMA = "vigie-release-gates/1";
    static final Set<String> OPS = Set.of(">", ">=", "<", "<=", "==");
    static final Set<String> AS = Set.of("difference", "ratio", "value");
    static final Set<String> CHARTS = Set.of("fps", "p95");
    private static final Set<String> TOP = Set.of("schema", "version", "changed", "inputs", "gates");
    private static final Set<String> KEYS = Set.of("id", "what", "input", "path", "op", "threshold", "unit", "chart",
            "relativeTo", "blocking");

    /**
     * One gate: the value at {@code path} of the result {@code input} (minus / divided by / equal to the value of
     * {@code relativeTo} when set) compared with {@code threshold} by {@code op}. Non-blocking gates are reported only.
     */
    record Gate(String id, String what, String input, String path, String op, Double threshold, String unit, String chart,
            Relative relativeTo, boolean blocking) {
        String rule() {
            String lhs = relativeTo == null ? input + ":" + path
                    : switch (relativeTo.as()) {
                        case "difference" -> input + ":" + path + " - " + relativeTo.input() + ":" + relativeTo.path();
                        case "ratio" -> input + ":" + path + " / " + relativeTo.input() + ":" + relativeTo.path();
                        default -> input + ":" + path;
                    };
            String rhs = relativeTo != null && "value".equals(relativeTo.as())
                    ? relativeTo.input() + ":" + relativeTo.path() : Numbers.text(threshold) + (unit == null ? "" : " " + unit);
            return lhs + " " + op + " " + rhs;
        }
    }

    /** The reference value: {@code as} difference (value - ref), ratio (value / ref) or value (ref is the threshold). */
    record Relative(String input, String path, String as) {
    }

    static GateFile read(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        try {
            return parse(new String(bytes, java.nio.charset.StandardCharsets.UTF_8), Hashes.sha256(bytes));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    static GateFile parse(String text, String sha256) {
        JsonObject o;
        try {
            JsonElement e = JsonParser.parseString(text);
            if (!e.isJsonObject()) throw new IllegalArgumentException("not a JSON object");
            o = e.getAsJsonObject();
        } catch (JsonParseException e) {
            throw new IllegalArgumentException("not JSON: " + e.getMessage(), e);
        }
        unknown(o, TOP, "file");
        if (!o.has("schema") || !SCHEMA.equals(str(o, "schema", "file")))
            throw new IllegalArgumentException("schema must be " + SCHEMA);
        int version = (int) num(o, "version", "file");
        if (version < 1) throw new IllegalArgumentException("version must be >= 1");
        if (!o.has("gates") || !o.get("gates").isJsonArray() || o.getAsJsonArray("gates").isEmpty())
            throw new IllegalArgumentException("gates must be a non-empty array");
        List<Gate> gates = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        for (JsonElement e : o.getAsJsonArray("gates")) {
            if (!e.isJsonObject()) throw new IllegalArgumentException("a gate is not an object: " + e);
            Gate g = gate(e.getAsJsonObject());
            if (!ids.add(g.id())) throw new IllegalArgumentException("duplicate gate id " + g.id());
            gates.add(g);
        }
        return new GateFile(version, List.copyOf(gates), sha256);
    }

    private static Gate gate(JsonObject g) {
        String id = str(g, "id", "gate");
        if (!id.matches("[a-z0-9_.-]{1,64}")) throw new IllegalArgumentException("bad gate id '" + id + "'");
        unknown(g, KEYS, id);
        String op = str(g, "op", id);
        if (!OPS.contains(op)) throw new IllegalArgumentException(id + ": op must be one of " + OPS + ", got " + op);
        Relative rel = null;
        if (g.has("relativeTo")) {
            if (!g.get("relativeTo").isJsonObject()) throw new IllegalArgumentException(id + ": relativeTo is not an object");
            JsonObject r = g.getAsJsonObject("relativeTo");
            unknown(r, Set.of("input", "path", "as"), id + ".relativeTo");
            rel = new Relative(str(r, "input", id), str(r, "path", id), str(r, "as", id));
            if (!AS.contains(rel.as())) throw new IllegalArgumentException(id + ": relativeTo.as must be one of " + AS);
        }
        boolean equality = op.equals("==");
        boolean byValue = rel != null && rel.as().equals("value");
        if (equality != byValue)
            throw new IllegalArgumentException(id + ": op == goes with relativeTo.as value (and only it)");
        Double threshold = null;
        if (!byValue) {
            threshold = num(g, "threshold", id);
            if (!Double.isFinite(threshold)) throw new IllegalArgumentException(id + ": threshold is not a finite number");
        } else if (g.has("threshold")) throw new IllegalArgumentException(id + ": no threshold with relativeTo.as value");
        try {
            JsonPick.validate(str(g, "path", id));
            if (rel != null) JsonPick.validate(rel.path());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(id + ": " + e.getMessage(), e);
        }
        String chart = g.has("chart") ? str(g, "chart", id) : null;
        if (chart != null && !CHARTS.contains(chart)) throw new IllegalArgumentException(id + ": chart must be one of " + CHARTS);
        boolean blocking = true;
        if (g.has("blocking")) {
            JsonElement b = g.get("blocking");
            if (!b.isJsonPrimitive() || !b.getAsJsonPrimitive().isBoolean())
                throw new IllegalArgumentException(id + ": blocking must be true or false");
            blocking = b.getAsBoolean();
        }
        return new Gate(id, g.has("what") ? str(g, "what", id) : id, str(g, "input", id), str(g, "path", id), op, threshold,
                g.has("unit") ? str(g, "unit", id) : null, chart, rel, blocking);
    }

    private static void unknown(JsonObject o, Set<String> allowed, String where) {
        for (Map.Entry<String, JsonElement> e : o.entrySet())
            if (!allowed.contains(e.getKey())) throw new IllegalArgumentException(where + ": unknown key '" + e.getKey() + "'");
    }

    private static String str(JsonObject o, String key, String where) {
        JsonElement e = o.get(key);
        if (e == null || !e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString() || e.getAsString().isBlank())
            throw new IllegalArgumentException(where + ": " + key + " must be a non-empty string");
        return e.getAsString();
    }

    private static double num(JsonObject o, String key, String where) {
        JsonElement e = o.get(key);
        if (e == null || !e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber())
            throw new IllegalArgumentException(where + ": " + key + " must be a number");
        return e.getAsDouble();
    }
}
