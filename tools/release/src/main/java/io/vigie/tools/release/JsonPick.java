package io.vigie.tools.release;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

/**
 * Picks one value out of a result JSON with the gate file's paths: dot-separated member names, and for arrays a
 * selector of the element whose members equal the given values, e.g.
 * {@code environments[name=edge].pipeline[precision=INT8,threads=1].fps}. The gate file, not code, says where a
 * number lives; a path that matches nothing (or more than one element) is an error with the step that failed.
 */
final class JsonPick {
    private static final Pattern STEP = Pattern.compile("([A-Za-z0-9_]+)(?:\\[([^\\]]*)])?");

    private JsonPick() {
    }

    /** Throws {@link IllegalArgumentException} when {@code path} is not a well-formed path (checked when gates are read). */
    static void validate(String path) {
        if (path == null || path.isBlank()) throw new IllegalArgumentException("empty path");
        for (String step : path.split("\\.(?![^\\[]*])", -1)) {
            Matcher m = STEP.matcher(step);
            if (!m.matches()) throw new IllegalArgumentException("bad path step '" + step + "' in " + path);
            if (m.group(2) != null) selector(m.group(2), path);
        }
    }

    /** The value, or throws {@link IllegalArgumentException} saying where the path stopped matching. */
    static JsonElement pick(JsonElement root, String path) {
        if (path == null || path.isBlank()) throw new IllegalArgumentException("empty path");
        JsonElement cur = root;
        StringBuilder done = new StringBuilder();
        for (String step : path.split("\\.(?![^\\[]*])", -1)) {
            Matcher m = STEP.matcher(step);
            if (!m.matches()) throw new IllegalArgumentException("bad path step '" + step + "' in " + path);
            if (cur == null || !cur.isJsonObject()) throw new IllegalArgumentException(done + " is not an object");
            JsonObject o = cur.getAsJsonObject();
            String name = m.group(1);
            if (done.length() > 0) done.append('.');
            done.append(name);
            if (!o.has(name)) throw new IllegalArgumentException("no " + done);
            cur = o.get(name);
            if (m.group(2) != null) {
                cur = select(cur, selector(m.group(2), path), done);
                done.append('[').append(m.group(2)).append(']');
            }
        }
        return cur;
    }

    private static Map<String, String> selector(String text, String path) {
        Map<String, String> want = new LinkedHashMap<>();
        for (String kv : text.split(",", -1)) {
            int eq = kv.indexOf('=');
            if (eq <= 0) throw new IllegalArgumentException("bad selector '" + text + "' in " + path);
            String k = kv.substring(0, eq).trim(), v = kv.substring(eq + 1).trim();
            if (k.isEmpty() || v.isEmpty()) throw new IllegalArgumentException("bad selector '" + text + "' in " + path);
            want.put(k, v);
        }
        return want;
    }

    private static JsonElement select(JsonElement array, Map<String, String> want, CharSequence where) {
        if (array == null || !array.isJsonArray()) throw new IllegalArgumentException(where + " is not an array");
        JsonElement found = null;
        for (JsonElement e : (JsonArray) array) {
            if (!e.isJsonObject() || !matches(e.getAsJsonObject(), want)) continue;
            if (found != null) throw new IllegalArgumentException(where + " has more than one element " + want);
            found = e;
        }
        if (found == null) throw new IllegalArgumentException(where + " has no element " + want);
        return found;
    }

    private static boolean matches(JsonObject o, Map<String, String> want) {
        for (Map.Entry<String, String> w : want.entrySet()) {
            JsonElement v = o.get(w.getKey());
            if (v == null || !v.isJsonPrimitive() || !v.getAsString().equals(w.getValue())) return false;
        }
        return true;
    }
}
