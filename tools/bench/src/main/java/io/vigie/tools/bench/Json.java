package io.vigie.tools.bench;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

/** Null-safe reads of nested JSON numbers/strings (the gateway API keeps nulls for stable shapes). */
public final class Json {
    private Json() {
    }

    public static JsonElement at(JsonObject o, String... path) {
        JsonElement e = o;
        for (String p : path) {
            if (e == null || !e.isJsonObject()) return null;
            e = e.getAsJsonObject().get(p);
        }
        return e == null || e.isJsonNull() ? null : e;
    }

    public static Double num(JsonObject o, String... path) {
        JsonElement e = at(o, path);
        if (e == null || !e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber()) return null;
        return e.getAsDouble();
    }

    public static String str(JsonObject o, String... path) {
        JsonElement e = at(o, path);
        return e == null || !e.isJsonPrimitive() ? null : e.getAsString();
    }

    /** Rounded for the report (3 decimals), null stays null; NaN/infinite become null (JSON has none). */
    public static Double round(Double v) {
        if (v == null || v.isNaN() || v.isInfinite()) return null;
        return Math.round(v * 1000.0) / 1000.0;
    }
}
