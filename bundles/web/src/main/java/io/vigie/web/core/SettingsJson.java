package io.vigie.web.core;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;

/**
 * The dashboard's side of {@code /vigie/api/settings}: a PATCH body to the plain values the detector's
 * {@link io.vigie.api.detect.DetectorSettingsService} takes (String, Boolean, Double, String[]), and the settings
 * back to JSON. Only the JSON shape is checked here; keys, types, ranges and messages are the detector's rules.
 * source.uri is refused as MQTT refuses it: pointing the detector at an arbitrary file or URL from a browser
 * session (a local file, an internal host) is a local decision, made in the Kura console.
 */
public final class SettingsJson {
    public static final int MAX_BODY_BYTES = 64 * 1024;
    /** More keys than the detector has is not a settings change. */
    public static final int MAX_KEYS = 64;
    /** Values are flat (lists of strings at most): deeper nesting is refused before Gson's recursive parser sees it. */
    static final int MAX_DEPTH = 3;
    public static final Set<String> READ_ONLY = Set.of("source.uri");

    /** A refused PATCH: the HTTP status and the message for {@code {"error": ...}}. */
    public static final class Refused extends Exception {
        private static final long serialVersionUID = 1L;
        private final int status;

        Refused(int status, String message) {
            super(message);
            this.status = status;
        }

        public int status() {
            return status;
        }
    }

    private SettingsJson() {
    }

    /** @return the changes in body order, typed for the settings service */
    public static Map<String, Object> parsePatch(String body) throws Refused {
        if (body == null || body.isBlank()) throw new Refused(400, "empty body: send a JSON object of settings");
        if (depth(body) > MAX_DEPTH) throw new Refused(400, "JSON nested too deep: values are strings, numbers, "
                + "booleans or arrays of strings");
        JsonElement e;
        try {
            e = JsonParser.parseString(body);
        } catch (JsonParseException | IllegalStateException ex) {
            throw new Refused(400, "body is not JSON: " + ex.getMessage());
        }
        if (!e.isJsonObject())
            throw new Refused(400, "body must be a JSON object of settings, e.g. {\"model.precision\":\"FP32\"}");
        JsonObject o = e.getAsJsonObject();
        if (o.size() == 0) throw new Refused(400, "no settings to change");
        if (o.size() > MAX_KEYS) throw new Refused(400, "too many keys: " + o.size() + " > " + MAX_KEYS);
        Map<String, Object> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonElement> kv : o.entrySet()) {
            String k = kv.getKey();
            if (READ_ONLY.contains(k)) throw new Refused(403, k + " cannot be changed from the dashboard (as over MQTT): "
                    + "choosing what the detector opens is a local decision, made in the Kura console");
            out.put(k, value(k, kv.getValue()));
        }
        return out;
    }

    private static Object value(String k, JsonElement v) throws Refused {
        if (v.isJsonPrimitive()) {
            JsonPrimitive p = v.getAsJsonPrimitive();
            if (p.isBoolean()) return p.getAsBoolean();
            if (p.isNumber()) return p.getAsDouble();
            return p.getAsString();
        }
        if (v.isJsonArray()) {
            JsonArray a = v.getAsJsonArray();
            String[] s = new String[a.size()];
            for (int i = 0; i < s.length; i++) {
                JsonElement x = a.get(i);
                if (!x.isJsonPrimitive() || !x.getAsJsonPrimitive().isString())
                    throw new Refused(400, shown(k) + ": a list holds strings only");
                s[i] = x.getAsString();
            }
            return s;
        }
        throw new Refused(400, shown(k) + " must be a string, number, boolean or array of strings, not "
                + (v.isJsonNull() ? "null" : "an object"));
    }

    /** Deepest [ / { nesting outside strings (a linear scan; Gson 2.9 would recurse once per level). */
    static int depth(String s) {
        int depth = 0;
        int max = 0;
        boolean str = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (str) {
                if (c == '\\') i++;
                else if (c == '"') str = false;
            } else if (c == '"') {
                str = true;
            } else if (c == '[' || c == '{') {
                max = Math.max(max, ++depth);
            } else if (c == ']' || c == '}') {
                depth--;
            }
        }
        return max;
    }

    /** Settings as JSON (String[] as arrays, numbers as numbers). */
    public static JsonObject toJson(Map<String, ?> settings) {
        JsonObject o = new JsonObject();
        settings.forEach((k, v) -> {
            if (v instanceof String[] a) {
                JsonArray arr = new JsonArray();
                for (String s : a) arr.add(s);
                o.add(k, arr);
            } else if (v instanceof Number n) {
                o.addProperty(k, n);
            } else if (v instanceof Boolean b) {
                o.addProperty(k, b);
            } else {
                o.addProperty(k, v == null ? null : v.toString());
            }
        });
        return o;
    }

    /** A key as shown in a message: printable and at most 64 characters (keys come from the request). */
    private static String shown(String k) {
        String s = k.replaceAll("[^\\x20-\\x7e]", "?");
        return s.length() > 64 ? s.substring(0, 64) + "..." : s;
    }
}
